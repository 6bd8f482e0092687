package backuprestore

import (
	"net/mail"
	"net/url"
	"strings"

	"github.com/m365kit/backuprestore/models"
)

// TargetForm is how an onboarding target names its artifact.
type TargetForm int

// The forms a target can take.
const (
	// TargetInvalid: none of the forms below.
	TargetInvalid TargetForm = iota
	// TargetSiteURL: an absolute http(s) URL of a SharePoint site.
	TargetSiteURL
	// TargetSiteID: a SharePoint site ID ("host,siteCollectionGuid,webGuid"
	// or a bare GUID).
	TargetSiteID
	// TargetEmail: an e-mail address (a OneDrive account or a mailbox).
	TargetEmail
	// TargetDirectoryObjectID: an Entra ID directory object ID (a GUID).
	TargetDirectoryObjectID
)

// String names the form.
func (f TargetForm) String() string {
	switch f {
	case TargetSiteURL:
		return "site URL"
	case TargetSiteID:
		return "site ID"
	case TargetEmail:
		return "e-mail address"
	case TargetDirectoryObjectID:
		return "directory object ID"
	}
	return "invalid"
}

// ClassifyTarget tells how target (trimmed of surrounding white space)
// names an artifact of kind k: sites (KindSite) by URL or site ID; drives
// and mailboxes by e-mail address or directory object ID. It returns
// TargetInvalid and an error matching ErrInvalidTarget, naming the target,
// for anything else.
func ClassifyTarget(k models.UnitKind, target string) (TargetForm, error) {
	t := strings.TrimSpace(target)
	switch k {
	case models.KindSite:
		if isSiteURL(t) {
			return TargetSiteURL, nil
		}
		if isSiteID(t) {
			return TargetSiteID, nil
		}
		return TargetInvalid, wrapErr("target "+quoteID(target)+" is neither a site URL (https://…) nor a site ID (host,guid,guid)", ErrInvalidTarget)
	case models.KindDrive, models.KindMailbox:
		if isGUID(t) {
			return TargetDirectoryObjectID, nil
		}
		if isEmail(t) {
			return TargetEmail, nil
		}
		return TargetInvalid, wrapErr("target "+quoteID(target)+" is neither an e-mail address nor a directory object ID (a GUID)", ErrInvalidTarget)
	}
	return TargetInvalid, wrapErr("target "+quoteID(target)+": unknown workload", ErrInvalidTarget)
}

func isSiteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil &&
		!strings.ContainsAny(s, " \t\r\n")
}

// isSiteID accepts "host,guid,guid" and a bare GUID.
func isSiteID(s string) bool {
	if isGUID(s) {
		return true
	}
	parts := strings.Split(s, ",")
	if len(parts) != 3 || parts[0] == "" || strings.ContainsAny(parts[0], "/ \t") {
		return false
	}
	return isGUID(parts[1]) && isGUID(parts[2])
}

// isGUID accepts the 8-4-4-4-12 hexadecimal form, with or without braces.
func isGUID(s string) bool {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
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

func isEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == "" && strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".")
}
