package fake_test

import (
	"fmt"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

func TestSeedCoverage(t *testing.T) {
	guid := `[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}`
	siteID := regexp.MustCompile(`^contoso\.sharepoint\.com,` + guid + `,` + guid + `$`)
	idRe := regexp.MustCompile(`^` + guid + `$`)
	for _, n := range []int{20, 21, 50, 137, 1000} {
		for _, seed := range []uint64{0, 1, 42} {
			t.Run(fmt.Sprintf("n=%d/seed=%d", n, seed), func(t *testing.T) {
				srv := fake.NewServer(&fake.Options{Seed: seed})
				units := srv.Seed(n)
				require.Len(t, units, n)
				kinds := map[models.UnitKind]int{}
				states := map[models.ProtectionUnitStatus]int{}
				offboardable, attachedUnprotected := 0, 0
				for _, u := range units {
					kinds[u.Kind]++
					states[u.Status]++
					require.Regexp(t, idRe, u.ID)
					if u.Offboardable() {
						offboardable++
					}
					if u.Status == models.StatusUnprotected && u.PolicyID != "" {
						attachedUnprotected++
					}
					switch u.Kind {
					case models.KindSite:
						require.Regexp(t, siteID, u.SiteID)
						require.NotEmpty(t, u.SiteName)
						require.Regexp(t, `^https://contoso\.sharepoint\.com/(sites|teams)/\w+$`, u.SiteWebURL)
					default:
						require.NotEmpty(t, u.DirectoryObjectID)
						require.Regexp(t, `^\S+ \S+$`, u.DisplayName)
						require.Regexp(t, `^\w+@contoso\.onmicrosoft\.com$`, u.Email)
					}
					require.NotNil(t, u.CreatedBy.User)
					require.NotNil(t, u.LastModifiedBy.Application)
					require.True(t, u.CreatedDateTime.Before(srv.Now()))
					require.False(t, u.LastModifiedDateTime.Before(u.CreatedDateTime))
					require.False(t, u.LastModifiedDateTime.After(srv.Now()))
					inFlow := u.Status == models.StatusOffboardRequested || u.Status == models.StatusOffboarded || u.Status == models.StatusCancelOffboardRequested
					require.Equal(t, inFlow, !u.OffboardRequestedDateTime.IsZero(), u.Status)
					if inFlow {
						require.Empty(t, u.PolicyID)
						require.Equal(t, "none", u.ProtectionSources)
					} else if u.PolicyID != "" {
						require.Contains(t, []string{"manual", "dynamicRule", "manual,dynamicRule"}, u.ProtectionSources)
					}
				}
				require.Len(t, kinds, 3)
				require.Len(t, states, 8, "%v", states)
				for _, s := range fake.Statuses() {
					require.Positive(t, states[s], s)
				}
				require.Positive(t, attachedUnprotected)
				require.InDelta(t, 0.15, float64(offboardable)/float64(n), 0.06)
				require.InDelta(t, 0.15, float64(states[models.StatusOffboardRequested])/float64(n), 0.06)
				// Seeding does not leave timers overdue.
				before := srv.Units()
				srv.Advance(0)
				require.Equal(t, before, srv.Units())
				require.Empty(t, srv.AllTransitions())
			})
		}
	}
}

func TestSeedDeterminism(t *testing.T) {
	a := fake.NewServer(&fake.Options{Seed: 9}).Seed(60)
	b := fake.NewServer(&fake.Options{Seed: 9}).Seed(60)
	c := fake.NewServer(&fake.Options{Seed: 10}).Seed(60)
	require.Equal(t, a, b)
	require.NotEqual(t, a, c)

	// Repeated calls continue the stream with fresh IDs.
	srv := fake.NewServer(nil)
	first, second := srv.Seed(30), srv.Seed(30)
	require.Equal(t, 60, srv.Len())
	require.NotEqual(t, first[0].ID, second[0].ID)
	require.Nil(t, srv.Seed(0))
	require.Len(t, fake.NewServer(nil).Seed(5), 5)

	// Site names are unique.
	names := map[string]bool{}
	for _, u := range fake.NewServer(nil).Seed(300) {
		if u.Kind == models.KindSite {
			require.False(t, names[u.SiteName], u.SiteName)
			names[u.SiteName] = true
		}
	}
}

func TestSeedTimersRespectOptions(t *testing.T) {
	srv := fake.NewServer(&fake.Options{GracePeriod: time.Hour, CancelDelay: time.Minute})
	units := srv.Seed(40)
	states := map[models.ProtectionUnitStatus]int{}
	for _, u := range srv.Units() {
		states[u.Status]++
	}
	require.Positive(t, states[models.StatusOffboardRequested], "short grace periods still leave units pending")
	require.Positive(t, states[models.StatusCancelOffboardRequested])
	srv.Advance(time.Hour)
	for _, u := range srv.Units() {
		require.NotEqual(t, models.StatusOffboardRequested, u.Status)
		require.NotEqual(t, models.StatusCancelOffboardRequested, u.Status)
	}
	require.NotEmpty(t, units)

	// A seeded offboardable unit can be offboarded, a pending one cancelled.
	e := newEnv(t, nil)
	for _, u := range e.srv.Seed(20) {
		switch {
		case u.Offboardable():
			require.Equal(t, http.StatusOK, e.do("POST", unitPath(u.ID, "offboard")).status)
		case u.Status == models.StatusOffboardRequested:
			require.Equal(t, http.StatusOK, e.do("POST", unitPath(u.ID, "cancelOffboard")).status)
		default:
			require.Equal(t, http.StatusForbidden, e.do("POST", unitPath(u.ID, "offboard")).status)
		}
	}
}

// Seed's units (IDs, kinds, states) depend on Options.Seed alone, not on
// the clock: two emulators seeded alike, whose clocks read a little
// differently (a real-time clock, a later start), hold the same units.
// (A random draw whose range depended on the clock once made them
// diverge: rejection sampling draws a varying number of values.)
func TestSeedIsIndependentOfTheClock(t *testing.T) {
	ids := func(start time.Time) []string {
		srv := fake.NewServer(&fake.Options{Start: start})
		var out []string
		for _, u := range srv.Seed(300) {
			out = append(out, u.ID+" "+string(u.Status)+" "+u.PolicyID)
		}
		return out
	}
	want := ids(fake.DefaultStart)
	for k := range 200 {
		start := fake.DefaultStart.Add(time.Duration(k*7919) * time.Microsecond)
		require.Equal(t, want, ids(start), "start %v: the seeded units differ from those at the default start", start)
	}
}
