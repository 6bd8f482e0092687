package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/m365kit/backuprestore/bench/benchserver"
)

// floorUnit is what a hand-written client would decode into.
type floorUnit struct {
	ODataType string `json:"@odata.type"`
	ID        string `json:"id"`
	// siteProtectionUnit
	SiteID     string `json:"siteId"`
	SiteName   string `json:"siteName"`
	SiteWebURL string `json:"siteWebUrl"`
	// driveProtectionUnit and mailboxProtectionUnit
	DirectoryObjectID string `json:"directoryObjectId"`
	DisplayName       string `json:"displayName"`
	Email             string `json:"email"`

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
	Error                     *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// floorStatusError is the floor's typed error for a non-200 response.
type floorStatusError struct {
	Status        int
	Code, Message string
}

func (e *floorStatusError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message)
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
	req.Header.Set("Authorization", "Bearer "+benchserver.Token)
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
		return nil, &floorStatusError{Status: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message}
	}
	var u floorUnit
	if err := json.Unmarshal(body, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// floorPage is one page of a list.
type floorPage struct {
	NextLink string      `json:"@odata.nextLink"`
	Value    []floorUnit `json:"value"`
}

// floorList lists every unit with raw net/http and encoding/json, following
// @odata.nextLink, and calls yield for each unit.
func floorList(hc *http.Client, firstURL string, yield func(*floorUnit)) error {
	for next := firstURL; next != ""; {
		req, err := http.NewRequest(http.MethodGet, next, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+benchserver.Token)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Prefer", "include-unknown-enum-members")
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			var e floorError
			_ = json.Unmarshal(body, &e)
			return &floorStatusError{Status: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message}
		}
		var p floorPage
		if err := json.Unmarshal(body, &p); err != nil {
			return err
		}
		for i := range p.Value {
			yield(&p.Value[i])
		}
		next = p.NextLink
	}
	return nil
}
