package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
)

// childEnv, when set to 1, makes the test binary run the emulator's main
// instead of the tests, so a test can start it as a real process and signal it.
const childEnv = "BACKUPRESTORE_EMULATOR_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// started runs the emulator with args and returns its base URL and a stop
// function that cancels it and returns run's error.
func started(t *testing.T, args ...string) (string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, args, pw)
		pw.CloseWithError(io.EOF)
		done <- err
	}()
	sc := bufio.NewScanner(pr)
	require.True(t, sc.Scan(), "no first line")
	base := sc.Text()
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("run did not return")
			return nil
		}
	}
	t.Cleanup(func() { cancel() })
	return base, stop
}

func get(t *testing.T, url, auth string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", url, nil)
	require.NoError(t, err)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Prefer", "include-unknown-enum-members")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

func TestRun(t *testing.T) {
	base, stop := started(t, "-listen", "127.0.0.1:0", "-units", "30", "-seed", "7", "-page-size", "20")
	require.Regexp(t, `^http://127\.0\.0\.1:\d+/v1\.0$`, base)
	require.NotContains(t, base, ":0/")

	resp, b := get(t, base+"/solutions/backupRestore/protectionUnits?$count=true", "Bearer opaque-token")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	require.NotEmpty(t, resp.Header.Get("request-id"))
	require.Equal(t, "include-unknown-enum-members", resp.Header.Get("Preference-Applied"))
	var page struct {
		Count    int    `json:"@odata.count"`
		NextLink string `json:"@odata.nextLink"`
		Value    []map[string]any
	}
	require.NoError(t, json.Unmarshal(b, &page))
	require.Equal(t, 30, page.Count)
	require.Len(t, page.Value, 20)
	require.True(t, strings.HasPrefix(page.NextLink, base+"/solutions/backupRestore/protectionUnits?$skiptoken="), page.NextLink)
	resp, b = get(t, page.NextLink, "Bearer opaque-token")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)

	// JWTs from fake.Credential are checked against the permission table.
	resp, _ = get(t, base+"/solutions/backupRestore/protectionUnits", "Bearer "+fake.NewAppCredential("User.Read.All").Token())
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, _ = get(t, base+"/solutions/backupRestore/protectionUnits", "")
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	// The control API moves the clock.
	admin := strings.TrimSuffix(base, "/v1.0") + "/_emulator/clock"
	resp, b = get(t, admin, "")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)

	require.NoError(t, stop())
	_, err := http.Get(base + "/solutions/backupRestore/protectionUnits")
	require.Error(t, err, "the listener is closed")
}

func TestRunStrictAuthAndFlags(t *testing.T) {
	base, stop := started(t, "-listen", "127.0.0.1:0", "-units", "0", "-strict-auth", "-grace", "30d",
		"-cancel-delay", "15m", "-start", "2026-03-01T00:00:00Z", "-frozen-clock")
	resp, _ := get(t, base+"/solutions/backupRestore/protectionUnits", "Bearer opaque")
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	resp, b := get(t, base+"/solutions/backupRestore/protectionUnits", "Bearer "+fake.NewDelegatedCredential().Token())
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.JSONEq(t, `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#solutions/backupRestore/protectionUnits","value":[]}`, string(b))
	resp, b = get(t, strings.TrimSuffix(base, "/v1.0")+"/_emulator/clock", "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.JSONEq(t, `{"now":"2026-03-01T00:00:00Z"}`, string(b))
	require.NoError(t, stop())
}

func TestRunErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-nope"},
		{"-units", "-1"},
		{"-page-size", "0"},
		{"-grace", "soon"},
		{"-cancel-delay", "-1h"},
		{"-start", "yesterday"},
		{"-listen", "256.0.0.1:99999"},
		{"extra"},
	} {
		err := run(t.Context(), args, io.Discard)
		require.Error(t, err, "%v", args)
	}
}

func TestDays(t *testing.T) {
	var d days
	require.NoError(t, d.Set("90d"))
	require.Equal(t, 90*24*time.Hour, time.Duration(d))
	require.NoError(t, d.Set("1.5d"))
	require.Equal(t, 36*time.Hour, time.Duration(d))
	require.NoError(t, d.Set("15m"))
	require.Equal(t, "15m0s", d.String())
	require.Error(t, d.Set("0d"))
}

// send makes a request with a body and returns the answer.
func send(t *testing.T, method, url, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer opaque-token")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

func TestRunLifecycleFlags(t *testing.T) {
	base, stop := started(t, "-listen", "127.0.0.1:0", "-units", "30", "-seed", "3", "-frozen-clock",
		"-removal-delay", "1m", "-protect-delay", "2m", "-delta-error-shape", "publicError", "-max-delta-items", "2",
		"-service-status", "protectionChangeLocked")
	root := strings.TrimSuffix(base, "/v1.0")
	resp, b := get(t, base+"/solutions/backupRestore/protectionPolicies?$count=true", "Bearer opaque-token")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	var pols struct {
		Count int `json:"@odata.count"`
		Value []struct {
			ID   string `json:"id"`
			Type string `json:"@odata.type"`
		}
	}
	require.NoError(t, json.Unmarshal(b, &pols))
	require.Equal(t, 6, pols.Count, "two seeded policies per workload")
	var spID string
	for _, p := range pols.Value {
		if p.Type == "#microsoft.graph.sharePointProtectionPolicy" {
			spID = p.ID
		}
	}
	resp, b = get(t, base+"/solutions/backupRestore", "Bearer opaque-token")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	require.Contains(t, string(b), `"status":"protectionChangeLocked"`)

	patch := base + "/solutions/backupRestore/sharePointProtectionPolicies/" + spID
	one := `{"siteProtectionUnits@delta":[{"@removed":{"reason":"changed"},"id":"no-such-unit"}]}`
	resp, b = send(t, "PATCH", patch, one)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "%s", b)
	resp, b = send(t, "POST", root+"/_emulator/service-status?status=enabled", "")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	resp, b = send(t, "PATCH", patch, one)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	require.Contains(t, string(b), `"error":{"code":"ProtectionUnitNotFound"`, "-delta-error-shape publicError")
	three := `{"siteProtectionUnits@delta":[{"siteId":"a"},{"siteId":"b"},{"siteId":"c"}]}`
	resp, b = send(t, "PATCH", patch, three)
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode, "-max-delta-items 2: %s", b)
	resp, b = get(t, root+"/_emulator/settings", "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.JSONEq(t, `{"deltaErrorShape":"publicError","removalDelay":"1m0s"}`, string(b))
	require.NoError(t, stop())
}

func TestRunLifecycleFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-removal-delay", "0"},
		{"-protect-delay", "soon"},
		{"-delta-error-shape", "xml"},
		{"-max-delta-items", "0"},
		{"-max-delta-items", "-2"},
		{"-service-status", "paused"},
		{"-service-status", "unknownFutureValue"},
	} {
		err := run(t.Context(), args, io.Discard)
		require.Error(t, err, "%v", args)
	}
}

// The delays default to a few seconds, so that a demo run of the command
// line (remove, wait, offboard) ends in seconds; -realistic-delays gives
// package fake's, and a delay given explicitly wins over it.
func TestRunDelayDefaults(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "5s"},
		{[]string{"-realistic-delays"}, fake.DefaultRemovalDelay.String()},
		{[]string{"-realistic-delays", "-removal-delay", "1m"}, "1m0s"},
	} {
		base, stop := started(t, append([]string{"-listen", "127.0.0.1:0", "-units", "0"}, tc.args...)...)
		resp, b := get(t, strings.TrimSuffix(base, "/v1.0")+"/_emulator/settings", "")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		var s struct {
			RemovalDelay string `json:"removalDelay"`
		}
		require.NoError(t, json.Unmarshal(b, &s))
		require.Equal(t, tc.want, s.RemovalDelay, "%v", tc.args)
		require.NoError(t, stop())
	}
}
