// Command list prints a table of protection units (kind, ID, name, status,
// policy) and a count per status, listing lazily through every page.
//
//	go run ./examples/list                       # against the embedded emulator
//	go run ./examples/list -filter "status eq 'offboardRequested'"
//	go run ./examples/list -kind site
//	go run ./examples/list -tenant <tenant-id> -client-id <app-id>   # real Graph
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"text/tabwriter"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/examples/internal/signin"
	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "list:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	sign := signin.Register(fs)
	filter := fs.String("filter", "", "OData $filter, e.g. \"status eq 'offboardRequested'\"")
	kind := fs.String("kind", "", "only one kind: site, drive or mailbox")
	units := fs.Int("units", 40, "units to seed the emulator with")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := newClient(sign, *units, out)
	if err != nil {
		return err
	}
	coll := c.ProtectionUnits()
	switch *kind {
	case "":
	case "site":
		coll = coll.Sites()
	case "drive":
		coll = coll.Drives()
	case "mailbox":
		coll = coll.Mailboxes()
	default:
		return fmt.Errorf("-kind %q: want site, drive or mailbox", *kind)
	}

	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tID\tNAME\tSTATUS\tPOLICY")
	perStatus := map[models.ProtectionUnitStatus]int{}
	total := 0
	for u, err := range coll.All(ctx, &backuprestore.ListOptions{Filter: *filter}) {
		if err != nil {
			_ = tw.Flush()
			return err
		}
		policy := u.PolicyID
		if policy == "" {
			policy = "(removed)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Kind(), u.ID, u.Name(), u.Status, policy)
		perStatus[u.Status]++
		total++
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintf(out, "\n%d units\n", total)
	statuses := slices.Collect(func(yield func(models.ProtectionUnitStatus) bool) {
		for s := range perStatus {
			if !yield(s) {
				return
			}
		}
	})
	slices.Sort(statuses)
	for _, s := range statuses {
		fmt.Fprintf(out, "  %-24s %d\n", s, perStatus[s])
	}
	return nil
}

// newClient returns a client for Microsoft Graph or, by default, for the
// embedded emulator seeded with units units.
func newClient(sign *signin.Flags, units int, out io.Writer) (*backuprestore.Client, error) {
	graph, err := sign.Graph()
	if err != nil {
		return nil, err
	}
	if graph {
		cred, err := sign.Credential(out)
		if err != nil {
			return nil, err
		}
		return backuprestore.NewClient(cred, nil)
	}
	srv := fake.NewServer(nil)
	srv.Seed(units)
	fmt.Fprintf(out, "Listing the embedded emulator (%d seeded units)\n\n", units)
	return backuprestore.NewClient(fake.NewDelegatedCredential(), &backuprestore.Options{
		HTTPClient: &http.Client{Transport: srv.Transport()},
		BaseURL:    fake.DefaultBaseURL, // in-process: errors name the emulator
	})
}
