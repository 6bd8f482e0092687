package filejournal_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/offboarding"
	"github.com/m365kit/backuprestore/offboarding/filejournal"
	"github.com/m365kit/backuprestore/offboarding/journaltest"
)

// crashBatch is the number of entries of each of the child's $batch-like
// Record calls.
const crashBatch = 20

// recordUntilKilled is the child of TestCrash: it opens the journal at
// path (starting a run unless it holds one), then records from 16
// goroutines, each a call of crashBatch entries at a time, and a 17th one
// entry at a time, as a run does; after each Record returns it prints
// "ack KEY N" (N entries with unit IDs KEY-0 … KEY-(N-1)). It never
// returns: the test kills it.
func recordUntilKilled(path string) {
	ctx := context.Background()
	j, err := filejournal.Open(path, &filejournal.Options{Command: "crash child"})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	if _, _, err := j.Load(ctx); errors.Is(err, offboarding.ErrNoRun) {
		err = j.Start(ctx, journaltest.Info("crash"))
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
	}
	var out sync.Mutex
	ack := func(key string, n int) {
		out.Lock()
		defer out.Unlock()
		fmt.Fprintf(os.Stdout, "ack %s %d\n", key, n) // unbuffered: one write per line
	}
	fmt.Println("ready")
	pid := os.Getpid()
	for g := range 17 {
		go func() {
			for n := 0; ; n++ {
				key := fmt.Sprintf("p%d-g%d-c%d", pid, g, n)
				size := crashBatch
				if g == 16 {
					size = 1
				}
				batch := make([]offboarding.Entry, size)
				for k := range batch {
					batch[k] = journaltest.FullEntry(fmt.Sprintf("%s-%d", key, k), offboarding.StageOffboard, k%2 == 0)
				}
				if err := j.Record(ctx, batch...); err != nil {
					fmt.Println("error", err)
					os.Exit(1)
				}
				ack(key, size)
			}
		}()
	}
	select {}
}

// child is a recording child process and the acknowledgements it printed.
type child struct {
	cmd  *exec.Cmd
	acks chan [2]string
	done chan error
}

func startChild(t *testing.T, path string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=record", "FILEJOURNAL_TEST_PATH="+path)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	c := &child{cmd: cmd, acks: make(chan [2]string, 1024), done: make(chan error, 1)}
	sc := bufio.NewScanner(stdout)
	require.True(t, sc.Scan(), "the child says it is ready")
	require.Equal(t, "ready", sc.Text(), "the child's first line")
	go func() {
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) == 3 && f[0] == "ack" {
				c.acks <- [2]string{f[1], f[2]}
			} else {
				t.Errorf("child: %s", sc.Text())
			}
		}
		close(c.acks)
		c.done <- cmd.Wait()
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return c
}

// A child process recording from 17 goroutines is killed (SIGKILL) three
// times over, each time after a number of acknowledged calls; every call
// that returned is in the journal afterwards, whole and in order, and the
// journal opens for writing again. While the child runs, another writer
// is refused with the child named, and a read-only journal sees every call
// acknowledged before it loaded.
func TestCrash(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "journal")
	acked := map[string]int{}
	for round, killAfter := range []int{1, 40, 400} {
		c := startChild(t, path)
		n := 0
		for ack := range c.acks {
			var size int
			_, err := fmt.Sscan(ack[1], &size)
			require.NoError(t, err)
			acked[ack[0]] = size
			n++
			if n == killAfter/2 || n == 1 {
				// Beside the running writer: refused to write, free to read.
				_, err := filejournal.Open(path, nil)
				var le *filejournal.LockedError
				require.True(t, errors.As(err, &le), "round %d: a second writer is refused: %v", round, err)
				assert.Equal(t, c.cmd.Process.Pid, le.Owner.PID)
				assert.Equal(t, "crash child", le.Owner.Command)
				assert.Contains(t, err.Error(), fmt.Sprintf("process %d", c.cmd.Process.Pid))
				ro, err := filejournal.OpenReadOnly(path)
				require.NoError(t, err)
				_, entries, err := ro.Load(t.Context())
				require.NoError(t, err)
				checkAcked(t, acked, entries)
			}
			if n == killAfter {
				require.NoError(t, c.cmd.Process.Signal(syscall.SIGKILL))
			}
		}
		err := <-c.done
		var ee *exec.ExitError
		require.True(t, errors.As(err, &ee), "round %d: the child was killed: %v", round, err)
		require.Equal(t, syscall.SIGKILL, ee.Sys().(syscall.WaitStatus).Signal())

		j, err := filejournal.Open(path, nil)
		require.NoError(t, err, "round %d: the journal opens after the kill", round)
		_, entries, err := j.Load(t.Context())
		require.NoError(t, err)
		require.NoError(t, j.Close())
		checkAcked(t, acked, entries)
	}
}

// checkAcked checks that every acknowledged call's entries are in entries,
// contiguous and in order, and that no entry is misread (every call that
// is there, acknowledged or not, is whole).
func checkAcked(t *testing.T, acked map[string]int, entries []offboarding.Entry) {
	t.Helper()
	seen := map[string]bool{}
	for i := 0; i < len(entries); {
		id := entries[i].UnitID
		key := id[:strings.LastIndexByte(id, '-')]
		require.Equal(t, key+"-0", id, "entry %d starts a call", i)
		size := crashBatch
		if strings.Contains(key, "-g16-") {
			size = 1
		}
		require.LessOrEqual(t, i+size, len(entries), "call %s is whole", key)
		for k := range size {
			require.Equal(t, fmt.Sprintf("%s-%d", key, k), entries[i+k].UnitID)
			require.Equal(t, k%2 == 0, entries[i+k].Intent)
		}
		seen[key] = true
		i += size
	}
	for key := range acked {
		require.True(t, seen[key], "acknowledged call %s is in the journal", key)
	}
}

var _ = time.Now
