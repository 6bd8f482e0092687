// Command list prints a table of protection units (kind, ID, name, status,
// policy) and a count per status, listing lazily through every page.
//
//	go run ./examples/list                       # on the embedded emulator
//	go run ./examples/list -filter "status eq 'offboardRequested'"
//	go run ./examples/list -kind site
//	go run ./examples/list -tenant <tenant-id> -client-id <app-id>   # Microsoft Graph
//
// -h prints every flag and the rules (examples/internal/cli). Exit status:
// 0 done, 1 the listing failed (a filter the service refuses included), 2
// a usage error.
package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"text/tabwriter"

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
	Name: "list",
	Summary: `Lists protection units (GET /solutions/backupRestore/protectionUnits,
every page) as a table of kind, ID, name, status and policy, then counts
them per status. -kind lists one kind through its type cast; -filter is
sent as $filter, and the service judges it (a filter it refuses ends the
listing with its 400, exit status 1).`,
	Examples: []string{
		"go run ./examples/list",
		`go run ./examples/list -kind site -filter "status eq 'offboardRequested'"`,
		"go run ./examples/list -tenant contoso.onmicrosoft.com -client-id <app-id>",
	},
}

// run is the program: it parses args, does the job, and returns the exit
// status (cli.Exit*).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	p := cli.New(spec, stdout, stderr)
	filter := p.Flags().String("filter", "", "OData $filter `expression`, e.g. \"status eq 'offboardRequested'\"")
	kind := cli.Choice(p.Flags(), "kind", "", []string{"site", "drive", "mailbox"}, "list only units of one `kind`")
	units := cli.IntRange(p.Flags(), "units", 40, 0, 100_000, "`n` random units to seed the emulator with")
	p.EmulatorOnly("units")
	t, err := p.Parse(args)
	if err == nil {
		err = list(ctx, stdout, t, *units, *kind, *filter)
	}
	return p.Exit(err)
}

// list is the job, on either target.
func list(ctx context.Context, out io.Writer, t cli.Target, units int, kind, filter string) error {
	var c *backuprestore.Client
	var err error
	if t.Graph {
		c, err = t.NewGraphClient(nil)
		if err == nil {
			fmt.Fprintf(out, "Listing %s\n\n", t)
		}
	} else {
		srv := fake.NewServer(nil)
		srv.Seed(units)
		c, err = cli.NewEmulatorClient(srv, nil)
		if err == nil {
			fmt.Fprintf(out, "Listing %s, seeded with %d random units\n\n", t, units)
		}
	}
	if err != nil {
		return err
	}
	coll := c.ProtectionUnits()
	switch kind {
	case "site":
		coll = coll.Sites()
	case "drive":
		coll = coll.Drives()
	case "mailbox":
		coll = coll.Mailboxes()
	}

	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tID\tNAME\tSTATUS\tPOLICY")
	perStatus := map[models.ProtectionUnitStatus]int{}
	total := 0
	for u, err := range coll.All(ctx, &backuprestore.ListOptions{Filter: filter}) {
		if err != nil {
			_ = tw.Flush()
			return fmt.Errorf("listing stopped after %d units: %w", total, err)
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
	for _, s := range slices.Sorted(maps.Keys(perStatus)) {
		fmt.Fprintf(out, "  %-24s %d\n", s, perStatus[s])
	}
	return nil
}
