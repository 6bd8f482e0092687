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

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/m365kit/backuprestore"
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
	tenant := fs.String("tenant", os.Getenv("AZURE_TENANT_ID"), "Entra tenant ID: call real Microsoft Graph (default: the embedded emulator)")
	clientID := fs.String("client-id", os.Getenv("AZURE_CLIENT_ID"), "public client application ID for the device-code sign-in")
	id := fs.String("id", "", "unit to offboard and restore (required with -tenant)")
	if err := fs.Parse(args); err != nil {
		return err
	}

	var c *backuprestore.Client
	var srv *fake.Server
	var err error
	if *tenant != "" || *clientID != "" {
		if *tenant == "" || *clientID == "" || *id == "" {
			return errors.New("-tenant, -client-id and -id are all required to call Microsoft Graph")
		}
		cred, cerr := azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
			TenantID: *tenant, ClientID: *clientID,
			UserPrompt: func(_ context.Context, m azidentity.DeviceCodeMessage) error {
				fmt.Fprintln(out, m.Message)
				return nil
			},
		})
		if cerr != nil {
			return cerr
		}
		c, err = backuprestore.NewClient(cred, nil)
	} else {
		srv = fake.NewServer(nil)
		srv.Seed(30)
		c, err = backuprestore.NewClient(fake.NewDelegatedCredential(), &backuprestore.Options{
			HTTPClient: &http.Client{Transport: srv.Transport()},
		})
		if err == nil {
			*id, err = firstRemovedUnit(ctx, c)
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
	if _, err := units.ByID(*id).Offboard().Post(ctx, nil); errors.Is(err, backuprestore.ErrOperationNotAllowed) {
		var e *backuprestore.Error
		errors.As(err, &e)
		fmt.Fprintf(out, "%-16s %d %s: %s\n", "offboard again", e.StatusCode, e.Code, e.Message)
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

func show(out io.Writer, step string, u *models.ProtectionUnit) {
	when := "-"
	if u.OffboardRequested() {
		when = u.OffboardRequestedDateTime.Format(time.RFC3339)
	}
	fmt.Fprintf(out, "%-16s %s %s (%s): status %s, offboard requested %s\n", step, u.Kind(), u.ID, u.Name(), u.Status, when)
}
