package main

import (
	"bytes"
	"context"
	"flag"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/fake"
)

// update rewrites the golden files: go test ./cmd/backuprestore -run Golden -update
var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// cli is how a test runs the command line in-process.
type cli struct {
	// srv is the emulator --emulator runs against (shared by every
	// invocation of the test); nil: a fresh testEmulator per invocation.
	srv *fake.Server
	// cred is the credential for --emulator; nil: full permissions.
	cred azcore.TokenCredential
	// stdin is the standard input.
	stdin string
	// inTTY, outTTY, errTTY pretend stdin/stdout/stderr are terminals;
	// width is the width tables fit (a terminal's; 0: no limit).
	inTTY, outTTY, errTTY bool
	width                 int
	// env are the environment variables the invocation sees.
	env map[string]string
	// stateDir is $XDG_STATE_HOME (a temporary directory by default).
	stateDir string
	// ctx is the invocation's context; nil: the test's.
	ctx context.Context
	// wrap wraps the embedded emulator's transport.
	wrap func(http.RoundTripper) http.RoundTripper
}

// result is what an invocation did.
type result struct {
	code   int
	stdout string
	stderr string
}

// testEmulator is the deterministic emulator of the golden tests: the
// embedded emulator's units (the default seed, the people), the clock
// frozen at fake.DefaultStart.
func testEmulator() *fake.Server {
	srv := fake.NewServer(nil)
	seedEmbedded(srv)
	return srv
}

// run runs the command line with args and returns what it did.
func (c *cli) run(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	env := map[string]string{}
	for k, v := range c.env {
		env[k] = v
	}
	if _, ok := env["XDG_STATE_HOME"]; !ok {
		if c.stateDir == "" {
			c.stateDir = t.TempDir()
		}
		env["XDG_STATE_HOME"] = c.stateDir
	}
	a := &app{streams: streams{
		in: strings.NewReader(c.stdin), out: &out, err: &errb,
		inTTY: c.inTTY, outTTY: c.outTTY, errTTY: c.errTTY,
		getenv: func(k string) string { return env[k] },
	}, embeddedCred: c.cred, wrapTransport: c.wrap}
	a.outWidth, a.errWidth = c.width, c.width
	if c.srv != nil {
		a.embedded = func() *fake.Server { return c.srv }
	} else {
		a.embedded = testEmulator
	}
	ctx := c.ctx
	if ctx == nil {
		ctx = t.Context()
	}
	code := a.execute(ctx, args)
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "no golden file: run go test -run %s -update", t.Name())
	require.Equal(t, string(want), got, "output differs from %s (go test -update rewrites it)", path)
}

// writeFile writes a file in a temporary directory and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
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

// serveEmulator serves srv over HTTP on a loopback port for the test and
// returns its base URL (for --emulator-url).
func serveEmulator(t *testing.T, srv *fake.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	hs := &http.Server{Handler: srv}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })
	return "http://" + ln.Addr().String() + "/v1.0"
}

// listOutputs are the formats every listing writes (html is status's
// report alone).
var listOutputs = []string{"table", "json", "jsonl", "csv"}
