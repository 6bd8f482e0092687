// Command bulk-cancel-offboard cancels the offboarding of many protection
// units at once through Graph JSON batching, with a progress bar and a
// summary that counts every outcome truthfully: cancelled, refused by the
// service, not sent, and in doubt.
//
// On the embedded emulator (the default) it seeds -units units, injects
// throttling and connection resets (-faults), and cancels every offboarding
// unit plus a few that are not offboarding, to show the per-unit errors; or,
// with -ids, the units listed there, seeded as offboarding first:
//
//	go run ./examples/bulk-cancel-offboard -units 2000
//	go run ./examples/bulk-cancel-offboard -ids ids.txt -faults 0
//
// Against Microsoft Graph it reads unit IDs, one per line, from -ids (a
// file, or - for stdin):
//
//	go run ./examples/bulk-cancel-offboard -tenant <tenant-id> -client-id <app-id> -ids ids.txt
//
// -h prints every flag and the rules (examples/internal/cli). Exit status:
// 0 every unit ended as intended, 1 any did not (in doubt, not sent, or
// refused unexpectedly), 2 a usage error.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/examples/internal/cli"
	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// spec is the program's usage text.
var spec = cli.Spec{
	Name: "bulk-cancel-offboard",
	Summary: `Cancels the offboarding of many protection units at once
(CancelOffboardAll: POST /$batch, up to 20 cancelOffboard actions per
batch, several batches in flight), with a progress bar on stderr and a
summary on stdout counting each outcome: cancelled, refused by the service
(its 403, 404, 429…), not sent (the service cannot have acted), and in
doubt (sent, answer lost, not settled by reading back: read those units
before acting on them again).

On the embedded emulator it seeds -units random units and injects faults
(-faults: 429s inside batches, connection resets after a batch was
applied); it cancels every offboarding unit plus three that are not (their
403 is intended), or with -ids the units listed there, seeded as
offboarding first.

The IDs file has one unit ID per line; blank lines and lines starting with
# are skipped. A malformed ID is reported not sent; it is not seeded.`,
	Examples: []string{
		"go run ./examples/bulk-cancel-offboard -units 2000",
		"go run ./examples/bulk-cancel-offboard -ids ids.txt -faults 0",
		"go run ./examples/bulk-cancel-offboard -tenant contoso.onmicrosoft.com -client-id <app-id> -ids ids.txt",
	},
}

// settings are the program's own flags, parsed.
type settings struct {
	units       int
	faults      float64
	batchSize   int
	concurrency int
	attempts    int
	quiet       bool
}

// run is the program: it parses args, does the job, and returns the exit
// status (cli.Exit*). stdin is read for -ids -.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	p := cli.New(spec, stdout, stderr)
	fs := p.Flags()
	idsFile := fs.String("ids", "", "`file` of unit IDs, one per line, - for stdin (required on Microsoft Graph; on the emulator they are seeded as offboarding first)")
	units := cli.IntRange(fs, "units", 1000, 20, 100_000, "`n` random units to seed the emulator with")
	faults := cli.FloatRange(fs, "faults", 0.05, 0, 1, "`share` of emulator requests that fail: 429s inside batches, and half as many resets after a batch")
	batchSize := cli.IntRange(fs, "batch-size", 20, 1, 20, "`n` actions per $batch request (BulkOptions.BatchSize)")
	concurrency := cli.IntRange(fs, "concurrency", 4, 1, 64, "`n` $batch requests in flight at most (BulkOptions.MaxConcurrency)")
	attempts := cli.IntRange(fs, "attempts", 8, 1, 100, "`n` tries per unit, and as many read-backs (BulkOptions.MaxAttempts)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	p.EmulatorOnly("units", "faults")
	p.GraphRequires("ids", "the file of unit IDs to cancel the offboarding of (- for stdin)")
	t, err := p.Parse(args)
	if err != nil {
		return p.Exit(err)
	}
	var ids cli.IDList
	if *idsFile != "" {
		if ids, err = cli.ReadIDs(*idsFile, stdin); err != nil {
			return p.Exit(err)
		}
	}
	s := settings{units: *units, faults: *faults, batchSize: *batchSize, concurrency: *concurrency, attempts: *attempts, quiet: *quiet}
	return p.Exit(cancelAll(ctx, stdout, stderr, t, s, ids))
}

// job is what cancelAll sends, and what it expects back.
type job struct {
	c   *backuprestore.Client
	ids []string
	// refusalIntended holds the IDs of units that are not offboarding, sent
	// on purpose to show the service's 403.
	refusalIntended map[string]bool
}

// cancelAll is the job, on either target: it cancels the offboarding of
// ids (on the emulator, seeded first; without ids, the seeded offboarding
// units and three that are not), prints the summary, and returns an error
// unless every unit ended as intended.
func cancelAll(ctx context.Context, stdout, stderr io.Writer, t cli.Target, s settings, ids cli.IDList) error {
	var j job
	var err error
	if t.Graph {
		j.c, err = t.NewGraphClient(nil)
		j.ids = ids.IDs
		if err == nil {
			fmt.Fprintf(stdout, "Cancelling the offboarding of %s, against %s\n\n", ids.Describe(), t)
		}
	} else {
		j, err = emulatorJob(stdout, t, s, ids)
	}
	if err != nil {
		return err
	}

	progress := io.Writer(stderr)
	if s.quiet {
		progress = io.Discard
	}
	bar := progressbar.NewOptions(len(j.ids),
		progressbar.OptionSetWriter(progress),
		progressbar.OptionSetDescription("cancelling offboarding"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(50*time.Millisecond),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(progress) }),
	)
	start := time.Now()
	results := j.c.ProtectionUnits().CancelOffboardAll(ctx, j.ids, &backuprestore.BulkOptions{
		BatchSize:      s.batchSize,
		MaxConcurrency: s.concurrency,
		MaxAttempts:    s.attempts,
		OnProgress:     func(done, total, failed int) { _ = bar.Set(done) },
	})
	_ = bar.Finish() // renders where it stopped and keeps it on screen
	tally := summarize(stdout, results, j.refusalIntended, time.Since(start))
	if err := tally.verdict(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted (%w): %w", context.Cause(ctx), err)
		}
		return err
	}
	return nil
}

// emulatorJob seeds an emulator, injects the faults, and returns the client
// and the IDs to cancel: ids, seeded as offboarding, or else every seeded
// offboarding unit plus three that are not offboarding.
func emulatorJob(out io.Writer, t cli.Target, s settings, list cli.IDList) (job, error) {
	srv := fake.NewServer(&fake.Options{Seed: 7})
	seeded := srv.Seed(s.units)
	if s.faults > 0 {
		srv.AddFault(fake.Fault{InBatch: true, Route: fake.RouteCancelOffboard, Kind: fake.FaultStatus, Status: 429, RetryAfter: "0.2", Probability: s.faults})
		srv.AddFault(fake.Fault{Route: fake.RouteBatch, Kind: fake.FaultResetAfter, Probability: s.faults / 2})
	}
	c, err := cli.NewEmulatorClient(srv, &backuprestore.Options{
		Retry: backuprestore.RetryOptions{BaseDelay: 50 * time.Millisecond},
	})
	if err != nil {
		return job{}, err
	}
	j := job{c: c, refusalIntended: map[string]bool{}}
	fmt.Fprintf(out, "Cancelling offboardings against %s, %.0f%% of requests faulted\n", t, s.faults*100)
	if ids := list.IDs; len(ids) > 0 {
		var valid []string
		for _, id := range ids {
			if cli.CheckID(id) == nil {
				valid = append(valid, id)
			}
		}
		if err := cli.SeedUnits(srv, valid, cli.SeedOffboarding, "ids"); err != nil {
			return job{}, err
		}
		j.ids = ids
		fmt.Fprintf(out, "Seeded %d random units, and the %d valid IDs from -ids as %s, so that cancelOffboard can act on them", len(seeded), len(valid), cli.SeedOffboarding)
		switch bad := len(ids) - len(valid); bad {
		case 0:
		case 1:
			fmt.Fprint(out, "; 1 line is not a valid unit ID: not seeded, and the SDK sends nothing for it")
		default:
			fmt.Fprintf(out, "; %d lines are not valid unit IDs: not seeded, and the SDK sends nothing for them", bad)
		}
		fmt.Fprintf(out, ". Cancelling the %s.\n\n", list.Describe())
		return j, nil
	}
	var others []string
	for _, u := range seeded {
		switch {
		case u.Status == models.StatusOffboardRequested:
			j.ids = append(j.ids, u.ID)
		case len(others) < 3:
			others = append(others, u.ID)
			j.refusalIntended[u.ID] = true
		}
	}
	offboarding := len(j.ids)
	j.ids = append(j.ids, others...)
	fmt.Fprintf(out, "Seeded %d random units, %d offboarding; cancelling those and %d that are not (their 403 is intended).\n\n", len(seeded), offboarding, len(others))
	return j, nil
}

// class is what became of a unit, for the tally and the exit status.
type class int

// The classes, as BulkResult defines them.
const (
	classCancelled class = iota // Err == nil
	classRefused                // the service's answer
	classNotSent                // ErrNotSent: the service cannot have acted
	classInDoubt                // ErrOutcomeUnknown: read back before acting again
	classOther                  // none of the above (BulkResult promises none)
)

// classify returns a unit's class and the outcome row it belongs to. An
// outcome in doubt is tested first: its error may also wrap the service's
// answer to a resend.
func classify(r backuprestore.BulkResult) (class, string) {
	var e *backuprestore.Error
	switch err := r.Err; {
	case err == nil && r.Reconciled:
		return classCancelled, "cancelled (confirmed by reading back after a lost answer)"
	case err == nil:
		return classCancelled, "cancelled"
	case errors.Is(err, backuprestore.ErrOutcomeUnknown):
		return classInDoubt, "in doubt: sent, answer lost, read-back did not settle it"
	case errors.Is(err, backuprestore.ErrNotSent):
		switch {
		case errors.Is(err, backuprestore.ErrInvalidProtectionUnitID):
			return classNotSent, "not sent: malformed ID"
		case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
			return classNotSent, "not sent: interrupted"
		case errors.Is(err, backuprestore.ErrCredential):
			return classNotSent, "not sent: sign-in failed"
		case errors.Is(err, backuprestore.ErrInvalidOptions):
			return classNotSent, "not sent: invalid options"
		}
		return classNotSent, "not sent: " + cli.FirstLine(err.Error())
	case errors.Is(err, backuprestore.ErrOperationNotAllowed):
		return classRefused, "refused: not offboarding (403 OperationNotAllowed)"
	case errors.Is(err, backuprestore.ErrNotFound):
		return classRefused, "refused: not found (404)"
	case errors.Is(err, backuprestore.ErrThrottled):
		return classRefused, "refused: still throttled after every attempt (429)"
	case errors.As(err, &e):
		return classRefused, fmt.Sprintf("refused: %d %s", e.StatusCode, e.Code)
	}
	return classOther, "failed: " + cli.FirstLine(r.Err.Error())
}

// tally counts the classes.
type tally struct {
	cancelled, refusedIntended, refused, notSent, inDoubt, other int
	inDoubtIDs                                                   []string
}

// verdict is nil when every unit ended as intended, and otherwise says
// what did not, in-doubt units first.
func (t tally) verdict() error {
	var problems []string
	if t.inDoubt > 0 {
		ids := t.inDoubtIDs
		ids = slices.Clone(ids[:min(len(ids), 5)])
		for i, id := range ids {
			ids[i] = cli.Printable(id)
		}
		if t.inDoubt > len(ids) {
			ids = append(ids, "…")
		}
		problems = append(problems, fmt.Sprintf("%d in doubt (%s): read them back before acting on them again", t.inDoubt, strings.Join(ids, ", ")))
	}
	if t.notSent > 0 {
		problems = append(problems, fmt.Sprintf("%d not sent: the service did not act on them", t.notSent))
	}
	if t.refused > 0 {
		problems = append(problems, fmt.Sprintf("%d refused by the service", t.refused))
	}
	if t.other > 0 {
		problems = append(problems, fmt.Sprintf("%d failed otherwise", t.other))
	}
	if len(problems) == 0 {
		return nil
	}
	return errors.New(strings.Join(problems, "; "))
}

// summarize prints a table of outcomes (how many units ended how, with an
// example ID and error) and the tally, and returns the tally.
func summarize(out io.Writer, results backuprestore.BulkResults, refusalIntended map[string]bool, took time.Duration) tally {
	type row struct {
		outcome string
		n       int
		example backuprestore.BulkResult
	}
	var rows []*row
	byOutcome := map[string]*row{}
	var t tally
	retried := 0
	for _, r := range results {
		if r.Attempts > 1 {
			retried++
		}
		c, outcome := classify(r)
		switch {
		case c == classCancelled:
			t.cancelled++
		case c == classRefused && refusalIntended[r.ID] && errors.Is(r.Err, backuprestore.ErrOperationNotAllowed):
			t.refusedIntended++
			outcome += ", intended"
		case c == classRefused:
			t.refused++
		case c == classNotSent:
			t.notSent++
		case c == classInDoubt:
			t.inDoubt++
			t.inDoubtIDs = append(t.inDoubtIDs, r.ID)
		default:
			t.other++
		}
		x := byOutcome[outcome]
		if x == nil {
			x = &row{outcome: outcome, example: r}
			byOutcome[outcome] = x
			rows = append(rows, x)
		}
		x.n++
	}
	fmt.Fprintf(out, "%d units in %s (%d needed more than one attempt)\n\n", len(results), took.Round(time.Millisecond), retried)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "OUTCOME\tUNITS\tEXAMPLE")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%s\n", r.outcome, r.n, cli.Printable(r.example.ID))
	}
	_ = tw.Flush()
	for _, r := range rows {
		if r.example.Err != nil {
			fmt.Fprintf(out, "  %s: %s\n", cli.Printable(r.example.ID), cli.FirstLine(r.example.Err.Error()))
		}
	}
	fmt.Fprintf(out, "\ncancelled %d, refused as intended %d, refused otherwise %d, not sent %d, in doubt %d", t.cancelled, t.refusedIntended, t.refused, t.notSent, t.inDoubt)
	if t.other > 0 {
		fmt.Fprintf(out, ", failed otherwise %d", t.other)
	}
	fmt.Fprintln(out)
	return t
}
