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
	getenv                func(string) string
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
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(a.in)
	root.SetOut(a.out)
	root.SetErr(a.err)
	_, err := root.ExecuteContextC(ctx)
	for i := len(a.cleanup) - 1; i >= 0; i-- {
		a.cleanup[i]()
	}
	if err == nil {
		return a.code
	}
	code, msg := classify(err, a.need)
	code = max(code, a.code) // a run that stopped keeps its units' code when that is worse
	if !a.entered {
		code = exitUsage
		msg += "\nRun 'backuprestore --help' for usage."
	}
	fmt.Fprintln(a.err, "backuprestore: "+msg)
	return code
}

// rootHelp is the root command's long help.
var rootHelp = `backuprestore manages Microsoft 365 Backup protection units through Microsoft
Graph: list units and policies, show the tenant's backup service status, and
offboard many units at once (remove each from its policy, wait until the
removal completes, offboard, verify) or cancel their offboarding, with a
durable journal that lets an interrupted run resume without sending any
action twice.

Try it with no tenant: --emulator runs every command against an embedded,
seeded emulator of the Backup Storage API (nothing leaves your machine):

  backuprestore --emulator units list
  backuprestore --emulator offboard --dry-run https://contoso.sharepoint.com/sites/Compliance

Against your tenant, sign in once (the browser opens; --device-code on a
machine without one); later commands sign in silently:

  backuprestore auth login --tenant contoso.onmicrosoft.com
  backuprestore units list --status unprotected
  backuprestore offboard --dry-run --from sites.txt     # the plan; writes nothing
  backuprestore offboard --from sites.txt               # asks before writing

Targets (offboard, cancel-offboard) are unit IDs, site URLs, OneDrive or
mailbox e-mail addresses, or directory object IDs: as arguments, one per line
in --from FILE (or a CSV column with --column NAME), or on stdin with "-".

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
	outputValues = []string{"table", "json", "jsonl", "csv"}
)

// rootCommand builds the command tree.
func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "backuprestore",
		Short:         "Offboard, cancel and inspect Microsoft 365 Backup protection units",
		Long:          rootHelp,
		Version:       backuprestore.Version,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			a.entered = true
			return a.setup(cmd)
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErrorf("%w", err) })
	f := root.PersistentFlags()
	f.BoolVar(&a.g.emulator, "emulator", false, "run against an embedded, seeded emulator: try the tool with no tenant")
	f.StringVar(&a.g.emulatorURL, "emulator-url", "", "run against a standalone emulator (go run ./cmd/emulator) at this base `URL`, e.g. http://127.0.0.1:8080/v1.0")
	f.StringVar(&a.g.tenant, "tenant", "", "Entra tenant `ID` (default $AZURE_TENANT_ID)")
	f.StringVar(&a.g.clientID, "client-id", "", "application (client) `ID` to sign in with (default $AZURE_CLIENT_ID)")
	a.g.auth = authProfile
	f.Var(newEnum(&a.g.auth, authValues), "auth", "how to sign in: profile (the saved sign-in of auth login), azurecli (az login), devicecode or browser (once, nothing kept)")
	a.addAuthFlags(f)
	a.g.output = "table"
	f.VarP(newEnum(&a.g.output, outputValues), "output", "o", "output format: table, json, jsonl or csv")
	f.StringVar(&a.g.journal, "journal", "", "the run's journal `FILE` (default in the user's state directory)")
	f.BoolVarP(&a.g.yes, "yes", "y", false, "do not ask for confirmation before writing (for scripts)")
	f.BoolVarP(&a.g.quiet, "quiet", "q", false, "no progress bars, plan or notes on stderr; only results and errors")
	f.BoolVarP(&a.g.verbose, "verbose", "v", false, "log every HTTP attempt (never a token) at debug level to stderr")
	_ = root.RegisterFlagCompletionFunc("auth", cobra.FixedCompletions(authValues, cobra.ShellCompDirectiveNoFileComp))
	_ = root.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(outputValues, cobra.ShellCompDirectiveNoFileComp))

	root.AddCommand(a.unitsCommand(), a.policiesCommand(), a.serviceStatusCommand(),
		a.runCommand(actionOffboard), a.runCommand(actionCancel), a.resumeCommand(), a.statusCommand(), a.authCommand(),
		a.rulesCommand(), a.onboardCommand())
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
	fmt.Fprintf(a.err, format, args...)
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
