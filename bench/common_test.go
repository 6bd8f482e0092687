// Package bench compares backuprestore with the floor (raw net/http +
// encoding/json) against the same loopback servers and payloads
// (benchserver). It is its own module so the root module never depends on
// the benchmarks' dependencies.
//
// The msgraph-sdk-go contender lives in the nested module bench/msgraph,
// with benchmarks of the same names, so that compiling this module (CI's
// `go vet ./...` here) never compiles msgraph-sdk-go; report.sh runs both
// test binaries in the same rounds.
//
// The servers run in a child process (see benchserver.Start), so the B/op,
// allocs/op and profiles of a benchmark are the client's alone, not the
// server's too.
package bench

import (
	"fmt"
	"net/http"
	"os"
	"testing"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/bench/benchserver"
	"github.com/m365kit/backuprestore/bench/emuproc"
	"github.com/m365kit/backuprestore/bench/journalproc"
)

// servers is set by TestMain before any test or benchmark runs.
var servers benchserver.URLs

// TestMain starts the server process (or, in it, serves) and points the
// tests and benchmarks at it. The emulator child processes of emuproc are
// this binary too.
func TestMain(m *testing.M) {
	emuproc.ServeIfChild()   // in an emulator child process, serves and exits
	journalproc.RunIfChild() // in a journal replay's child process, replays and exits
	urls, stop, err := benchserver.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	servers = urls
	code := m.Run()
	stop()
	os.Exit(code)
}

// newSDK returns this SDK's client for base, with its default pipeline
// over the shared loopback transport.
func newSDK(tb testing.TB, base string) *backuprestore.Client {
	tb.Helper()
	c, err := backuprestore.NewClient(benchserver.StaticCred{}, &backuprestore.Options{
		BaseURL:    base,
		HTTPClient: &http.Client{Transport: benchserver.LoopbackTransport()},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// seedUnit is the cancelOffboard page's example 1 response body.
func seedUnit(tb testing.TB) []byte {
	tb.Helper()
	b, err := benchserver.SeedUnit()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
