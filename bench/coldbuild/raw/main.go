// Command raw cancels the offboarding of one protection unit with net/http
// and encoding/json only. The bearer token comes from $GRAPH_TOKEN.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: raw <protection-unit-id>")
		os.Exit(2)
	}
	req, err := http.NewRequest(http.MethodPost,
		"https://graph.microsoft.com/v1.0/solutions/backupRestore/protectionUnits/"+url.PathEscape(os.Args[1])+"/cancelOffboard", nil)
	if err != nil {
		fail(err)
	}
	req.Header.Set("Authorization", "Bearer "+os.Getenv("GRAPH_TOKEN"))
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Prefer", "include-unknown-enum-members")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fail(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		fail(err)
	}
	if resp.StatusCode != http.StatusOK {
		fail(fmt.Errorf("%s: %s", resp.Status, body))
	}
	var unit struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal(body, &unit); err != nil {
		fail(err)
	}
	fmt.Println(unit.ID, unit.Status)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
