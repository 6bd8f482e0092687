package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/spf13/cobra"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/fake"
)

// streams are the process's standard streams and environment, replaced by
// tests.
type streams struct {
	in                    io.Reader
	out, err              io.Writer
	inTTY, outTTY, errTTY bool
	// outWidth and errWidth are the widths of the terminals stdout and
	// stderr are (0: not a terminal, or unknown): tables fit them.
	outWidth, errWidth int
	getenv             func(string) string
}

// globalFlags are the flags every command takes.
type globalFlags struct {
	emulator    bool
	emulatorURL string
	tenant      string
	clientID    string
	auth        string
	output      string
	journal     string
	yes         bool
	quiet       bool
	verbose     bool
	// wide and noHeaders are the tables' --wide and --no-headers.
	wide      bool
	noHeaders bool
	// profile, emulatorCA and allowUnencryptedCache are the sign-in's
	// flags (auth.go).
	profile               string
	emulatorCA            string
	allowUnencryptedCache bool
}

// app is one invocation of the command line.
type app struct {
	streams
	g globalFlags
	// embedded returns the emulator --emulator runs against; nil means
	// newEmbeddedEmulator. Tests set it to share one emulator between
	// invocations, or to freeze its clock.
	embedded func() *fake.Server
	// embeddedCred is the credential used with --emulator; nil means
	// fake.NewDelegatedCredential(). Tests set it to exercise 401s, 403s
	// and credential failures.
	embeddedCred azcore.TokenCredential
	// wrapTransport, when set, wraps the embedded emulator's transport:
	// tests use it to lose answers on the way back.
	wrapTransport func(http.RoundTripper) http.RoundTripper
	// need is the permission the running command needs, named when the
	// service refuses the token.
	need string
	// dryRun is set by a run that writes nothing: it asks for read scopes.
	dryRun bool
	// openCache, when set, replaces azidentity/cache.New (tests play a
	// machine without protected storage with it).
	openCache func(name string) (azidentity.Cache, error)
	// entered is set once a command's RunE starts: an error before that
	// is cobra's (usage), after it the command's.
	entered bool
	// code is the exit code a command chose without failing (from its
	// units' outcomes).
	code int
	// allowSkipped: --allow-skipped (skipped units do not make exit 1).
	allowSkipped bool
	// runEP is the endpoint of the run a command started or resumed, for
	// the command that continues it.
	runEP *endpoint
	// noContinue: the run shown cannot be continued (status of an earlier
	// or abandoned run): no resume command is suggested.
	noContinue bool
	// operator is the signed-in user the token names (for the audit of a
	// run); "" when the token names none.
	operator string
	// args are the command line's arguments, for the audit of a run.
	args []string
	// log is the CLI's own logger (stderr at debug with --verbose).
	log *slog.Logger
	// cleanup runs when the invocation ends (closes journals).
	cleanup []func()
}

// run executes the command line args and returns the exit code.
func run(ctx context.Context, args []string, s streams) int {
	a := &app{streams: s}
	return a.execute(ctx, args)
}

// execute runs args on a and returns the exit code.
func (a *app) execute(ctx context.Context, args []string) int {
	if a.getenv == nil {
		a.getenv = func(string) string { return "" }
	}
	a.args = args
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(a.in)
	root.SetOut(a.out)
	root.SetErr(a.err)
	_, err := root.ExecuteContextC(ctx)
	for i := len(a.cleanup) - 1; i >= 0; i-- {
		a.cleanup[i]()
	}
	sigCode, interrupted := interruptCode(ctx)
	if err == nil {
		if interrupted && a.entered {
			return sigCode
		}
		return a.code
	}
	code, msg := classify(err, a.need)
	code = max(code, a.code) // a run that stopped keeps its units' code when that is worse
	switch {
	case !a.entered:
		code = exitUsage
		msg += "\nRun 'backuprestore --help' for usage."
	case interrupted:
		code = sigCode
	}
	fmt.Fprintln(a.err, "backuprestore: "+cleanMessage(msg))
	return code
}

// rootHelp is the root command's long help.
var rootHelp = `backuprestore manages Microsoft 365 Backup through Microsoft Graph: list
protection units and policies, show the tenant's backup service status;
protect sites, OneDrive accounts and mailboxes (policies, inclusion rules,
onboard: bulk addition jobs, a result per input line); offboard many units at
once (remove each from its policy, wait until the removal completes,
offboard, verify) or cancel their offboarding. Every run is kept in a
crash-safe journal (runs list, status, an HTML report for a change ticket)
that lets an interrupted run resume without sending any action twice.

Try it with no tenant: --emulator runs every command against an embedded,
seeded emulator of the Backup Storage API (nothing leaves your machine):

  backuprestore --emulator units list
  backuprestore --emulator offboard --dry-run --user AdeleV@contoso.onmicrosoft.com \
      https://contoso.sharepoint.com/sites/ProductLaunch2026     # the plan: 3 units
  backuprestore --emulator offboard --yes --user AdeleV@contoso.onmicrosoft.com   # done in seconds

The embedded emulator starts afresh in every process: what one command
changes, the next one does not see. For state that lasts between commands,
run the standalone emulator (go run github.com/m365kit/backuprestore/cmd/emulator@latest,
or go run ./cmd/emulator in a checkout) and pass the URL it prints:

  backuprestore --emulator-url http://127.0.0.1:8080/v1.0 units list

Against your tenant, sign in once (the browser opens; --device-code on a
machine without one); later commands sign in silently:

  backuprestore auth login --tenant contoso.onmicrosoft.com
  backuprestore units list --status unprotected
  backuprestore offboard --dry-run --from sites.txt     # the plan; writes nothing
  backuprestore offboard --from sites.txt               # asks before writing
  backuprestore onboard "Sales mailboxes" --from people.csv --column Mail

Targets (offboard, cancel-offboard) are unit IDs, site URLs, people's e-mail
addresses or directory object IDs (a person's OneDrive and mailbox both;
--kind drive or mailbox for one), as arguments, --user ADDRESS, one per line
in --from FILE (or a CSV column with --column NAME), or on stdin with "-".

Output: tables for people fit the terminal (--wide shows everything,
--no-headers drops the header row) and colour outcomes (unless NO_COLOR is
set); -o json, jsonl or csv for programs. Names from the tenant are data:
control characters and escape sequences never reach the terminal (shown as
U+FFFD), a CSV cell that a spreadsheet would read as a formula (starting
with = + - @, a tab or a carriage return) is written with a ' before it, and
JSON keeps every value exactly.

Authentication: "auth login" saves a sign-in per --profile (tokens in an
encrypted cache) and every command uses it (--auth profile, the default);
--auth azurecli uses the Azure CLI's sign-in, devicecode or browser sign in
for one run. --tenant and --client-id default to $AZURE_TENANT_ID and
$AZURE_CLIENT_ID. Each command asks only for the scopes it needs, and fails
(exit 4, nothing sent) when the token lacks one. Offboarding needs the
delegated permission
` + permReadWrite + `; reading needs
` + permRead + `, the service status ` + permControlRead + `.

` + exitCodesHelp

// The allowed values of the enumerated flags.
var (
	authValues   = []string{authProfile, "azurecli", "devicecode", "browser"}
	outputValues = []string{"table", "json", "jsonl", "csv", "html"}
)

// rootCommand builds the command tree.
func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "backuprestore",
		Short:         "Manage Microsoft 365 Backup: policies, rules, onboarding and offboarding of protection units",
		Long:          rootHelp,
		Version:       backuprestore.Version,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			a.entered = true
			return a.setup(cmd)
		},
	}
	root.SetVersionTemplate(readBuildInfo().text())
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErrorf("%w", err) })
	f := root.PersistentFlags()
	f.BoolVar(&a.g.emulator, "emulator", false, "run against an embedded, seeded emulator: try the tool with no tenant (it starts afresh in every process; --emulator-url for state that lasts)")
	f.StringVar(&a.g.emulatorURL, "emulator-url", "", "run against a standalone emulator (go run ./cmd/emulator) at this base `URL`, e.g. http://127.0.0.1:8080/v1.0")
	f.StringVar(&a.g.tenant, "tenant", "", "Entra tenant `ID` (default $AZURE_TENANT_ID)")
	f.StringVar(&a.g.clientID, "client-id", "", "application (client) `ID` to sign in with (default $AZURE_CLIENT_ID)")
	a.g.auth = authProfile
	f.Var(newEnum(&a.g.auth, authValues), "auth", "how to sign in: profile (the saved sign-in of auth login), azurecli (az login), devicecode or browser (once, nothing kept)")
	a.addAuthFlags(f)
	a.g.output = "table"
	f.VarP(newEnum(&a.g.output, outputValues), "output", "o", "output format: table, json, jsonl or csv (html: status's report)")
	f.StringVar(&a.g.journal, "journal", "", "the run's journal `FILE` (default in the user's state directory)")
	f.BoolVarP(&a.g.yes, "yes", "y", false, "do not ask for confirmation before writing (for scripts)")
	f.BoolVarP(&a.g.quiet, "quiet", "q", false, "no progress bars, plan or notes on stderr; only results and errors")
	f.BoolVarP(&a.g.verbose, "verbose", "v", false, "log every HTTP attempt (never a token) at debug level to stderr")
	f.BoolVar(&a.g.wide, "wide", false, "tables: show every column in full (on a terminal they fit its width, names truncated)")
	f.BoolVar(&a.g.noHeaders, "no-headers", false, "tables and CSV: leave out the header row")
	_ = root.RegisterFlagCompletionFunc("auth", cobra.FixedCompletions(authValues, cobra.ShellCompDirectiveNoFileComp))
	_ = root.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(outputValues, cobra.ShellCompDirectiveNoFileComp))

	root.AddCommand(a.unitsCommand(), a.policiesCommand(), a.serviceStatusCommand(),
		a.runCommand(actionOffboard), a.runCommand(actionCancel), a.resumeCommand(), a.statusCommand(), a.runsCommand(),
		a.rulesCommand(), a.onboardCommand(), a.authCommand(), a.versionCommand())
	return root
}

// setup checks the global flags and prepares the logger.
func (a *app) setup(cmd *cobra.Command) error {
	if a.g.emulator && a.g.emulatorURL != "" {
		return usageErrorf("--emulator and --emulator-url exclude each other")
	}
	if err := a.checkAuthFlags(); err != nil {
		return err
	}
	if a.g.emulator || a.g.emulatorURL != "" {
		for _, name := range []string{"tenant", "client-id", "auth"} {
			if cmd.Flags().Changed(name) && (name == "auth" || a.g.emulatorCA == "") {
				return usageErrorf("--%s is for Microsoft Graph; it cannot be used with --emulator or --emulator-url", name)
			}
		}
	}
	if a.g.quiet && a.g.verbose {
		return usageErrorf("--quiet and --verbose exclude each other")
	}
	if a.g.output == "html" && cmd.Name() != "status" {
		return usageErrorf("-o html is status's report of a run (status [RUN] -o html > run.html); %s writes table, json, jsonl or csv", cmd.CommandPath())
	}
	level := slog.LevelInfo + 100 // nothing
	if a.g.verbose {
		level = slog.LevelDebug
	}
	a.log = slog.New(slog.NewTextHandler(a.err, &slog.HandlerOptions{Level: level}))
	return nil
}

// notef prints a note for people to stderr, unless --quiet.
func (a *app) notef(format string, args ...any) {
	if a.g.quiet {
		return
	}
	fmt.Fprint(a.err, safeMessage(fmt.Sprintf(format, args...)))
}

// warnf prints a warning to stderr, even with --quiet: it is about the
// result.
func (a *app) warnf(format string, args ...any) {
	fmt.Fprint(a.err, "warning: "+safeMessage(fmt.Sprintf(format, args...)))
}

// enumFlag is a string flag restricted to a list of values.
type enumFlag struct {
	value   *string
	allowed []string
}

// newEnum returns an enumFlag storing into value.
func newEnum(value *string, allowed []string) *enumFlag {
	return &enumFlag{value: value, allowed: allowed}
}

// String implements pflag.Value.
func (e *enumFlag) String() string { return *e.value }

// Set implements pflag.Value: it fails for a value not in the list.
func (e *enumFlag) Set(s string) error {
	if !slices.Contains(e.allowed, s) {
		return fmt.Errorf("%q is not one of %s", s, strings.Join(e.allowed, ", "))
	}
	*e.value = s
	return nil
}

// Type implements pflag.Value; help shows it as the value's name.
func (e *enumFlag) Type() string { return strings.Join(e.allowed, "|") }

// noArgs is cobra.NoArgs as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErrorf("%s takes no arguments, got %q", cmd.CommandPath(), args)
	}
	return nil
}

// exactArgs is cobra.ExactArgs as a usage error.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErrorf("%s takes %d argument(s), got %d", cmd.CommandPath(), n, len(args))
		}
		return nil
	}
}
