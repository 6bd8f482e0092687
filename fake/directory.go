package fake

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Site is a SharePoint site of the emulated tenant: what a site URL or ID
// in a bulk addition job, a policy create or a site inclusion rule can
// name. A site unit's SiteID, SiteName and SiteWebURL also count as a
// site.
type Site struct {
	// ID is "host,siteCollectionGuid,webGuid".
	ID string
	// Name is the site's title (site rules match keywords in it).
	Name string
	// WebURL is its absolute URL (site rules match keywords in it too).
	WebURL string
}

// User is a person of the emulated tenant: what an address or a directory
// object ID in a bulk addition job or a policy create can name (their
// OneDrive and their mailbox). A drive or mailbox unit's DirectoryObjectID,
// DisplayName and Email also count as a user.
type User struct {
	// ID is the directory object ID (a GUID).
	ID          string
	DisplayName string
	Email       string
}

// Group is an Entra ID group: dynamic drive and mailbox rules select the
// users who are its members (memberOf … group.id -in […]).
type Group struct {
	ID          string
	DisplayName string
	// Members are directory object IDs of users.
	Members []string
}

// directory is the tenant's sites, users and groups; store.mu guards it.
type directory struct {
	sites       map[string]*Site  // by lower-case ID
	sitesByURL  map[string]*Site  // by lower-case URL, no trailing slash
	users       map[string]*User  // by lower-case ID
	usersByMail map[string]*User  // by lower-case address
	groups      map[string]*Group // by lower-case ID
	groupOrder  []string
	seeded      int
}

func (d *directory) init() {
	if d.sites == nil {
		d.sites, d.sitesByURL = map[string]*Site{}, map[string]*Site{}
		d.users, d.usersByMail = map[string]*User{}, map[string]*User{}
		d.groups = map[string]*Group{}
	}
}

func urlKey(u string) string { return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(u)), "/") }

func (d *directory) addSite(s Site) {
	d.init()
	c := s
	d.sites[strings.ToLower(s.ID)] = &c
	if s.WebURL != "" {
		d.sitesByURL[urlKey(s.WebURL)] = &c
	}
}

func (d *directory) addUser(u User) {
	d.init()
	c := u
	d.users[strings.ToLower(u.ID)] = &c
	if u.Email != "" {
		d.usersByMail[strings.ToLower(u.Email)] = &c
	}
}

// AddSite adds a site to the emulated tenant (replacing one with the same
// ID). It fails, adding nothing, when the ID is not of the form
// "host,guid,guid" or a GUID, or the URL is not absolute http(s).
func (s *Server) AddSite(site Site) error {
	if !validSiteID(site.ID) {
		return fmt.Errorf("fake: site ID %q is neither host,guid,guid nor a GUID", site.ID)
	}
	if site.WebURL != "" && !strings.HasPrefix(site.WebURL, "https://") && !strings.HasPrefix(site.WebURL, "http://") {
		return fmt.Errorf("fake: site %q: web URL %q is not absolute http(s)", site.ID, site.WebURL)
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	s.st.prot().dir.addSite(site)
	return nil
}

// AddUser adds a user to the emulated tenant (replacing one with the same
// ID). It fails, adding nothing, when the ID is not a GUID.
func (s *Server) AddUser(u User) error {
	if !isGUIDText(u.ID) {
		return fmt.Errorf("fake: user ID %q is not a GUID", u.ID)
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	s.st.prot().dir.addUser(u)
	return nil
}

// AddGroup adds or replaces a group and brings every dynamic rule naming
// it in line with its members at once: members who joined are protected by
// the rule, members who left lose the rule (a unit left without any source
// is removed from its policy). It fails when the ID is not a GUID.
func (s *Server) AddGroup(g Group) error {
	if !isGUIDText(g.ID) {
		return fmt.Errorf("fake: group ID %q is not a GUID", g.ID)
	}
	st := s.st
	st.lockDue()
	defer st.mu.Unlock()
	p := st.prot()
	p.dir.init()
	key := strings.ToLower(g.ID)
	if _, ok := p.dir.groups[key]; !ok {
		p.dir.groupOrder = append(p.dir.groupOrder, key)
	}
	c := g
	c.Members = append([]string(nil), g.Members...)
	p.dir.groups[key] = &c
	st.syncDynamicRulesLocked(key)
	return nil
}

// SetGroupMembers replaces a group's members (see AddGroup for what it does
// to dynamic rules). It fails for an unknown group.
func (s *Server) SetGroupMembers(groupID string, members []string) error {
	st := s.st
	st.lockDue()
	defer st.mu.Unlock()
	p := st.prot()
	g, ok := p.dir.groups[strings.ToLower(groupID)]
	if !ok {
		return fmt.Errorf("fake: no group with ID %q", groupID)
	}
	g.Members = append([]string(nil), members...)
	st.syncDynamicRulesLocked(strings.ToLower(groupID))
	return nil
}

// Groups returns copies of every group, in the order they were added.
func (s *Server) Groups() []Group {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	p := s.st.prot()
	out := make([]Group, 0, len(p.dir.groupOrder))
	for _, k := range p.dir.groupOrder {
		g := *p.dir.groups[k]
		g.Members = append([]string(nil), g.Members...)
		out = append(out, g)
	}
	return out
}

// SeedDirectory adds n sites and n users that no policy protects yet
// (deterministic from Options.Seed and from how many earlier calls drew):
// sites "Project Site N" at https://contoso.sharepoint.com/sites/project-site-N,
// users "Person N" with address personN@contoso.onmicrosoft.com. It
// returns them. Onboarding benchmarks and tests protect them with bulk
// addition jobs.
func (s *Server) SeedDirectory(n int) ([]Site, []User) {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	p := st.prot()
	r := rand.New(rand.NewPCG(st.opts.Seed, 0xd1ec70+uint64(p.dir.seeded)))
	sites, users := make([]Site, 0, n), make([]User, 0, n)
	for i := 0; i < n; i++ {
		k := p.dir.seeded + i + 1
		site := Site{
			ID:     "contoso.sharepoint.com," + seededGUID(r) + "," + seededGUID(r),
			Name:   "Project Site " + itoa(k),
			WebURL: "https://contoso.sharepoint.com/sites/project-site-" + itoa(k),
		}
		user := User{ID: seededGUID(r), DisplayName: "Person " + itoa(k), Email: "person" + itoa(k) + "@contoso.onmicrosoft.com"}
		p.dir.addSite(site)
		p.dir.addUser(user)
		sites, users = append(sites, site), append(users, user)
	}
	p.dir.seeded += n
	return sites, users
}

// validSiteID accepts "host,guid,guid" and a GUID.
func validSiteID(s string) bool {
	if isGUIDText(s) {
		return true
	}
	parts := strings.Split(s, ",")
	return len(parts) == 3 && parts[0] != "" && !strings.ContainsAny(parts[0], "/ ") && isGUIDText(parts[1]) && isGUIDText(parts[2])
}

// isGUIDText accepts the 8-4-4-4-12 hexadecimal form.
func isGUIDText(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}
