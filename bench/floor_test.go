package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// floorUnit is what a hand-written client would decode into.
type floorUnit struct {
	ODataType         string `json:"@odata.type"`
	ID                string `json:"id"`
	SiteID            string `json:"siteId"`
	PolicyID          string `json:"policyId"`
	Status            string `json:"status"`
	ProtectionSources string `json:"protectionSources"`
	CreatedBy         *struct {
		Application *struct{ ID, DisplayName, Email string } `json:"application"`
		User        *struct{ ID, DisplayName, Email string } `json:"user"`
	} `json:"createdBy"`
	CreatedDateTime string `json:"createdDateTime"`
	LastModifiedBy  *struct {
		Application *struct{ ID, DisplayName, Email string } `json:"application"`
		User        *struct{ ID, DisplayName, Email string } `json:"user"`
	} `json:"lastModifiedBy"`
	LastModifiedDateTime      string `json:"lastModifiedDateTime"`
	OffboardRequestedDateTime string `json:"offboardRequestedDateTime"`
}

type floorError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// floorCancel is the floor: one cancelOffboard with raw net/http and
// encoding/json, with the same headers the SDK sends.
func floorCancel(hc *http.Client, base, id string) (*floorUnit, error) {
	req, err := http.NewRequest(http.MethodPost, base+"/solutions/backupRestore/protectionUnits/"+id+"/cancelOffboard", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Prefer", "include-unknown-enum-members")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		var e floorError
		_ = json.Unmarshal(body, &e)
		return nil, fmt.Errorf("%d %s: %s", resp.StatusCode, e.Error.Code, e.Error.Message)
	}
	var u floorUnit
	if err := json.Unmarshal(body, &u); err != nil {
		return nil, err
	}
	return &u, nil
}
