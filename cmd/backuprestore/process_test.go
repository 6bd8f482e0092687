//go:build unix

package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Built binaries of the command line and of cmd/emulator, shared by the
// tests of this package (built once, removed by TestMain).
var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// TestMain removes the built binaries.
func TestMain(m *testing.M) {
	if os.Getenv(browserEnv) == "1" {
		os.Exit(playBrowser(os.Args[len(os.Args)-1]))
	}
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binaries builds the command line and the emulator and returns their paths.
func binaries(t *testing.T) (cliBin, emulatorBin string) {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "backuprestore-cli-test-")
		if buildErr != nil {
			return
		}
		for name, pkg := range map[string]string{
			"backuprestore": "github.com/m365kit/backuprestore/cmd/backuprestore",
			"emulator":      "github.com/m365kit/backuprestore/cmd/emulator",
		} {
			out, err := exec.Command("go", "build", "-o", filepath.Join(binDir, name), pkg).CombinedOutput()
			if err != nil {
				buildErr = &buildError{pkg: pkg, out: string(out), err: err}
				return
			}
		}
	})
	require.NoError(t, buildErr)
	return filepath.Join(binDir, "backuprestore"), filepath.Join(binDir, "emulator")
}

// buildError is a failed go build.
type buildError struct {
	pkg, out string
	err      error
}

// Error implements error.
func (e *buildError) Error() string { return "go build " + e.pkg + ": " + e.err.Error() + "\n" + e.out }

// startEmulator runs cmd/emulator as a child process with args and returns
// its base URL; it is stopped when the test ends.
func startEmulator(t *testing.T, args ...string) string {
	t.Helper()
	_, emu := binaries(t)
	cmd := exec.Command(emu, append([]string{"-listen", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	sc := bufio.NewScanner(stdout)
	require.True(t, sc.Scan(), "the emulator printed no base URL")
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return sc.Text()
}

// control reads a control API endpoint of the emulator at base into v.
func control(t *testing.T, base, path string, v any) {
	t.Helper()
	resp, err := http.Get(strings.TrimSuffix(base, "/v1.0") + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	require.NoError(t, json.Unmarshal(b, v), "%s", b)
}

// emuUnits lists the emulator's units.
func emuUnits(t *testing.T, base string) []emuUnit {
	t.Helper()
	var v struct{ Value []emuUnit }
	control(t, base, "/_emulator/units", &v)
	return v.Value
}

// emuTransition is an entry of GET /_emulator/transitions.
type emuTransition struct {
	UnitID string `json:"unitId"`
	From   string `json:"from"`
	To     string `json:"to"`
	Cause  string `json:"cause"`
}

// emuTransitions lists the emulator's transitions.
func emuTransitions(t *testing.T, base string) []emuTransition {
	t.Helper()
	var v struct{ Value []emuTransition }
	control(t, base, "/_emulator/transitions", &v)
	return v.Value
}

// Every command against cmd/emulator running as its own process
// (--emulator-url), the command line in-process.
func TestAgainstEmulatorProcess(t *testing.T) {
	base := startEmulator(t, "-units", "80", "-removal-delay", "200ms", "-cancel-delay", "200ms")
	units := emuUnits(t, base)
	require.Len(t, units, 80)
	c := cli{}
	e := []string{"--emulator-url", base}

	r := c.run(t, append(e, "-o", "json", "units", "list", "--all")...)
	require.Equal(t, exitOK, r.code, r.stderr)
	var listed []unitJSON
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &listed))
	require.Len(t, listed, 80)

	var site emuUnit
	var targets []string
	var cancel []string
	for _, u := range units {
		if site.ID == "" && u.SiteWebURL != "" {
			site = u
		}
		if len(targets) < 6 && offboardable(u) {
			targets = append(targets, u.ID)
		}
		if len(cancel) < 3 && u.Status == "offboardRequested" {
			cancel = append(cancel, u.ID)
		}
	}
	r = c.run(t, append(e, "-o", "json", "units", "get", site.SiteWebURL)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	var got unitJSON
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	require.Equal(t, site.ID, got.ID)

	r = c.run(t, append(e, "-o", "json", "policies", "list")...)
	require.Equal(t, exitOK, r.code, r.stderr)
	var ps []policyJSON
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &ps))
	require.Len(t, ps, 6)

	r = c.run(t, append(e, "-o", "json", "service-status")...)
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Contains(t, r.stdout, `"status": "enabled"`)

	r = c.run(t, append(e, "-o", "json", "offboard", "--dry-run")...)
	require.Equal(t, exitUsage, r.code, "no targets: %s", r.stderr)

	r = c.run(t, append(append(e, "-o", "json", "offboard", "--dry-run"), targets...)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	for _, tr := range emuTransitions(t, base) {
		// The emulator's own timers complete its seeded removals and
		// cancellations; nothing of a dry run's may change a unit.
		require.Contains(t, []string{"timer", "removed", "protected"}, tr.Cause, "a dry run writes nothing: %+v", tr)
	}

	r = c.run(t, append(append(e, "-o", "json", "--yes", "offboard", "--poll-interval", "50ms"), targets...)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	for _, x := range decodeResults(t, r.stdout) {
		require.Equal(t, "done", x.Outcome)
	}
	r = c.run(t, append(e, "-o", "json", "status")...)
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Len(t, decodeResults(t, r.stdout), len(targets))
	r = c.run(t, append(e, "-o", "json", "resume")...)
	require.Equal(t, exitOK, r.code, "a finished run resumes to the same results, sending nothing: %s", r.stderr)

	r = c.run(t, append(append(e, "-o", "json", "--yes", "cancel-offboard", "--wait", "--poll-interval", "50ms"), cancel...)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	for _, x := range decodeResults(t, r.stdout) {
		require.Equal(t, "done", x.Outcome)
		require.Equal(t, "unprotected", x.Status)
	}

	count := map[string]map[string]int{}
	for _, tr := range emuTransitions(t, base) {
		if count[tr.UnitID] == nil {
			count[tr.UnitID] = map[string]int{}
		}
		count[tr.UnitID][tr.Cause]++
	}
	for _, id := range targets {
		require.LessOrEqual(t, count[id]["remove"], 1)
		require.Equal(t, 1, count[id]["offboard"])
	}
	for _, id := range cancel {
		require.Equal(t, 1, count[id]["cancelOffboard"])
	}
}

// An emulator that rejects the token (-strict-auth: 401) is an
// authentication failure, exit 4.
func TestEmulatorProcessRejectsToken(t *testing.T) {
	base := startEmulator(t, "-units", "5", "-strict-auth")
	c := cli{}
	r := c.run(t, "--emulator-url", base, "units", "list")
	require.Equal(t, exitAuth, r.code, r.stderr)
	require.Contains(t, r.stderr, "authentication failed (401)")
	require.Contains(t, r.stderr, "JWT is not well formed")
}

// waitExit waits for cmd, up to d; it kills it after d and fails.
func waitExit(t *testing.T, cmd *exec.Cmd, d time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		require.NoError(t, err)
		return 0
	case <-time.After(d):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("%v did not end within %v", cmd.Args, d)
		return -1
	}
}

// cmd/emulator's default delays and the tool's polling of an emulator
// agree: a demo run (remove, wait for the removal, offboard) against an
// emulator started with no flags ends in seconds, under --quiet too.
func TestDemoRunTakesSeconds(t *testing.T) {
	base := startEmulator(t, "-units", "30")
	var targets []string
	for _, u := range emuUnits(t, base) {
		if len(targets) < 3 && u.Status == "protected" && u.PolicyID != "" && !strings.Contains(u.ProtectionSources, "dynamicRule") {
			targets = append(targets, u.ID)
		}
	}
	require.Len(t, targets, 3)
	c := cli{}
	start := time.Now()
	r := c.run(t, append([]string{"--emulator-url", base, "--quiet", "--yes", "-o", "json", "offboard"}, targets...)...)
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Less(t, time.Since(start), 30*time.Second, "a demo run takes seconds (5 s removals, polled every 1 to 2 s), not minutes")
	for _, x := range decodeResults(t, r.stdout) {
		require.Equal(t, "done", x.Outcome)
	}
}
