package main

import "strings"

// emuUnit is a unit as GET /_emulator/units lists it.
type emuUnit struct {
	ID                string `json:"id"`
	ODataType         string `json:"@odata.type"`
	Status            string `json:"status"`
	PolicyID          string `json:"policyId"`
	ProtectionSources string `json:"protectionSources"`
	SiteWebURL        string `json:"siteWebUrl"`
	Email             string `json:"email"`
}

// offboardable reports whether a listed unit can be offboarded: removable
// from its policy by a PATCH (protected, manual only) or already removed.
func offboardable(u emuUnit) bool {
	return (u.Status == "protected" && u.PolicyID != "" && !strings.Contains(u.ProtectionSources, "dynamicRule")) ||
		(u.Status == "unprotected" && u.PolicyID == "")
}
