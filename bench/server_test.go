package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"testing"
)

// serverEnv, when set to "1", makes the test binary serve instead of
// testing (see TestMain).
const serverEnv = "BACKUPRESTORE_BENCH_SERVER"

// serverURLs are the origins of the child process's servers.
type serverURLs struct {
	OK        string // cancelOffboard → 200 with the seed unit
	Forbidden string // cancelOffboard → 403 OperationNotAllowed
	List      string // the 10,000-unit listing
}

// servers is set by TestMain before any test or benchmark runs.
var servers serverURLs

// TestMain re-executes the test binary as the server process and points
// the tests and benchmarks at it. In the child (serverEnv=1) it serves until
// its stdin closes, which happens when the parent exits, however it exits.
func TestMain(m *testing.M) {
	if os.Getenv(serverEnv) == "1" {
		serve()
		return
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), serverEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		fatalf("bench: server stdin: %v", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		fatalf("bench: server stdout: %v", err)
	}
	if err := cmd.Start(); err != nil {
		fatalf("bench: starting the server process: %v", err)
	}
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	if err == nil {
		err = json.Unmarshal(line, &servers)
	}
	if err != nil || servers.OK == "" || servers.Forbidden == "" || servers.List == "" {
		_ = cmd.Process.Kill()
		fatalf("bench: reading the server process's addresses %q: %v", line, err)
	}
	code := m.Run()
	_ = stdin.Close()
	_ = cmd.Wait()
	os.Exit(code)
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(2)
}

// serve runs the three servers on loopback, prints their origins as one
// JSON line and serves until stdin reaches EOF.
func serve() {
	seed200, err := os.ReadFile(seedUnitPath)
	if err != nil {
		fatalf("bench server: %v", err)
	}
	seed403b, err := os.ReadFile(seed403Path)
	if err != nil {
		fatalf("bench server: %v", err)
	}
	var urls serverURLs
	for _, s := range []struct {
		url *string
		h   func(origin string) http.Handler
	}{
		{&urls.OK, func(string) http.Handler { return staticHandler(http.StatusOK, seed200) }},
		{&urls.Forbidden, func(string) http.Handler { return staticHandler(http.StatusForbidden, seed403b) }},
		{&urls.List, listHandler},
	} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fatalf("bench server: %v", err)
		}
		*s.url = "http://" + ln.Addr().String()
		srv := &http.Server{Handler: s.h(*s.url)}
		go func() { _ = srv.Serve(ln) }()
	}
	line, _ := json.Marshal(urls)
	fmt.Printf("%s\n", line)
	_, _ = io.Copy(io.Discard, os.Stdin)
}
