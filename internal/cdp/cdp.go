// Package cdp is a minimal client of the Chrome DevTools Protocol over
// --remote-debugging-pipe, for tests that need a real browser: start a
// headless Chromium, open a page, evaluate an expression in it, take a
// screenshot. Written by hand rather than with chromedp: the tests need a
// handful of commands, and chromedp would add cdproto (megabytes of
// generated code) to the module for them. It is not part of the SDK.
package cdp

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"time"
)

// EnvChromium names a Chromium binary to use instead of the one on PATH.
const EnvChromium = "BACKUPRESTORE_CHROMIUM"

// FindChromium returns the path of a Chromium (or Chrome) binary: the one
// $BACKUPRESTORE_CHROMIUM names, else the first on PATH; "" when there is
// none.
func FindChromium() string {
	if p := os.Getenv(EnvChromium); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Browser is a headless Chromium driven through the DevTools protocol: fd
// 3 carries commands in, fd 4 answers and events out, each message JSON
// ended by a NUL byte.
type Browser struct {
	cmd    *exec.Cmd
	in     *os.File // our end of fd 3
	out    *os.File // our end of fd 4
	rd     *bufio.Reader
	nextID int
	// Output is what Chromium wrote on stdout and stderr, for failures.
	Output *LockedBuffer
}

// LockedBuffer is a bytes.Buffer safe for a writer goroutine and a reader.
type LockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write implements io.Writer.
func (l *LockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns what was written.
func (l *LockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Start launches a headless Chromium at path with a fresh profile in
// userDataDir, and no network of its own (no background, component or
// sync traffic, no QUIC).
func Start(path, userDataDir string) (*Browser, error) {
	cmdR, cmdW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	b := &Browser{in: cmdW, out: outR, rd: bufio.NewReader(outR), Output: &LockedBuffer{}}
	b.cmd = exec.Command(path,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars", "--force-device-scale-factor=1",
		"--user-data-dir="+userDataDir, "--remote-debugging-pipe", "about:blank")
	b.cmd.ExtraFiles = []*os.File{cmdR, outW} // fd 3 and fd 4 in the child
	b.cmd.Stdout, b.cmd.Stderr = b.Output, b.Output
	if err := b.cmd.Start(); err != nil {
		return nil, err
	}
	_ = cmdR.Close()
	_ = outW.Close()
	return b, nil
}

// Close asks Chromium to quit, and kills it if it does not.
func (b *Browser) Close() {
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

// send writes one command.
func (b *Browser) send(session, method string, params any) error {
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

// Call sends a command (to a page's session, or to the browser with "")
// and decodes its result into result, skipping the events that come in
// between; it gives up after 20 s.
func (b *Browser) Call(session, method string, params, result any) error {
	if err := b.send(session, method, params); err != nil {
		return err
	}
	id := b.nextID
	if err := b.out.SetReadDeadline(time.Now().Add(20 * time.Second)); err != nil {
		return err
	}
	for {
		msg, err := b.rd.ReadBytes(0)
		if err != nil {
			return fmt.Errorf("cdp: reading the answer to %s: %w", method, err)
		}
		var m struct {
			ID     int             `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(msg[:len(msg)-1], &m); err != nil {
			return fmt.Errorf("cdp: %w: %s", err, msg)
		}
		if m.ID != id {
			continue // an event, or the answer to an earlier command
		}
		if m.Error != nil {
			return fmt.Errorf("cdp: %s: %d %s", method, m.Error.Code, m.Error.Message)
		}
		if result != nil {
			return json.Unmarshal(m.Result, result)
		}
		return nil
	}
}

// Page is a tab attached to the browser.
type Page struct {
	b       *Browser
	session string
}

// Open opens url in a new tab of width × height CSS pixels (device scale
// factor 1) and waits until its document has loaded.
func (b *Browser) Open(url string, width, height int) (*Page, error) {
	var target struct {
		TargetID string `json:"targetId"`
	}
	if err := b.Call("", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		return nil, err
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	if err := b.Call("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached); err != nil {
		return nil, err
	}
	p := &Page{b: b, session: attached.SessionID}
	if err := b.Call(p.session, "Emulation.setDeviceMetricsOverride",
		map[string]any{"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}, nil); err != nil {
		return nil, err
	}
	if err := b.Call(p.session, "Page.navigate", map[string]any{"url": url}, nil); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		var state string
		if err := p.Eval("document.readyState", &state); err == nil && state == "complete" {
			return p, nil
		}
		if time.Now().After(deadline) {
			return nil, errors.New("cdp: the page did not load within 15 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Eval evaluates a JavaScript expression in the page and decodes its value
// (returned by value: JSON-serialisable) into v.
func (p *Page) Eval(expr string, v any) error {
	var ev struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	if err := p.b.Call(p.session, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &ev); err != nil {
		return err
	}
	if ev.ExceptionDetails != nil {
		return fmt.Errorf("cdp: %s: %s", expr, ev.ExceptionDetails.Text)
	}
	if v == nil || len(ev.Result.Value) == 0 {
		return nil
	}
	return json.Unmarshal(ev.Result.Value, v)
}

// Screenshot returns a PNG of the whole page (beyond the viewport).
func (p *Page) Screenshot() ([]byte, error) {
	var shot struct {
		Data string `json:"data"`
	}
	if err := p.b.Call(p.session, "Page.captureScreenshot",
		map[string]any{"format": "png", "captureBeyondViewport": true, "fromSurface": true}, &shot); err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(shot.Data)
}
