//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/rivo/uniseg"
	"github.com/stretchr/testify/require"
)

// screen renders what a terminal shows of output: carriage returns move
// to the start of the line (so a progress bar redrawn in place leaves its
// last state), newlines start the next line, escape sequences are dropped.
func screen(output string) []string {
	var lines []string
	var line []rune
	col := 0
	rs := []rune(output)
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; {
		case r == '\r':
			col = 0
		case r == '\n':
			lines = append(lines, strings.TrimRight(string(line), " "))
			line, col = nil, 0
		case r == '\x1b':
			// CSI: ESC [ params final-byte; other escapes: ESC + one rune.
			if i+1 < len(rs) && rs[i+1] == '[' {
				i += 2
				for i < len(rs) && (rs[i] < 0x40 || rs[i] > 0x7e) {
					i++
				}
			} else {
				i++
			}
		case r == '\b':
			if col > 0 {
				col--
			}
		case r < ' ':
		default:
			for len(line) <= col {
				line = append(line, ' ')
			}
			line[col] = r
			col++
		}
	}
	if len(line) > 0 {
		lines = append(lines, strings.TrimRight(string(line), " "))
	}
	return lines
}

// ptyRun runs the built command line in a pseudo-terminal (stdin, stdout
// and stderr all the terminal) and returns a function that waits until the
// screen matches a pattern, one that types, and one that waits for the
// exit code.
type ptyRun struct {
	t    *testing.T
	cmd  *exec.Cmd
	tty  *os.File
	out  *lockedBuffer
	done chan struct{}
}

// startPTY starts the command line with args in a terminal of 200 columns.
func startPTY(t *testing.T, args ...string) *ptyRun {
	t.Helper()
	return startPTYEnv(t, append(os.Environ(), "XDG_STATE_HOME="+t.TempDir()), args...)
}

// startPTYEnv is startPTY with the environment env.
func startPTYEnv(t *testing.T, env []string, args ...string) *ptyRun {
	t.Helper()
	return startPTYSize(t, env, 200, args...)
}

// startPTYSize is startPTYEnv in a terminal of cols columns.
func startPTYSize(t *testing.T, env []string, cols uint16, args ...string) *ptyRun {
	t.Helper()
	cliBin, _ := binaries(t)
	cmd := exec.Command(cliBin, args...)
	cmd.Env = env
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 60, Cols: cols})
	require.NoError(t, err)
	p := &ptyRun{t: t, cmd: cmd, tty: tty, out: &lockedBuffer{}, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			_, _ = p.out.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = tty.Close()
	})
	return p
}

// waitFor waits until the screen matches re, failing after 30 s.
func (p *ptyRun) waitFor(re string) []string {
	p.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(30 * time.Second)
	for {
		lines := screen(p.out.String())
		if rx.MatchString(strings.Join(lines, "\n")) {
			return lines
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("the screen never matched %q; it shows:\n%s", re, strings.Join(lines, "\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// exit waits for the command line to end and returns its exit code and
// the final screen.
func (p *ptyRun) exit() (int, []string) {
	p.t.Helper()
	code := waitExit(p.t, p.cmd, time.Minute)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
	}
	return code, screen(p.out.String())
}

// The confirmation prompt and the progress bars, in a real terminal: the
// plan is shown with the preview's bar, the prompt waits for an answer,
// "y" runs the offboarding with one bar per stage left on screen, then the
// results and the summary.
func TestTerminalPromptAndProgress(t *testing.T) {
	srv := testEmulator() // the embedded emulator's seed: the same units
	targets := append(pick(srv, 2, removable), pick(srv, 1, removed)...)
	args := []string{"--emulator", "offboard", "--poll-interval", "200ms"}
	for _, u := range targets {
		args = append(args, address(u))
	}
	p := startPTY(t, args...)
	lines := p.waitFor(`Their backups will be deleted after the grace period\.\nProceed with offboarding 3 units\? \[y/N\]\s*$`)
	text := strings.Join(lines, "\n")
	require.Regexp(t, `(?m)^reading units\s+.*\|?\s*100% \|█+\| \(3/3\)|(?m)^reading units.*\(3/3\)`, text, "the preview's progress bar")
	require.Regexp(t, `(?m)^Plan: 3 units: 3 planned\nAgainst the embedded emulator; journal .*$`, text)
	require.Regexp(t, `(?m)^remove\s+planned\s+\S+\s+.*Policy.*\s+1\s+would be removed from its policy, then offboarded$`, text)
	require.NotContains(t, text, "offboarding  ", "nothing runs before the answer")

	_, err := p.tty.Write([]byte("y\r"))
	require.NoError(t, err)
	code, lines := p.exit()
	text = strings.Join(lines, "\n")
	require.Equal(t, exitOK, code, "screen:\n%s", text)
	for _, stage := range []string{"removing from policies", "waiting for removal", "offboarding"} {
		require.Regexp(t, `(?m)^`+stage+`\s+.*\(\d/\d\)`, text, "a bar for %s, left on screen", stage)
	}
	require.Regexp(t, `(?m)^offboarding\s+.*100%.*\(\d/\d\)`, text, "the last bar ends full")
	for _, u := range targets {
		require.Regexp(t, `(?m)^`+u.ID+`\s+\S+\s+.+\s+offboard\s+done\s+offboardRequested\s+-$`, text)
	}
	require.Regexp(t, `(?m)^summary: 3 units: 3 done$`, text)
}

// In a terminal, any answer but y/yes writes nothing; --quiet draws no
// bars.
func TestTerminalDecline(t *testing.T) {
	srv := testEmulator()
	u := pick(srv, 1, removable)[0]
	p := startPTY(t, "--emulator", "--quiet", "offboard", u.ID)
	lines := p.waitFor(`Proceed with offboarding 1 unit\? \[y/N\]\s*$`)
	require.NotContains(t, strings.Join(lines, "\n"), "reading units", "--quiet: no bar")
	_, err := p.tty.Write([]byte("n\r"))
	require.NoError(t, err)
	code, lines := p.exit()
	require.Equal(t, exitDeclined, code)
	require.Contains(t, strings.Join(lines, "\n"), "Not confirmed: nothing was written.")
}

// Ctrl-C at the confirmation prompt ends the command at once (no Enter
// needed), exit 130, with nothing written: the journal was never made.
func TestTerminalCtrlCAtPrompt(t *testing.T) {
	srv := testEmulator()
	u := pick(srv, 1, removable)[0]
	state := t.TempDir()
	p := startPTYEnv(t, append(os.Environ(), "XDG_STATE_HOME="+state), "--emulator", "offboard", u.ID)
	lines := p.waitFor(`Proceed with offboarding 1 unit\? \[y/N\]\s*$`)
	require.Regexp(t, `(?m)^reading units\s+100% .*\(1/1\)`, strings.Join(lines, "\n"), "the preview's bar ends full")
	require.NotContains(t, strings.Join(lines, "\n"), "(0/1)", "no bar is left at 0/1")
	start := time.Now()
	_, err := p.tty.Write([]byte{0x03}) // Ctrl-C: the terminal sends SIGINT
	require.NoError(t, err)
	code, lines := p.exit()
	require.Less(t, time.Since(start), 5*time.Second, "at once")
	require.Equal(t, exitInterrupted, code, "screen:\n%s", strings.Join(lines, "\n"))
	require.Contains(t, strings.Join(lines, "\n"), "backuprestore: interrupted (Ctrl-C) at the prompt: nothing was written")
	_, err = os.Stat(filepath.Join(state, "backuprestore"))
	require.True(t, os.IsNotExist(err), "no journal: %v", err)
}

// In a terminal of 80 columns, the plan, the results and units list fit
// it (the tool reads the terminal's width), and outcomes are coloured;
// with NO_COLOR they are not.
func TestTerminalEightyColumns(t *testing.T) {
	srv := testEmulator()
	args := []string{"--emulator", "offboard", "--poll-interval", "200ms", "--user", embeddedPeople[0].email,
		address(pick(srv, 1, removable)[0]), address(pick(srv, 1, dynamicRule)[0])}
	env := append(os.Environ(), "XDG_STATE_HOME="+t.TempDir(), "NO_COLOR=", "TERM=xterm")
	p := startPTYSize(t, env, 80, args...)
	p.waitFor(`Proceed with offboarding 3 units\? \[y/N\]\s*$`)
	_, err := p.tty.Write([]byte("y\r"))
	require.NoError(t, err)
	code, lines := p.exit()
	text := strings.Join(lines, "\n")
	require.Equal(t, exitFailed, code, "the dynamic-rule unit is skipped:\n%s", text)
	for _, l := range lines {
		if !strings.HasPrefix(l, "Against the embedded emulator; journal ") { // a path is as long as it is
			require.LessOrEqual(t, uniseg.StringWidth(l), 80, "%q", l)
		}
	}
	require.Regexp(t, `(?m)^STAGE\s+OUTCOME\s+KIND\s+POLICY\s+UNITS\s+REASON$`, text, "the plan")
	require.Regexp(t, `(?m)^a1d3c5e7-0f2b-4d6e-8a9c-1b3d5f7a9c01\s+Adele Vance\s+done\s+-$`, text, "the results")
	require.Contains(t, p.out.String(), "\x1b[32mdone\x1b[0m", "outcomes in colour")
	require.Contains(t, p.out.String(), "\x1b[33mskipped\x1b[0m")

	p = startPTYSize(t, append(env, "NO_COLOR=1"), 80, "--emulator", "units", "list", "--limit", "20")
	code, lines = p.exit()
	require.Equal(t, exitOK, code)
	for _, l := range lines {
		require.LessOrEqual(t, uniseg.StringWidth(l), 80, "%q", l)
	}
	require.Regexp(t, `(?m)^ID\s+KIND\s+STATUS\s+NAME$`, strings.Join(lines, "\n"))
	require.NotContains(t, p.out.String(), "\x1b[3", "NO_COLOR: no colour")
}

// onboard in a terminal: the plan, the question, a progress bar of the
// lines settled, then a result per line.
func TestTerminalOnboard(t *testing.T) {
	p := startPTY(t, "--emulator", "onboard", "OneDrive Policy - All users", "--poll-interval", "200ms",
		"person1@contoso.onmicrosoft.com", "person2@contoso.onmicrosoft.com")
	lines := p.waitFor(`Proceed with adding 2 targets to the policy "OneDrive Policy - All users"\? \[y/N\]\s*$`)
	require.Contains(t, strings.Join(lines, "\n"), "  2 e-mail addresses")
	_, err := p.tty.Write([]byte("y\r"))
	require.NoError(t, err)
	code, lines := p.exit()
	text := strings.Join(lines, "\n")
	require.Equal(t, exitOK, code, "screen:\n%s", text)
	require.Regexp(t, `(?m)^adding \(bulk jobs\)\s+100% .*\(2/2\)`, text, "the bar, left full")
	require.Regexp(t, `(?m)^argument 2\s+person1@contoso\.onmicrosoft\.com\s+done\s+protected by this run`, text)
	require.Regexp(t, `(?m)^summary: 2 targets: 2 done; 1 job$`, text)
}
