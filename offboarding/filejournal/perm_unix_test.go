//go:build unix

package filejournal_test

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/offboarding/filejournal"
)

// A new journal is private: the file and its lock file 0600, its new
// directories 0700 (less the umask), and no temporary file is left.
//
// Not parallel: reading the umask sets it for a moment, for the process.
func TestCreateModes(t *testing.T) {
	old := syscall.Umask(0)
	syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "a", "b", "journal")
	j, err := filejournal.Open(path, nil)
	require.NoError(t, err)
	require.NoError(t, j.Close())
	for p, mode := range map[string]os.FileMode{path: 0o600, path + ".lock": 0o600, filepath.Dir(path): 0o700, filepath.Dir(filepath.Dir(path)): 0o700} {
		fi, err := os.Stat(p)
		require.NoError(t, err)
		assert.Equal(t, mode&^os.FileMode(old), fi.Mode().Perm(), p)
	}
	ents, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	require.Len(t, ents, 2, "the journal and its lock file, no temporary file left")
}

// permissionChild is the child of TestPermission (run as an unprivileged
// user when the test runs as root, who is refused nothing): each open of
// a journal it may not read or write fails with fs.ErrPermission. It
// prints what went wrong and returns the exit code.
func permissionChild(dir string) int {
	var bad []string
	check := func(what string, err error) {
		if !errors.Is(err, fs.ErrPermission) {
			bad = append(bad, what+": "+errText(err))
		}
	}
	_, err := filejournal.Open(filepath.Join(dir, "open", "unreadable"), nil)
	check("Open of a file mode 0000", err)
	_, err = filejournal.OpenReadOnly(filepath.Join(dir, "open", "unreadable"))
	check("OpenReadOnly of a file mode 0000", err)
	_, err = filejournal.Open(filepath.Join(dir, "closed", "journal"), nil)
	check("Open in a directory mode 0555", err)
	_, err = filejournal.Open(filepath.Join(dir, "closed", "sub", "journal"), nil)
	check("Open under a directory mode 0555", err)
	if len(bad) > 0 {
		os.Stderr.WriteString(strings.Join(bad, "\n") + "\n")
		return 1
	}
	return 0
}

func errText(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}

// An operating system's refusal keeps its cause: errors.Is(err,
// fs.ErrPermission), not "not a journal". The checks run in a child
// process, as the unprivileged user nobody when this test runs as root.
func TestPermission(t *testing.T) {
	t.Parallel()
	dir, err := os.MkdirTemp("", "filejournal-perm-")
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = os.Chmod(filepath.Join(dir, "closed"), 0o755)
		_ = os.RemoveAll(dir)
	})
	bin := filepath.Join(dir, "test.bin")
	self, err := os.ReadFile(os.Args[0])
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(bin, self, 0o755))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "open"), 0o777))
	j, err := filejournal.Open(filepath.Join(dir, "open", "unreadable"), nil)
	require.NoError(t, err)
	require.NoError(t, j.Close())
	require.NoError(t, os.Chmod(filepath.Join(dir, "open", "unreadable"), 0))
	require.NoError(t, os.Chmod(filepath.Join(dir, "open", "unreadable.lock"), 0o666))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "closed"), 0o555))
	for _, p := range []string{dir, filepath.Join(dir, "open")} {
		require.NoError(t, os.Chmod(p, 0o777))
	}

	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=permission", "FILEJOURNAL_TEST_PATH="+dir)
	if os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
}
