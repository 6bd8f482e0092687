// Command bulk-cancel-offboard cancels the offboarding of many protection
// units at once through Graph JSON batching, with a progress bar and a
// summary of the outcomes.
//
// Against the embedded emulator (the default) it seeds -units units, marks
// a share of them as offboarding, injects throttling and connection resets
// (-faults), and cancels every offboarding plus a few units that are not
// offboarding, to show the per-unit errors:
//
//	go run ./examples/bulk-cancel-offboard -units 2000
//
// Against real Graph it reads unit IDs, one per line, from -ids (or stdin):
//
//	go run ./examples/bulk-cancel-offboard -tenant <tenant-id> -client-id <app-id> -ids ids.txt
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/examples/internal/signin"
	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stdin); err != nil {
		fmt.Fprintln(os.Stderr, "bulk-cancel-offboard:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer, in io.Reader) error {
	fs := flag.NewFlagSet("bulk-cancel-offboard", flag.ContinueOnError)
	sign := signin.Register(fs)
	idsFile := fs.String("ids", "", "file with one unit ID per line (default: stdin), with -tenant")
	units := fs.Int("units", 1000, "units to seed the emulator with")
	faults := fs.Float64("faults", 0.05, "share of emulator requests that fail (throttling, resets), 0 to 1")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := fs.Parse(args); err != nil {
		return err
	}

	graph, err := sign.Graph()
	if err != nil {
		return err
	}
	var c *backuprestore.Client
	var ids []string
	if graph {
		c, ids, err = realGraph(out, in, sign, *idsFile)
	} else {
		c, ids, err = emulator(out, *units, *faults)
	}
	if err != nil {
		return err
	}

	bar := progressbar.NewOptions(len(ids),
		progressbar.OptionSetWriter(progressOut(out, *quiet)),
		progressbar.OptionSetDescription("cancelling offboarding"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(50*time.Millisecond),
		progressbar.OptionOnCompletion(func() { fmt.Fprint(progressOut(out, *quiet), "\n\n") }),
	)
	start := time.Now()
	results := c.ProtectionUnits().CancelOffboardAll(ctx, ids, &backuprestore.BulkOptions{
		OnProgress: func(done, total, failed int) { _ = bar.Set(done) },
	})
	_ = bar.Finish() // renders 100% (or where it stopped) and keeps it on screen
	summarize(out, results, time.Since(start))

	// The exit status tells a script what happened.
	unknown := 0
	for _, r := range results {
		if errors.Is(r.Err, backuprestore.ErrOutcomeUnknown) {
			unknown++
		}
	}
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("interrupted: %w", context.Cause(ctx))
	case unknown > 0:
		return fmt.Errorf("%d units in doubt: read them back before acting on them again", unknown)
	case graph && len(results.Failed()) > 0:
		return fmt.Errorf("%d of %d units failed", len(results.Failed()), len(results))
	}
	return nil
}

func progressOut(out io.Writer, quiet bool) io.Writer {
	if quiet {
		return io.Discard
	}
	return out
}

// summarize prints a table of outcomes: how many units ended how.
func summarize(out io.Writer, results backuprestore.BulkResults, took time.Duration) {
	type row struct {
		outcome string
		n       int
		example string
	}
	var rows []*row
	byOutcome := map[string]*row{}
	add := func(outcome, example string) {
		r := byOutcome[outcome]
		if r == nil {
			r = &row{outcome: outcome, example: example}
			byOutcome[outcome] = r
			rows = append(rows, r)
		}
		r.n++
	}
	retried := 0
	for _, r := range results {
		if r.Attempts > 1 {
			retried++
		}
		switch {
		case r.Err == nil && r.Reconciled:
			add("cancelled (confirmed by reading back after a lost response)", r.ID)
		case r.Err == nil:
			add("cancelled", r.ID)
		case errors.Is(r.Err, backuprestore.ErrOperationNotAllowed):
			add("not offboarding (403 OperationNotAllowed)", r.ID)
		case errors.Is(r.Err, backuprestore.ErrNotFound):
			add("not found (404)", r.ID)
		case errors.Is(r.Err, backuprestore.ErrInvalidProtectionUnitID):
			add("invalid ID, not sent", r.ID)
		case errors.Is(r.Err, backuprestore.ErrThrottled):
			add("still throttled after retries (429)", r.ID)
		case errors.Is(r.Err, backuprestore.ErrOutcomeUnknown):
			add("outcome unknown", r.ID)
		case errors.Is(r.Err, context.Canceled):
			add("not sent: interrupted", r.ID)
		default:
			add("failed: "+firstLine(r.Err.Error()), r.ID)
		}
	}
	fmt.Fprintf(out, "%d units in %s (%d needed more than one attempt)\n\n", len(results), took.Round(time.Millisecond), retried)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "OUTCOME\tUNITS\tEXAMPLE")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%s\n", r.outcome, r.n, r.example)
	}
	_ = tw.Flush()
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// emulator seeds units, injects faults, and returns the IDs to cancel:
// every unit in offboardRequested plus a few that are not offboarding.
func emulator(out io.Writer, n int, faults float64) (*backuprestore.Client, []string, error) {
	srv := fake.NewServer(&fake.Options{Seed: 7})
	seeded := srv.Seed(n)
	if faults > 0 {
		srv.AddFault(fake.Fault{InBatch: true, Route: fake.RouteCancelOffboard, Kind: fake.FaultStatus, Status: 429, RetryAfter: "0.2", Probability: faults})
		srv.AddFault(fake.Fault{Route: fake.RouteBatch, Kind: fake.FaultResetAfter, Probability: faults / 2})
	}
	c, err := backuprestore.NewClient(fake.NewDelegatedCredential(), &backuprestore.Options{
		HTTPClient: &http.Client{Transport: srv.Transport()},
		BaseURL:    fake.DefaultBaseURL, // in-process: errors name the emulator
		Retry:      backuprestore.RetryOptions{BaseDelay: 50 * time.Millisecond},
	})
	if err != nil {
		return nil, nil, err
	}
	var ids, others []string
	for _, u := range seeded {
		switch {
		case u.Status == models.StatusOffboardRequested:
			ids = append(ids, u.ID)
		case len(others) < 3:
			others = append(others, u.ID)
		}
	}
	ids = append(ids, others...)
	fmt.Fprintf(out, "Embedded emulator: %d units, %d offboarding; cancelling those and %d that are not, with %.0f%% of requests faulted\n\n",
		len(seeded), len(ids)-len(others), len(others), faults*100)
	return c, ids, nil
}

func realGraph(out io.Writer, in io.Reader, sign *signin.Flags, idsFile string) (*backuprestore.Client, []string, error) {
	if idsFile != "" {
		f, err := os.Open(idsFile)
		if err != nil {
			return nil, nil, err
		}
		defer f.Close()
		in = f
	}
	var ids []string
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		if id := strings.TrimSpace(sc.Text()); id != "" {
			ids = append(ids, id)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
	}
	cred, err := sign.Credential(out)
	if err != nil {
		return nil, nil, err
	}
	c, err := backuprestore.NewClient(cred, nil)
	return c, ids, err
}
