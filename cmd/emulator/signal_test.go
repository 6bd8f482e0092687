//go:build unix

package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The emulator, run as its own process, prints its base URL first, serves
// on it, and exits 0 with its listener closed on SIGINT and on SIGTERM.
func TestStopsCleanlyOnSignal(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-listen", "127.0.0.1:0", "-units", "5")
			cmd.Env = append(os.Environ(), childEnv+"=1")
			stdout, err := cmd.StdoutPipe()
			require.NoError(t, err)
			require.NoError(t, cmd.Start())
			sc := bufio.NewScanner(stdout)
			require.True(t, sc.Scan(), "no first line")
			base := sc.Text()
			require.Regexp(t, `^http://127\.0\.0\.1:\d+/v1\.0$`, base)
			go func() { _, _ = io.Copy(io.Discard, stdout) }()

			resp, body := get(t, base+"/solutions/backupRestore/protectionUnits", "Bearer opaque-token")
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)

			require.NoError(t, cmd.Process.Signal(sig))
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				require.NoError(t, err, "exit status after %v", sig)
			case <-time.After(20 * time.Second):
				t.Fatalf("the emulator did not stop on %v", sig)
			}
			_, err = http.Get(base + "/solutions/backupRestore/protectionUnits")
			require.Error(t, err, "the listener is closed")
		})
	}
}

// -h lists every flag, the lifecycle ones included, and exits 0.
func TestHelpListsFlags(t *testing.T) {
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-h")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, f := range []string{"-removal-delay", "-protect-delay", "-delta-error-shape", "-max-delta-items", "-service-status", "-grace", "-units"} {
		require.Contains(t, string(out), f)
	}
}
