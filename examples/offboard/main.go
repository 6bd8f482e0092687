// Command offboard offboards a protection unit that was removed from its
// policy, then cancels the offboarding, printing the unit's state after
// each step, and shows what the emulator's clock does to it afterwards.
//
//	go run ./examples/offboard                  # against the embedded emulator
//	go run ./examples/offboard -tenant <tenant-id> -client-id <app-id> -id <unit-id>
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/examples/internal/signin"
	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "offboard:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("offboard", flag.ContinueOnError)
	sign := signin.Register(fs)
	id := fs.String("id", "", "unit to offboard and restore (required with -tenant)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	graph, err := sign.Graph()
	if err != nil {
		return err
	}

	var c *backuprestore.Client
	var srv *fake.Server
	if graph {
		if *id == "" {
			return errors.New("-id is required to call Microsoft Graph (pass -emulator to use the embedded emulator)")
		}
		cred, cerr := sign.Credential(out)
		if cerr != nil {
			return cerr
		}
		c, err = backuprestore.NewClient(cred, nil)
		if err == nil {
			fmt.Fprintf(out, "backuprestore %s: offboard, then cancel, against Microsoft Graph\n\n", backuprestore.Version)
		}
	} else {
		srv = fake.NewServer(nil)
		srv.Seed(30)
		c, err = backuprestore.NewClient(fake.NewDelegatedCredential(), &backuprestore.Options{
			HTTPClient: &http.Client{Transport: srv.Transport()},
			BaseURL:    fake.DefaultBaseURL, // in-process: errors name the emulator
		})
		if err == nil {
			*id, err = firstRemovedUnit(ctx, c)
		}
		if err == nil {
			fmt.Fprintf(out, "backuprestore %s: offboard a unit removed from its policy, then cancel, against the embedded emulator\n\n", backuprestore.Version)
		}
	}
	if err != nil {
		return err
	}
	units := c.ProtectionUnits()

	before, err := units.ByID(*id).Get(ctx, nil)
	if err != nil {
		return err
	}
	show(out, "before", before)

	after, err := units.ByID(*id).Offboard().Post(ctx, nil)
	if err != nil {
		return fmt.Errorf("offboard: %w", err)
	}
	show(out, "offboard", after)

	// Offboarding it again is not allowed: it is already offboarding.
	_, err = units.ByID(*id).Offboard().Post(ctx, nil)
	var e *backuprestore.Error
	switch {
	case err == nil:
		fmt.Fprintf(out, "%-16s accepted (unexpected: the unit was already offboarding)\n", "offboard again")
	case errors.As(err, &e):
		fmt.Fprintf(out, "%-16s refused, %d %s: %s (errors.Is ErrOperationNotAllowed: %t)\n",
			"offboard again", e.StatusCode, e.Code, e.Message, errors.Is(err, backuprestore.ErrOperationNotAllowed))
	default:
		return fmt.Errorf("offboard again: %w", err)
	}

	restored, err := units.ByID(*id).CancelOffboard().Post(ctx, nil)
	if err != nil {
		return fmt.Errorf("cancelOffboard: %w", err)
	}
	show(out, "cancelOffboard", restored)

	if srv != nil {
		srv.Advance(2 * time.Hour) // the emulator completes the cancellation after Options.CancelDelay
		later, err := units.ByID(*id).Get(ctx, nil)
		if err != nil {
			return err
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
		return u.ID, nil
	}
	return "", errors.New("no unit removed from its policy")
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
