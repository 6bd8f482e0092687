package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// examples returns the command lines of text that run against the
// embedded emulator: lines (joined across trailing backslashes) that start
// with prefix, without their comments and prefix.
func examples(text, prefix string) [][]string {
	text = strings.ReplaceAll(text, "\\\n", " ")
	var out [][]string
	for l := range strings.SplitSeq(text, "\n") {
		l = strings.TrimSpace(l)
		if !strings.HasPrefix(l, prefix+" --emulator ") {
			continue
		}
		if i := strings.Index(l, " #"); i >= 0 {
			l = l[:i]
		}
		out = append(out, strings.Fields(strings.TrimPrefix(l, prefix)))
	}
	return out
}

// The first examples of the help and of the README plan real work on the
// embedded emulator and succeed: nothing skipped, exit 0; a run is done
// in seconds. The help says the embedded emulator starts afresh in every
// process and points to cmd/emulator for state that lasts.
func TestFirstSteps(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	for name, cmds := range map[string][][]string{
		"help":   examples(rootHelp, "backuprestore"),
		"README": examples(string(readme), "go run ./cmd/backuprestore"),
	} {
		require.GreaterOrEqual(t, len(cmds), 3, "%s: the first steps", name)
		for _, args := range cmds {
			c := cli{srv: newEmbeddedEmulator()} // as the tool runs them: a fresh one each, its clock running
			start := time.Now()
			r := c.run(t, args...)
			require.Less(t, time.Since(start), 15*time.Second, "%s: %v: seconds", name, args)
			require.Equal(t, exitOK, r.code, "%s: %v: %s", name, args, r.stderr)
			require.NotContains(t, r.stdout+r.stderr, "skipped", "%s: %v", name, args)
			if strings.Contains(strings.Join(args, " "), "--dry-run") {
				require.Regexp(t, `(?m)^plan \(dry run: nothing was written\): 3 units: 3 planned$`, r.stdout, "%s: %v", name, args)
			}
			if strings.Contains(strings.Join(args, " "), "--yes") {
				require.Regexp(t, `(?m)^summary: 2 units: 2 done$`, r.stdout, "%s: %v", name, args)
			}
		}
	}
	var c cli
	r := c.run(t, "--help")
	require.Regexp(t, `starts afresh in every\s+process`, r.stdout)
	require.Contains(t, r.stdout, "go run ./cmd/emulator")
	require.Contains(t, r.stdout, "--emulator-url http://127.0.0.1:8080/v1.0")
	require.Regexp(t, regexp.MustCompile(`starts afresh in every process`), strings.Join(strings.Fields(string(readme)), " "))
}
