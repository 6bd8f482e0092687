// Command cancel-offboard cancels the offboarding of a Microsoft 365 Backup
// protection unit (POST …/protectionUnits/{id}/cancelOffboard), prints the
// unit the service returns, and shows the typed error for a unit that is
// not offboarding.
//
// With no flags it runs on the embedded emulator (package fake, in
// process), seeded with a realistic mix of units:
//
//	go run ./examples/cancel-offboard
//	go run ./examples/cancel-offboard -id 89014d8c-71fe-4d00-a01a-31850bc5b32c   # seeds that unit as offboarding, then cancels it
//
// With a tenant and a client ID (-tenant and -client-id, or AZURE_TENANT_ID
// and AZURE_CLIENT_ID; -emulator overrides them) it calls Microsoft Graph,
// signed in as a user with a device code (or -signin browser); the user
// needs the delegated permission BackupRestore-Configuration.ReadWrite.All:
//
//	go run ./examples/cancel-offboard -tenant <tenant-id> -client-id <app-id> -id <unit-id>
//
// -h prints every flag and the rules (examples/internal/cli). Exit status:
// 0 done, 1 the call failed, 2 a usage error.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
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
	Name: "cancel-offboard",
	Summary: `Cancels the offboarding of a Microsoft 365 Backup protection unit
(POST /solutions/backupRestore/protectionUnits/{id}/cancelOffboard) and
prints the unit the service returns.

On the embedded emulator it cancels -id (seeded as offboarding first, so
the action has something to act on) or else a seeded offboarding unit, then
tries a unit that is not offboarding, to show the typed error (403
OperationNotAllowed, errors.Is ErrOperationNotAllowed).`,
	Examples: []string{
		"go run ./examples/cancel-offboard",
		"go run ./examples/cancel-offboard -id 89014d8c-71fe-4d00-a01a-31850bc5b32c",
		"go run ./examples/cancel-offboard -tenant contoso.onmicrosoft.com -client-id <app-id> -id <unit-id>",
	},
}

// run is the program: it parses args, does the job, and returns the exit
// status (cli.Exit*).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	p := cli.New(spec, stdout, stderr)
	id := cli.UnitID(p.Flags(), "id", "protection unit `ID` to cancel the offboarding of (required on Microsoft Graph; on the emulator it is seeded as offboarding first, default a seeded unit)")
	units := cli.IntRange(p.Flags(), "units", 25, 20, 100_000, "`n` random units to seed the emulator with")
	p.EmulatorOnly("units")
	p.GraphRequires("id", "the unit to cancel the offboarding of")
	t, err := p.Parse(args)
	if err == nil {
		if t.Graph {
			err = realGraph(ctx, stdout, t, *id)
		} else {
			err = emulator(ctx, stdout, t, *units, *id)
		}
	}
	return p.Exit(err)
}

// realGraph cancels the offboarding of one unit in a real tenant.
func realGraph(ctx context.Context, out io.Writer, t cli.Target, id string) error {
	c, err := t.NewGraphClient(nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "backuprestore %s: cancel the offboarding of unit %s, against %s\n\n", backuprestore.Version, id, t)
	unit, err := c.ProtectionUnits().ByID(id).CancelOffboard().Post(ctx, nil)
	if err != nil {
		return fmt.Errorf("cancelOffboard %s: %w", id, err)
	}
	printUnit(out, unit, "")
	return nil
}

// emulator runs the main job on the embedded emulator: it cancels the
// offboarding of id (seeded as offboarding) or of a seeded offboarding
// unit, then shows the error for a unit that is not offboarding.
func emulator(ctx context.Context, out io.Writer, t cli.Target, n int, id string) error {
	srv := fake.NewServer(nil)
	seeded := srv.Seed(n)
	if id != "" {
		if err := cli.SeedUnits(srv, []string{id}, cli.SeedOffboarding, "id"); err != nil {
			return err
		}
	}
	c, err := cli.NewEmulatorClient(srv, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "backuprestore %s: cancel an offboarding, against %s\n", backuprestore.Version, t)
	fmt.Fprintf(out, "Seeded %d random units", len(seeded))
	if id != "" {
		fmt.Fprintf(out, ", and unit %s as %s, so that cancelOffboard can act on it", id, cli.SeedOffboarding)
	}
	fmt.Fprintln(out, ".")
	fmt.Fprintln(out)

	// The unit to cancel (-id, or a seeded offboarding one, a site if there
	// is one: it shows the most fields), and one that is not offboarding.
	var offboarding, settled *models.ProtectionUnit
	for u, err := range c.ProtectionUnits().All(ctx, nil) {
		if err != nil {
			return err
		}
		switch {
		case id != "":
			if u.ID == id {
				offboarding = u
			}
		case u.CanCancelOffboard() && (offboarding == nil || offboarding.Kind() != models.KindSite):
			offboarding = u
		}
		if settled == nil && u.Status == models.StatusProtected {
			settled = u
		}
	}
	if offboarding == nil || settled == nil {
		return errors.New("the emulator holds no offboarding unit or no protected one; seed more with -units")
	}

	fmt.Fprintf(out, "1. Cancel the offboarding of %s unit %s (status %s):\n", offboarding.Kind(), offboarding.ID, offboarding.Status)
	unit, err := c.ProtectionUnits().ByID(offboarding.ID).CancelOffboard().Post(ctx, nil)
	if err != nil {
		return fmt.Errorf("cancelOffboard %s: %w", offboarding.ID, err)
	}
	printUnit(out, unit, string(offboarding.Status))

	fmt.Fprintf(out, "\n2. Cancel the offboarding of %s unit %s, which is not offboarding (status %s):\n", settled.Kind(), settled.ID, settled.Status)
	_, err = c.ProtectionUnits().ByID(settled.ID).CancelOffboard().Post(ctx, nil)
	if !errors.Is(err, backuprestore.ErrOperationNotAllowed) || errors.Is(err, backuprestore.ErrOutcomeUnknown) {
		return fmt.Errorf("cancelOffboard %s: expected the service's 403 OperationNotAllowed, got %w", settled.ID, errOrNil(err))
	}
	printError(out, err)
	return nil
}

// errOrNil turns a nil error into one that says so, for %w.
func errOrNil(err error) error {
	if err == nil {
		return errors.New("success")
	}
	return err
}

func printUnit(out io.Writer, u *models.ProtectionUnit, before string) {
	row := func(k, v string) { fmt.Fprintf(out, "   %-17s %s\n", k, v) }
	row("kind", u.Kind().String())
	row("id", orDash(u.ID))
	switch u.Kind() {
	case models.KindSite:
		row("site", strings.TrimSpace(u.SiteName+" "+paren(u.SiteWebURL)))
		row("site id", orDash(u.SiteID))
	default:
		row("owner", strings.TrimSpace(u.DisplayName+" "+angle(u.Email)))
	}
	status := string(u.Status)
	if before != "" && before != status {
		status = before + " → " + status
	}
	row("status", status)
	row("policy", orDash(u.PolicyID))
	row("sources", orDash(u.ProtectionSources.String()))
	row("last modified by", who(u.LastModifiedBy))
	row("last modified at", when(u.LastModifiedDateTime))
	at, _ := u.OffboardRequestedAt()
	row("offboard asked at", when(at))
}

func printError(out io.Writer, err error) {
	var e *backuprestore.Error
	if !errors.As(err, &e) {
		fmt.Fprintf(out, "   error: %v\n", err)
		return
	}
	row := func(k, v string) { fmt.Fprintf(out, "   %-17s %s\n", k, v) }
	row("error", fmt.Sprintf("%d %s", e.StatusCode, e.Code))
	row("message", e.Message)
	row("request-id", e.RequestID)
	row("errors.Is", fmt.Sprintf("ErrOperationNotAllowed=%t ErrForbidden=%t",
		errors.Is(err, backuprestore.ErrOperationNotAllowed), errors.Is(err, backuprestore.ErrForbidden)))
}

func who(s *models.IdentitySet) string {
	if s == nil {
		return "-"
	}
	var parts []string
	if s.User != nil {
		parts = append(parts, strings.TrimSpace(s.User.DisplayName+" "+angle(s.User.Email)))
	}
	if s.Application != nil {
		parts = append(parts, "via "+s.Application.DisplayName)
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.RFC3339)
}

func paren(s string) string {
	if s == "" {
		return ""
	}
	return "(" + s + ")"
}

func angle(s string) string {
	if s == "" {
		return ""
	}
	return "<" + s + ">"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
