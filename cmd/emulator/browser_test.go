//go:build unix

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// chromiumEnv names a Chromium binary to use instead of the one on PATH.
const chromiumEnv = "BACKUPRESTORE_CHROMIUM"

// findChromium returns the path of a Chromium (or Chrome) binary, or "".
func findChromium() string {
	if p := os.Getenv(chromiumEnv); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// startEmulatorProcess runs the emulator as its own process (this test
// binary with childEnv set) and returns its base URL; the process is killed
// when the test ends.
func startEmulatorProcess(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], append([]string{"-listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Wait() }) // t.Context() is cancelled first: the process is killed
	sc := bufio.NewScanner(stdout)
	require.True(t, sc.Scan(), "the emulator printed no base URL")
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return sc.Text()
}

// lockedBuffer is a bytes.Buffer safe for a writer goroutine and a reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write implements io.Writer.
func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns what was written.
func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// browser is a headless Chromium driven through the DevTools protocol over
// --remote-debugging-pipe (fd 3: commands in, fd 4: answers and events
// out, each message JSON ended by a NUL byte). Written by hand rather than
// with chromedp: the test needs three commands, and chromedp would add
// cdproto (megabytes of generated code) to the module for them.
type browser struct {
	t      *testing.T
	cmd    *exec.Cmd
	in     *os.File // our end of fd 3
	out    *os.File // our end of fd 4
	rd     *bufio.Reader
	nextID int
	stderr *lockedBuffer
}

// startBrowser launches Chromium; it is closed when the test ends.
func startBrowser(t *testing.T, path string) *browser {
	t.Helper()
	cmdR, cmdW, err := os.Pipe()
	require.NoError(t, err)
	outR, outW, err := os.Pipe()
	require.NoError(t, err)
	b := &browser{t: t, in: cmdW, out: outR, rd: bufio.NewReader(outR), stderr: &lockedBuffer{}}
	b.cmd = exec.Command(path,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--disable-dev-shm-usage", "--user-data-dir="+t.TempDir(),
		"--remote-debugging-pipe", "about:blank")
	b.cmd.ExtraFiles = []*os.File{cmdR, outW} // fd 3 and fd 4 in the child
	b.cmd.Stdout, b.cmd.Stderr = b.stderr, b.stderr
	require.NoError(t, b.cmd.Start())
	_ = cmdR.Close()
	_ = outW.Close()
	t.Cleanup(b.close)
	return b
}

// close asks Chromium to quit, and kills it if it does not.
func (b *browser) close() {
	_ = b.send("", "Browser.close", struct{}{})
	done := make(chan struct{})
	go func() { _ = b.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = b.cmd.Process.Kill()
		<-done
	}
	_ = b.in.Close()
	_ = b.out.Close()
}

// send writes one command and returns its id.
func (b *browser) send(session, method string, params any) error {
	b.nextID++
	msg := map[string]any{"id": b.nextID, "method": method, "params": params}
	if session != "" {
		msg["sessionId"] = session
	}
	data, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	_, err = b.in.Write(append(data, 0))
	return err
}

// call sends a command and decodes its result into result, skipping the
// events that come in between. It fails the test after a deadline.
func (b *browser) call(session, method string, params, result any) {
	b.t.Helper()
	require.NoError(b.t, b.send(session, method, params))
	id := b.nextID
	require.NoError(b.t, b.out.SetReadDeadline(time.Now().Add(10*time.Second)))
	for {
		msg, err := b.rd.ReadBytes(0)
		require.NoError(b.t, err, "reading the answer to %s; Chromium said:\n%s", method, b.stderr)
		var m struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		require.NoError(b.t, json.Unmarshal(msg[:len(msg)-1], &m), "%s", msg)
		if m.ID != id {
			continue // an event, or the answer to an earlier command
		}
		require.Nil(b.t, m.Error, "%s: %+v", method, m.Error)
		if result != nil {
			require.NoError(b.t, json.Unmarshal(m.Result, result), "%s", m.Result)
		}
		return
	}
}

// pageTitle opens url in a new tab and returns its document.title once it
// starts with one of the prefixes, failing the test after a deadline.
func (b *browser) pageTitle(url string, prefixes ...string) string {
	b.t.Helper()
	var target struct {
		TargetID string `json:"targetId"`
	}
	b.call("", "Target.createTarget", map[string]any{"url": url}, &target)
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	b.call("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached)
	deadline := time.Now().Add(10 * time.Second)
	title := ""
	for time.Now().Before(deadline) {
		var ev struct {
			Result struct {
				Value string `json:"value"`
			} `json:"result"`
		}
		b.call(attached.SessionID, "Runtime.evaluate", map[string]any{"expression": "document.title", "returnByValue": true}, &ev)
		title = ev.Result.Value
		for _, p := range prefixes {
			if strings.HasPrefix(title, p) {
				return title
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("the page's title is still %q after 10 s; Chromium said:\n%s", title, b.stderr)
	return ""
}

// controlGet reads a control API endpoint of the emulator at base.
func controlGet(t *testing.T, base, path string, v any) {
	t.Helper()
	resp, b := get(t, strings.TrimSuffix(base, "/v1.0")+path, "")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	require.NoError(t, json.Unmarshal(b, v), "%s", b)
}

// addBrowserUnits gives the emulator at base a unit in offboardRequested
// (the one the page must find and cancel) and a protected one.
// browserUnits are the units the browser tests add: one offboarding, one
// protected.
var browserUnits = []string{
	`{"@odata.type":"#microsoft.graph.mailboxProtectionUnit","id":"browser-unit","status":"offboardRequested","email":"adele@contoso.com"}`,
	`{"@odata.type":"#microsoft.graph.mailboxProtectionUnit","id":"other-unit","status":"protected","policyId":"p1","email":"alex@contoso.com"}`,
}

func addBrowserUnits(t *testing.T, base string) {
	t.Helper()
	for _, u := range browserUnits {
		req, err := http.NewRequestWithContext(t.Context(), "POST", strings.TrimSuffix(base, "/v1.0")+"/_emulator/units", strings.NewReader(u))
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", b)
	}
}

// transition is an entry of GET /_emulator/transitions.
type transition struct {
	UnitID    string `json:"unitId"`
	From      string `json:"from"`
	To        string `json:"to"`
	Cause     string `json:"cause"`
	RequestID string `json:"requestId"`
}

// A page served from another origin calls the standalone emulator from a
// real headless Chromium with fetch, carrying Authorization and Prefer
// (so every call is preflighted): it lists the units, finds the one in
// offboardRequested and cancels its offboarding. With the page's origin
// not allowed (-cors-origins), the browser refuses the calls and nothing
// reaches the API.
func TestBrowserCORS(t *testing.T) {
	path := findChromium()
	if path == "" {
		t.Skip("SKIPPED: NO CHROMIUM FOUND (install the Debian package chromium, or set " + chromiumEnv +
			"); the emulator's CORS support was NOT checked in a real browser")
	}
	page, err := os.ReadFile("testdata/cors_page.html")
	require.NoError(t, err)
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page)
	}))
	t.Cleanup(site.Close)
	b := startBrowser(t, path)

	t.Run("allowed origin", func(t *testing.T) {
		base := startEmulatorProcess(t, "-units", "0", "-frozen-clock", "-cors-origins", site.URL+",http://localhost:3000")
		require.NotEqual(t, site.URL, strings.TrimSuffix(base, "/v1.0"), "another origin")
		addBrowserUnits(t, base)
		title := b.pageTitle(site.URL+"/#"+base, "ok ", "error ")
		f := strings.Fields(title)
		require.Len(t, f, 5, "title %q: request-id and Preference-Applied must be readable by the page (Access-Control-Expose-Headers)", title)
		require.Equal(t, []string{"ok", "browser-unit", "cancelOffboardRequested"}, f[:3], "title %q", title)
		requestID := f[3]
		require.Equal(t, "include-unknown-enum-members", f[4], "Preference-Applied is exposed to the page")

		var trs struct{ Value []transition }
		controlGet(t, base, "/_emulator/transitions", &trs)
		require.Equal(t, []transition{{UnitID: "browser-unit", From: "offboardRequested", To: "cancelOffboardRequested",
			Cause: "cancelOffboard", RequestID: requestID}}, trs.Value)
		var reqs struct {
			Value []struct {
				Method string `json:"method"`
				Route  string `json:"route"`
				Status int    `json:"status"`
			}
		}
		controlGet(t, base, "/_emulator/requests", &reqs)
		got := make([]string, len(reqs.Value))
		for i, r := range reqs.Value {
			got[i] = fmt.Sprintf("%s %s %d", r.Method, r.Route, r.Status)
		}
		require.Equal(t, []string{"GET list 200", "POST cancelOffboard 200"}, got, "preflights are not recorded")
	})

	t.Run("origin not allowed", func(t *testing.T) {
		base := startEmulatorProcess(t, "-units", "0", "-frozen-clock", "-cors-origins", "http://localhost:3000")
		addBrowserUnits(t, base)
		title := b.pageTitle(site.URL+"/#"+base, "ok ", "error ")
		require.True(t, strings.HasPrefix(title, "error TypeError"), "the browser refuses the call: %q", title)
		var trs struct{ Value []transition }
		controlGet(t, base, "/_emulator/transitions", &trs)
		require.Empty(t, trs.Value)
		var reqs struct{ Value []json.RawMessage }
		controlGet(t, base, "/_emulator/requests", &reqs)
		require.Empty(t, reqs.Value, "the refused preflight kept every API call from being sent")
	})
	if t.Failed() {
		t.Log(errors.New("Chromium's output:\n" + b.stderr.String()))
	}
}
