// Package emuproc runs the SDK's emulator (package fake) in a child
// process, served over loopback HTTP, for the benchmarks and measurements
// that need an emulator apart from the client: the throttled bulk
// benchmarks (the client's scheduler, connection pool and decoding run on
// their own heap and goroutines, and the emulator's per-item work, its
// throttling lock and its request handling do not show up in the client's
// GC or profile) and the heap measurements of listing and bulk at scale
// (the emulator's 100,000 units and the pages it encodes must not count as
// the client's heap).
//
// The child is the test binary re-executed, as for benchserver: TestMain
// calls ServeIfChild first. Each Start makes a new process, so every
// measurement starts from a fresh emulator: fresh units, full token
// buckets, no recorded state.
package emuproc

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/m365kit/backuprestore/fake"
	fakecontrol "github.com/m365kit/backuprestore/fake/control"
	"github.com/m365kit/backuprestore/models"
)

// childEnv holds the child's Config as JSON; set, it makes ServeIfChild
// serve instead of returning.
const childEnv = "BACKUPRESTORE_BENCH_EMULATOR"

// Config is what the child's emulator holds and how it behaves.
type Config struct {
	// OffboardRequested is the number of SharePoint site units added in
	// offboardRequested, with the IDs UnitID(0) … UnitID(n-1).
	OffboardRequested int
	// Seed is the number of realistic units fake.Server.Seed adds (a mix
	// of kinds and states; Options.Seed 1).
	Seed int
	// PageSize is the emulator's page size (fake.Options.PageSize; 0: its
	// default, 100).
	PageSize int
	// Throttle is the throttling model (fake.Options.Throttle); nil: off.
	Throttle *fake.ThrottleOptions
	// Latency, when positive, delays every HTTP request by this much (a
	// fake.FaultLatency on every route; a $batch is one request, its items
	// are not delayed one by one).
	Latency time.Duration
	// RecordRequests keeps the emulator's request log (with its default
	// bound); otherwise nothing is recorded, so a long run does not grow
	// the child's memory.
	RecordRequests bool
	// PolicyUnits is the number of units added protected (manually) to
	// Seed's six policies (fake.Server.SeedPolicies: two per workload),
	// with the IDs PolicyUnitID(0) … PolicyUnitID(n-1): unit i is a site,
	// a drive or a mailbox as i%3 is 0, 1 or 2, in its workload's first or
	// second policy (by ID) as i/3 is even or odd.
	PolicyUnits int
	// RemovalDelay is fake.Options.RemovalDelay (0: its default).
	RemovalDelay time.Duration
	// RealTimeClock is fake.Options.RealTimeClock: the emulator's clock
	// runs with the wall clock, so removals complete on their own.
	RealTimeClock bool
	// Directory is the number of sites and of people fake.Server.SeedDirectory
	// adds (project-site-1 …, person1@… ): targets for onboarding.
	Directory int
	// JobDelay and RuleDelay are fake.Options' (0: their defaults).
	JobDelay, RuleDelay time.Duration
}

// PolicyUnitID is the ID of the i-th unit of Config.PolicyUnits.
func PolicyUnitID(i int) string { return fmt.Sprintf("punit-%06d", i) }

// UnitID is the ID of the i-th unit of Config.OffboardRequested.
func UnitID(i int) string { return fmt.Sprintf("unit-%06d", i) }

// Emulator is a running child process.
type Emulator struct {
	// Origin is http://127.0.0.1:port, the control API's root.
	Origin string
	// BaseURL is Origin + "/v1.0", the client's base URL.
	BaseURL string

	cmd   *exec.Cmd
	stdin io.Closer
	hc    *http.Client
}

// ServeIfChild is for TestMain, before anything else: in the child process
// (childEnv set) it builds the emulator, serves it on 127.0.0.1, prints the
// origin on one line and serves until stdin closes, then exits the process
// (status 0, or 2 with the reason on stderr if it cannot start). In the
// parent it returns at once.
func ServeIfChild() {
	raw, ok := os.LookupEnv(childEnv)
	if !ok {
		return
	}
	if err := serve(raw); err != nil {
		fmt.Fprintln(os.Stderr, "emuproc:", err)
		os.Exit(2)
	}
	os.Exit(0)
}

// Start runs a new child process serving an emulator configured by cfg,
// and returns once it is listening. It fails, with the child killed, if
// the child cannot start, cannot build the emulator or does not print its
// origin. Stop ends it.
func Start(cfg Config) (*Emulator, error) {
	raw, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("emuproc: encoding the configuration: %w", err)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"="+string(raw))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("emuproc: child stdin: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("emuproc: child stdout: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("emuproc: starting the child process: %w", err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	origin := strings.TrimSpace(line)
	if err == nil && !strings.HasPrefix(origin, "http://127.0.0.1:") {
		err = errors.New("not an origin")
	}
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("emuproc: reading the child's origin %q: %w", line, err)
	}
	return &Emulator{Origin: origin, BaseURL: origin + "/v1.0", cmd: cmd, stdin: stdin,
		hc: &http.Client{Timeout: time.Minute}}, nil
}

// Stop ends the child process and waits for it. It is safe to call twice.
func (e *Emulator) Stop() {
	if e.stdin == nil {
		return
	}
	_ = e.stdin.Close()
	_ = e.cmd.Wait()
	e.stdin = nil
}

// newServer builds the emulator of cfg. It fails on an invalid throttling
// configuration or a unit the emulator refuses.
func newServer(cfg Config) (*fake.Server, error) {
	if err := cfg.Throttle.Validate(); err != nil {
		return nil, err // fake.NewServer would panic
	}
	rec := -1
	if cfg.RecordRequests {
		rec = 0 // the default bound
	}
	srv := fake.NewServer(&fake.Options{PageSize: cfg.PageSize, Seed: 1, MaxRecordedRequests: rec, Throttle: cfg.Throttle,
		RemovalDelay: cfg.RemovalDelay, RealTimeClock: cfg.RealTimeClock, JobDelay: cfg.JobDelay, RuleDelay: cfg.RuleDelay})
	if cfg.Seed > 0 {
		srv.Seed(cfg.Seed)
	}
	srv.SeedDirectory(cfg.Directory)
	if err := addPolicyUnits(srv, cfg.PolicyUnits); err != nil {
		return nil, err
	}
	for i := range cfg.OffboardRequested {
		id := UnitID(i)
		if err := srv.AddUnit(fake.Unit{Kind: models.KindSite, ID: id, SiteID: "contoso.sharepoint.com,s," + id,
			Status: models.StatusOffboardRequested}); err != nil {
			return nil, err
		}
	}
	if cfg.Latency > 0 {
		srv.AddFault(fake.Fault{Kind: fake.FaultLatency, Latency: cfg.Latency})
	}
	return srv, nil
}

// serve is the child's side of Start.
func serve(raw string) error {
	var cfg Config
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		return fmt.Errorf("decoding %s: %w", childEnv, err)
	}
	srv, err := newServer(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: fakecontrol.New(srv, nil), ReadHeaderTimeout: time.Minute}
	go func() { _ = hs.Serve(ln) }()
	if _, err := fmt.Printf("http://%s\n", ln.Addr()); err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
	return nil
}

// control sends a control API request and decodes its JSON answer into
// out. It fails on a transport error, a status other than 2xx or a body
// that does not decode.
func control[T any](ctx context.Context, e *Emulator, method, path string, out *T) error {
	req, err := http.NewRequestWithContext(ctx, method, e.Origin+path, nil)
	if err != nil {
		return err
	}
	resp, err := e.hc.Do(req)
	if err != nil {
		return fmt.Errorf("emuproc: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("emuproc: %s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("emuproc: %s %s: %s: %s", method, path, resp.Status, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("emuproc: %s %s: decoding the answer: %w", method, path, err)
	}
	return nil
}
