// Package benchserver is the loopback Graph server that every contender of
// the benchmarks talks to, shared by the two modules that hold them: bench
// (this SDK and the raw net/http + encoding/json floor) and bench/msgraph
// (msgraph-sdk-go, in its own module so that compiling bench never compiles
// msgraph-sdk-go). It also holds what every contender shares: the
// credential, the transport, the seed payloads and the expected listing.
//
// The servers run in a child process (the test binary re-executed, see
// Start), so the B/op, allocs/op and profiles of a benchmark are the
// client's alone, not the server's too.
package benchserver

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
)

// childEnv, when set to "1", makes Start serve instead of returning.
const childEnv = "BACKUPRESTORE_BENCH_SERVER"

// URLs are the origins (scheme://host:port, no path) of the child
// process's servers.
type URLs struct {
	OK        string // cancelOffboard → 200 with the seed unit
	Forbidden string // cancelOffboard → 403 OperationNotAllowed
	List      string // the ListUnits-unit listing
}

// Start is for TestMain, before m.Run. In the parent (the test binary as
// go test or report.sh runs it) it re-executes the binary as the server
// process and returns the servers' origins and a stop function, which ends
// the child and waits for it; the child also ends when the parent exits,
// however it exits, because its stdin closes. In the child (childEnv=1) it
// serves until stdin closes and then exits the process, status 0, or 2
// with the reason on stderr if a server cannot start.
//
// Start fails, with the child killed, if the child cannot be started or
// does not print its origins.
func Start() (URLs, func(), error) {
	if os.Getenv(childEnv) == "1" {
		if err := serve(); err != nil {
			fmt.Fprintln(os.Stderr, "benchserver:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return URLs{}, nil, fmt.Errorf("benchserver: server stdin: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return URLs{}, nil, fmt.Errorf("benchserver: server stdout: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return URLs{}, nil, fmt.Errorf("benchserver: starting the server process: %w", err)
	}
	var urls URLs
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	if err == nil {
		err = json.Unmarshal(line, &urls)
	}
	if err == nil && (urls.OK == "" || urls.Forbidden == "" || urls.List == "") {
		err = errors.New("an origin is missing")
	}
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return URLs{}, nil, fmt.Errorf("benchserver: reading the server process's origins %q: %w", line, err)
	}
	stop := func() {
		_ = stdin.Close()
		_ = cmd.Wait()
	}
	return urls, stop, nil
}

// serve runs the three servers on loopback, prints their origins as one
// JSON line and serves until stdin reaches EOF.
func serve() error {
	seed200, err := SeedUnit()
	if err != nil {
		return err
	}
	seed403, err := Seed403()
	if err != nil {
		return err
	}
	var urls URLs
	for _, s := range []struct {
		url *string
		h   func(origin string) http.Handler
	}{
		{&urls.OK, func(string) http.Handler { return staticHandler(http.StatusOK, seed200) }},
		{&urls.Forbidden, func(string) http.Handler { return staticHandler(http.StatusForbidden, seed403) }},
		{&urls.List, listHandler},
	} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		*s.url = "http://" + ln.Addr().String()
		srv := &http.Server{Handler: s.h(*s.url)}
		go func() { _ = srv.Serve(ln) }()
	}
	line, err := json.Marshal(urls)
	if err != nil {
		return err
	}
	if _, err := fmt.Printf("%s\n", line); err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
	return nil
}
