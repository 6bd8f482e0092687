package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Spec describes an example program for its usage text.
type Spec struct {
	// Name is the program's name, e.g. "cancel-offboard".
	Name string
	// Summary says what the program does: lines already wrapped,
	// paragraphs separated by blank lines.
	Summary string
	// Examples are command lines, e.g. "go run ./examples/cancel-offboard".
	Examples []string
}

// Program is one example's command line: the common flags plus its own,
// defined on Flags before Parse.
type Program struct {
	spec           Spec
	stdout, stderr io.Writer
	fs             *flag.FlagSet

	emulator         bool
	tenant, clientID string
	signIn           *string

	emulatorOnly  []string
	graphRequires []required
}

// required is a flag Microsoft Graph cannot do without, and what it gives.
type required struct{ name, what string }

// New returns a Program with the common flags defined: -emulator, -tenant,
// -client-id and -signin. Help goes to stdout; errors, the usage after a
// usage error and the device-code sign-in instructions go to stderr.
func New(spec Spec, stdout, stderr io.Writer) *Program {
	p := &Program{spec: spec, stdout: stdout, stderr: stderr, fs: flag.NewFlagSet(spec.Name, flag.ContinueOnError)}
	p.fs.SetOutput(io.Discard) // Parse's errors are reported by Exit
	p.fs.Usage = func() {}
	p.fs.BoolVar(&p.emulator, "emulator", false, "use the embedded emulator, even when a tenant or client ID is set")
	p.fs.StringVar(&p.tenant, "tenant", "", "Entra `tenant` ID or domain: call Microsoft Graph (default $"+EnvTenant+")")
	p.fs.StringVar(&p.clientID, "client-id", "", "application (client) `ID` of a public client app with the delegated permission BackupRestore-Configuration.ReadWrite.All (default $"+EnvClientID+")")
	p.signIn = Choice(p.fs, "signin", string(DeviceCode), signIns, "`method` of signing in to Microsoft Graph (browser needs the redirect URI http://localhost)")
	return p
}

// Flags returns the flag set, for the program's own flags.
func (p *Program) Flags() *flag.FlagSet { return p.fs }

// EmulatorOnly marks flags that only mean something on the embedded
// emulator (say -units): given against Microsoft Graph, Parse fails with a
// usage error instead of ignoring them.
func (p *Program) EmulatorOnly(names ...string) { p.emulatorOnly = append(p.emulatorOnly, names...) }

// GraphRequires marks a flag Microsoft Graph cannot do without (say -id,
// what: "the unit to act on"): missing against Graph, Parse fails with a
// usage error that says what it gives.
func (p *Program) GraphRequires(name, what string) {
	p.graphRequires = append(p.graphRequires, required{name, what})
}

// Parse parses args and picks the target by the package rule. It returns
// flag.ErrHelp for -h or -help, and a *UsageError for anything wrong on the
// command line: an unknown or malformed flag, a value out of range, an
// argument that is not a flag, a tenant without a client ID (or the
// reverse) from flags or environment, a malformed client ID or tenant, an
// emulator-only flag against Graph, a flag Graph requires missing. It
// sends nothing.
func (p *Program) Parse(args []string) (Target, error) {
	if err := p.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Target{}, err
		}
		return Target{}, &UsageError{Err: err}
	}
	if p.fs.NArg() > 0 {
		return Target{}, Usagef("unexpected argument %q: every input is a flag (see -h)", p.fs.Arg(0))
	}
	tenant, err := lookup(isSet(p.fs, "tenant"), "tenant", p.tenant, EnvTenant)
	if err != nil {
		return Target{}, err
	}
	clientID, err := lookup(isSet(p.fs, "client-id"), "client-id", p.clientID, EnvClientID)
	if err != nil {
		return Target{}, err
	}
	t, err := resolveTarget(p.emulator, tenant, clientID, *p.signIn, isSet(p.fs, "signin"), p.stderr)
	if err != nil {
		return Target{}, err
	}
	if !t.Graph {
		return t, nil
	}
	selected := "selected by " + t.TenantFrom + " and " + t.ClientIDFrom
	for _, name := range p.emulatorOnly {
		if isSet(p.fs, name) {
			return Target{}, Usagef("-%s applies to the embedded emulator only, and Microsoft Graph is %s; drop -%s, or pass -emulator", name, selected, name)
		}
	}
	for _, r := range p.graphRequires {
		if !isSet(p.fs, r.name) {
			return Target{}, Usagef("-%s is required against Microsoft Graph (%s): %s; or pass -emulator", r.name, selected, r.what)
		}
	}
	return t, nil
}

// Exit reports err and returns the exit status: nil → ExitOK; flag.ErrHelp
// → the usage on stdout, ExitOK; a *UsageError → the message and the usage
// on stderr, ExitUsage; anything else → the message (see Explain) on
// stderr, ExitFailure.
func (p *Program) Exit(err error) int {
	var ue *UsageError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, flag.ErrHelp):
		p.WriteUsage(p.stdout)
		return ExitOK
	case errors.As(err, &ue):
		fmt.Fprintf(p.stderr, "%s: %v\n\n", p.spec.Name, ue)
		p.WriteUsage(p.stderr)
		return ExitUsage
	default:
		fmt.Fprintf(p.stderr, "%s: %s\n", p.spec.Name, Explain(err))
		return ExitFailure
	}
}

// WriteUsage writes the usage: what the program does, where it runs, its
// flags, examples and exit statuses.
func (p *Program) WriteUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: %s [flags]\n\n%s\n\n", p.spec.Name, strings.TrimSpace(p.spec.Summary))
	fmt.Fprint(w, `Where it runs:
  By default on the embedded emulator: an in-process copy of the Backup
  Storage API (package fake), seeded with realistic units. Nothing leaves
  the process and no sign-in is needed.

  With a tenant and a client ID, on Microsoft Graph, signed in as a user
  (delegated: offboard and cancelOffboard accept only a delegated
  work-or-school token with BackupRestore-Configuration.ReadWrite.All).
  The tenant is -tenant, else $`+EnvTenant+`; the client ID is -client-id,
  else $`+EnvClientID+`. One without the other is a usage error.
  -emulator always selects the embedded emulator.

Flags:
`)
	p.fs.SetOutput(w)
	p.fs.PrintDefaults()
	p.fs.SetOutput(io.Discard)
	if len(p.spec.Examples) > 0 {
		fmt.Fprint(w, "\nExamples:\n")
		for _, e := range p.spec.Examples {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
	fmt.Fprint(w, `
Exit status: 0 done (or -h); 1 the job failed, and the message says whether
the service answered, nothing was sent, or the outcome is unknown; 2 a usage
error (nothing was sent).
`)
}
