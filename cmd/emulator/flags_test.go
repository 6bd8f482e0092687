package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake/control"
)

func TestRunThrottle(t *testing.T) {
	base, stop := started(t, "-listen", "127.0.0.1:0", "-units", "3", "-throttle", "0.5/3", "-throttle-tenant", "1000")
	statuses := []int{}
	retryAfter := ""
	for range 4 {
		resp, _ := get(t, base+"/solutions/backupRestore/protectionUnits", "Bearer opaque")
		statuses = append(statuses, resp.StatusCode)
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			retryAfter = ra
		}
	}
	require.Equal(t, []int{200, 200, 200, 429}, statuses, "a burst of 3 at 0.5/s")
	// (1 - -1) / 0.5 = 4 s, less the refill during the wall time the
	// requests took.
	ra, err := strconv.ParseFloat(retryAfter, 64)
	require.NoError(t, err, retryAfter)
	require.InDelta(t, 3.95, ra, 0.05, retryAfter)

	resp, b := get(t, strings.TrimSuffix(base, "/v1.0")+"/_emulator/throttle", "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var st struct {
		Config    map[string]any `json:"config"`
		Admitted  int            `json:"admitted"`
		Throttled int            `json:"throttled"`
	}
	require.NoError(t, json.Unmarshal(b, &st))
	require.Equal(t, map[string]any{"rate": 0.5, "burst": 3.0}, st.Config["appTenant"])
	require.Equal(t, map[string]any{"rate": 1000.0, "burst": 1000.0}, st.Config["tenant"])
	require.Nil(t, st.Config["app"])
	require.Equal(t, [2]int{3, 1}, [2]int{st.Admitted, st.Throttled})
	require.NoError(t, stop())
}

func TestRunUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-throttle", "fast"},
		{"-throttle", "0"},
		{"-throttle", "5/0"},
		{"-throttle-app", "-1"},
		{"-throttle-tenant", "1/x"},
		{"-cors-origins", "localhost:3000"},
		{"-cors-origins", "http://a.example/path"},
		{"-cors-origins", "ftp://a.example"},
		{"-nope"},
		{"-units", "-1"},
		{"extra"},
	} {
		err := run(t.Context(), append([]string{"-listen", "127.0.0.1:0"}, args...), io.Discard)
		var ue *usageError
		require.True(t, errors.As(err, &ue), "%v: %v", args, err)
	}
}

func TestParseOrigins(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"*", nil},
		{"http://a.example,*", nil},
		{"", []string{}},
		{"http://localhost:3000", []string{"http://localhost:3000"}},
		{" http://a.example/ , https://b.example:8443 ", []string{"http://a.example", "https://b.example:8443"}},
	} {
		got, err := parseOrigins(tt.in)
		require.NoError(t, err, tt.in)
		require.Equal(t, tt.want, got, tt.in)
	}
}

// The emulator run as its own process: bad flags exit with status 2, -h
// prints the flags and the control API from control.Endpoints and
// exits 0.
func TestExitStatusAndHelp(t *testing.T) {
	run := func(args ...string) (int, string) {
		cmd := exec.CommandContext(t.Context(), os.Args[0], args...)
		cmd.Env = append(os.Environ(), childEnv+"=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), stderr.String()
		}
		require.NoError(t, err)
		return 0, stderr.String()
	}
	code, out := run("-throttle", "lots")
	require.Equal(t, 2, code, out)
	require.Contains(t, out, `invalid value "lots" for flag -throttle`)
	code, out = run("-listen", "127.0.0.1:0", "-cors-origins", "nope")
	require.Equal(t, 2, code, out)
	require.Contains(t, out, "-cors-origins")

	code, out = run("-h")
	require.Equal(t, 0, code, out)
	for _, want := range []string{"-throttle RATE[/BURST]", "-throttle-app", "-throttle-tenant", "-cors-origins"} {
		require.Contains(t, out, want)
	}
	for _, ep := range control.Endpoints() {
		require.Contains(t, out, ep.Path)
		require.Contains(t, out, ep.Description)
	}
}
