//go:build unix

package main

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Ctrl-C (SIGINT) mid-run stops the tool with exit 130, its results so
// far shown and the exact command that continues the run; that command,
// run verbatim by a shell, finishes the run (against the standalone
// emulator, with a --journal whose path has a space), sending nothing
// twice.
func TestPrintedResumeCommandRunsVerbatim(t *testing.T) {
	cliBin, _ := binaries(t)
	base := startEmulator(t, "-units", "40", "-removal-delay", "1h")
	var targets []string
	for _, u := range emuUnits(t, base) {
		if len(targets) < 3 && u.Status == "protected" && u.PolicyID != "" && !strings.Contains(u.ProtectionSources, "dynamicRule") {
			targets = append(targets, u.ID)
		}
	}
	require.Len(t, targets, 3)
	journal := filepath.Join(t.TempDir(), "my journal", "run 1.db")
	cmd := exec.Command(cliBin, append([]string{"--emulator-url", base, "--journal", journal, "--yes", "offboard", "--poll-interval", "50ms"}, targets...)...)
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+t.TempDir())
	var stdout, stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())
	// Once the removals are requested (the run is in its journal), Ctrl-C.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if n := len(emuTransitions(t, base)); n >= len(targets) {
			break
		}
		require.True(t, time.Now().Before(deadline), "the run never removed its units; stderr:\n%s", stderr.String())
		time.Sleep(20 * time.Millisecond)
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	code := waitExit(t, cmd, 30*time.Second)
	require.Equal(t, exitInterrupted, code, "stderr:\n%s", stderr.String())
	require.Contains(t, stdout.String(), "pending", "the results so far")
	m := regexp.MustCompile(`interrupted \(Ctrl-C\): 3 units not finished\. Continue with:\n  (.+)\n`).FindStringSubmatch(stderr.String())
	require.NotNil(t, m, "stderr:\n%s", stderr.String())
	hint := m[1]
	require.Contains(t, hint, "--emulator-url "+base)
	require.Contains(t, hint, "--journal '"+journal+"'")
	require.True(t, strings.HasPrefix(hint, "backuprestore ") && strings.HasSuffix(hint, " resume"), hint)

	// The removals complete; the printed command, as printed.
	resp, err := http.Post(strings.TrimSuffix(base, "/v1.0")+"/_emulator/clock?advance=2h", "", nil)
	require.NoError(t, err)
	resp.Body.Close()
	sh := exec.Command("sh", "-c", hint)
	sh.Env = append(os.Environ(), "PATH="+filepath.Dir(cliBin)+":"+os.Getenv("PATH"), "XDG_STATE_HOME="+t.TempDir())
	var out, errb bytes.Buffer
	sh.Stdout, sh.Stderr = &out, &errb
	require.NoError(t, sh.Run(), "%s\nstderr:\n%s", hint, errb.String())
	require.Contains(t, out.String(), "summary: 3 units: 3 done", "stderr:\n%s", errb.String())
	count := map[string]map[string]int{}
	for _, tr := range emuTransitions(t, base) {
		if count[tr.UnitID] == nil {
			count[tr.UnitID] = map[string]int{}
		}
		count[tr.UnitID][tr.Cause]++
	}
	for _, id := range targets {
		require.Equal(t, 1, count[id]["remove"], id)
		require.Equal(t, 1, count[id]["offboard"], id)
	}
}
