// Command cancel-offboard cancels the offboarding of a Microsoft 365 Backup
// protection unit and shows the typed error for a unit that is not
// offboarding.
//
// With no flags it runs against the in-process emulator (package fake),
// seeded with a realistic mix of units:
//
//	go run ./examples/cancel-offboard
//
// With -tenant and -client-id (or AZURE_TENANT_ID and AZURE_CLIENT_ID both
// set; -emulator overrides them) it calls real Microsoft Graph with a device-code sign-in; the signed-in user
// needs the delegated permission BackupRestore-Configuration.ReadWrite.All:
//
//	go run ./examples/cancel-offboard -tenant <tenant-id> -client-id <app-id> -id <unit-id>
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
	"strings"
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
		fmt.Fprintln(os.Stderr, "cancel-offboard:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("cancel-offboard", flag.ContinueOnError)
	sign := signin.Register(fs)
	id := fs.String("id", "", "protection unit ID to cancel the offboarding of (required with -tenant)")
	units := fs.Int("units", 25, "units to seed the emulator with")
	if err := fs.Parse(args); err != nil {
		return err
	}
	graph, err := sign.Graph()
	if err != nil {
		return err
	}
	if graph {
		return realGraph(ctx, out, sign, *id)
	}
	return emulator(ctx, out, *units)
}

// realGraph cancels the offboarding of one unit in a real tenant.
func realGraph(ctx context.Context, out io.Writer, sign *signin.Flags, id string) error {
	if id == "" {
		return errors.New("-id is required to call Microsoft Graph (pass -emulator to use the embedded emulator)")
	}
	cred, err := sign.Credential(out)
	if err != nil {
		return err
	}
	c, err := backuprestore.NewClient(cred, nil)
	if err != nil {
		return err
	}
	unit, err := c.ProtectionUnits().ByID(id).CancelOffboard().Post(ctx, nil)
	if err != nil {
		printError(out, err)
		return errors.New("the call failed")
	}
	printUnit(out, unit, "")
	return nil
}

// emulator runs the main job against the in-process emulator.
func emulator(ctx context.Context, out io.Writer, n int) error {
	srv := fake.NewServer(nil)
	seeded := srv.Seed(n)
	c, err := backuprestore.NewClient(fake.NewDelegatedCredential(), &backuprestore.Options{
		HTTPClient: &http.Client{Transport: srv.Transport()}, // in-process: no socket, no network
		BaseURL:    fake.DefaultBaseURL,                      // in-process: errors name the emulator
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "backuprestore %s: cancel an offboarding, against the embedded emulator (%d units)\n\n", backuprestore.Version, len(seeded))

	// Find a unit that is being offboarded, and one that is not.
	var offboarding, settled *models.ProtectionUnit
	for u, err := range c.ProtectionUnits().All(ctx, nil) {
		if err != nil {
			return err
		}
		switch {
		case u.Status == models.StatusOffboardRequested && (offboarding == nil || offboarding.Kind() != models.KindSite):
			offboarding = u // a site if there is one: it shows the most fields
		case settled == nil && u.Status == models.StatusProtected:
			settled = u
		}
	}
	if offboarding == nil || settled == nil {
		return errors.New("the seeded units lack an offboarding or a protected unit; seed more with -units")
	}

	fmt.Fprintf(out, "1. Cancel the offboarding of %s unit %s (status %s):\n", offboarding.Kind(), offboarding.ID, offboarding.Status)
	unit, err := c.ProtectionUnits().ByID(offboarding.ID).CancelOffboard().Post(ctx, nil)
	if err != nil {
		return err
	}
	printUnit(out, unit, string(offboarding.Status))

	fmt.Fprintf(out, "\n2. Cancel the offboarding of %s unit %s, which is not offboarding (status %s):\n", settled.Kind(), settled.ID, settled.Status)
	_, err = c.ProtectionUnits().ByID(settled.ID).CancelOffboard().Post(ctx, nil)
	if !errors.Is(err, backuprestore.ErrOperationNotAllowed) {
		return fmt.Errorf("expected OperationNotAllowed, got %v", err)
	}
	printError(out, err)
	return nil
}

func printUnit(out io.Writer, u *models.ProtectionUnit, before string) {
	row := func(k, v string) { fmt.Fprintf(out, "   %-17s %s\n", k, v) }
	row("kind", u.Kind().String())
	row("id", u.ID)
	switch u.Kind() {
	case models.KindSite:
		row("site", strings.TrimSpace(u.SiteName+" "+paren(u.SiteWebURL)))
		row("site id", u.SiteID)
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
	row("offboard asked at", when(u.OffboardRequestedDateTime))
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
