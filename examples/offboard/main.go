// Command offboard offboards a protection unit that was removed from its
// policy, then cancels the offboarding, printing the unit's state after
// each step; on the embedded emulator it also shows what the emulator's
// clock does to the unit afterwards.
//
//	go run ./examples/offboard                  # on the embedded emulator
//	go run ./examples/offboard -id my-unit      # the same, with my-unit seeded as removed from its policy
//	go run ./examples/offboard -tenant <tenant-id> -client-id <app-id> -id <unit-id>
//
// Against Microsoft Graph the unit must already be removed from its policy
// (unprotected, no policyId); otherwise nothing is sent. -h prints every
// flag and the rules (examples/internal/cli). Exit status: 0 done, 1 a
// call failed, 2 a usage error.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/examples/internal/cli"
	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// spec is the program's usage text.
var spec = cli.Spec{
	Name: "offboard",
	Summary: `Offboards a protection unit that was removed from its policy (POST
…/protectionUnits/{id}/offboard), shows that offboarding it again is
refused (403 OperationNotAllowed), then cancels the offboarding (POST
…/cancelOffboard), printing the unit's state after each step. On the
embedded emulator it then moves the emulator's clock two hours on and
reads the unit again.

The unit must be removed from its policy first (status unprotected, no
policyId): otherwise offboard is not sent.`,
	Examples: []string{
		"go run ./examples/offboard",
		"go run ./examples/offboard -id my-unit",
		"go run ./examples/offboard -tenant contoso.onmicrosoft.com -client-id <app-id> -id <unit-id>",
	},
}

// emulatorUnits is how many random units the emulator is seeded with.
const emulatorUnits = 30

// run is the program: it parses args, does the job, and returns the exit
// status (cli.Exit*).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	p := cli.New(spec, stdout, stderr)
	id := cli.UnitID(p.Flags(), "id", "protection unit `ID` to offboard and restore (required on Microsoft Graph; on the emulator it is seeded as removed from its policy first, default a seeded unit)")
	p.GraphRequires("id", "the unit, removed from its policy, to offboard and restore")
	t, err := p.Parse(args)
	if err == nil {
		err = offboardAndCancel(ctx, stdout, t, *id)
	}
	return p.Exit(err)
}

// offboardAndCancel is the job, on either target.
func offboardAndCancel(ctx context.Context, out io.Writer, t cli.Target, id string) error {
	var c *backuprestore.Client
	var srv *fake.Server
	var err error
	if t.Graph {
		c, err = t.NewGraphClient(nil)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "backuprestore %s: offboard unit %s, then cancel, against %s\n\n", backuprestore.Version, id, t)
	} else {
		srv = fake.NewServer(nil)
		srv.Seed(emulatorUnits)
		if id != "" {
			if err := cli.SeedUnits(srv, []string{id}, cli.SeedRemovedFromPolicy, "id"); err != nil {
				return err
			}
		}
		c, err = cli.NewEmulatorClient(srv, nil)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "backuprestore %s: offboard a unit removed from its policy, then cancel, against %s\n", backuprestore.Version, t)
		if id != "" {
			fmt.Fprintf(out, "Seeded %d random units, and unit %s as %s, so that offboard can act on it.\n\n", emulatorUnits, id, cli.SeedRemovedFromPolicy)
		} else {
			if id, err = firstRemovedUnit(ctx, c); err != nil {
				return err
			}
			fmt.Fprintf(out, "Seeded %d random units; offboarding %s, the first removed from its policy.\n\n", emulatorUnits, id)
		}
	}
	unit := c.ProtectionUnits().ByID(id)

	before, err := unit.Get(ctx, nil)
	if err != nil {
		return fmt.Errorf("get %s: %w", id, err)
	}
	show(out, "before", before)
	if !before.CanOffboard() {
		policy := before.PolicyID
		if policy == "" {
			policy = "none"
		}
		return fmt.Errorf("unit %s is %s (policy %s): offboard needs a unit removed from its policy and unprotected; nothing was sent", id, before.Status, policy)
	}

	after, err := unit.Offboard().Post(ctx, nil)
	if err != nil {
		return fmt.Errorf("offboard %s: %w", id, err)
	}
	show(out, "offboard", after)

	// Offboarding it again is not allowed: it is already offboarding.
	_, err = unit.Offboard().Post(ctx, nil)
	var e *backuprestore.Error
	switch {
	case err == nil:
		fmt.Fprintf(out, "%-16s accepted (unexpected: the unit was already offboarding)\n", "offboard again")
	case errors.Is(err, backuprestore.ErrOutcomeUnknown) || errors.Is(err, backuprestore.ErrNotSent):
		return fmt.Errorf("offboard %s again: %w", id, err)
	case errors.As(err, &e):
		fmt.Fprintf(out, "%-16s refused, %d %s: %s (errors.Is ErrOperationNotAllowed: %t)\n",
			"offboard again", e.StatusCode, e.Code, e.Message, errors.Is(err, backuprestore.ErrOperationNotAllowed))
	default:
		return fmt.Errorf("offboard %s again: %w", id, err)
	}

	restored, err := unit.CancelOffboard().Post(ctx, nil)
	if err != nil {
		return fmt.Errorf("cancelOffboard %s: %w", id, err)
	}
	show(out, "cancelOffboard", restored)

	if srv != nil {
		srv.Advance(2 * time.Hour) // the emulator completes the cancellation after Options.CancelDelay
		later, err := unit.Get(ctx, nil)
		if err != nil {
			return fmt.Errorf("get %s: %w", id, err)
		}
		show(out, "two hours later", later)
	}
	return nil
}

// firstRemovedUnit finds a unit that can be offboarded: removed from its
// policy (no policyId) and unprotected.
func firstRemovedUnit(ctx context.Context, c *backuprestore.Client) (string, error) {
	for u, err := range c.ProtectionUnits().All(ctx, &backuprestore.ListOptions{Filter: "status eq 'unprotected' and policyId eq ''"}) {
		if err != nil {
			return "", err
		}
		if u.CanOffboard() {
			return u.ID, nil
		}
	}
	return "", errors.New("the emulator holds no unit removed from its policy")
}

// show prints one step: the unit and its state, with the offboarding
// request time while the unit is (or was just) offboarding.
func show(out io.Writer, step string, u *models.ProtectionUnit) {
	when := ""
	switch u.Status {
	case models.StatusOffboardRequested, models.StatusOffboarded, models.StatusCancelOffboardRequested:
		if at, ok := u.OffboardRequestedAt(); ok {
			when = ", offboard requested " + at.Format(time.RFC3339)
		}
	}
	fmt.Fprintf(out, "%-16s %s %s (%s): status %s%s\n", step, u.Kind(), u.ID, u.Name(), u.Status, when)
}
