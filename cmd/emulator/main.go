// Command emulator serves the in-memory Backup Storage protection-unit
// emulator (package fake, with the control API and CORS of package
// fake/control) over HTTP, so that any client in any language can
// develop and test against it: curl, msgraph-sdk-go, the other Graph SDKs.
//
//	go run ./cmd/emulator -listen 127.0.0.1:8080 -units 50
//
// The first line of its output is the base URL to give a client
// (http://127.0.0.1:8080/v1.0; with -listen 127.0.0.1:0 the real port).
// Any bearer token works unless -strict-auth is given: an opaque token
// counts as delegated BackupRestore-Configuration.ReadWrite.All, and
// unsigned JWTs carrying scp or roles (fake.Credential mints them) are
// checked against the documented permission table.
//
//	curl -H 'Authorization: Bearer x' -H 'Prefer: include-unknown-enum-members' \
//	  http://127.0.0.1:8080/v1.0/solutions/backupRestore/protectionUnits
//
// It also serves the policy side of the lifecycle: six seeded policies (two
// per workload) under /solutions/backupRestore/protectionPolicies and the
// typed …ProtectionPolicies collections, each policy's own view of its
// units, the "…ProtectionUnits@delta" PATCH that adds and removes units
// (removeRequested becomes removed after -removal-delay), and the tenant's
// serviceStatus at GET /solutions/backupRestore.
//
// The emulator's control API is under /_emulator/ (no token): advance the
// clock (POST /_emulator/clock?advance=90d), seed units, inject faults
// (POST /_emulator/faults), throttle (POST /_emulator/throttle?appTenant=5/10),
// read the transitions and the request log, list policies, change the
// service status and the PATCH's settings. GET /_emulator/ lists every
// endpoint as JSON, and emulator -h prints the same list.
//
// It models Graph throttling when asked (-throttle RATE[/BURST]: token
// buckets, one token per request or $batch item, 429 with Retry-After when
// empty), and answers browsers' CORS preflights, so a page on another
// origin can call it (-cors-origins restricts the origins).
//
// It stops cleanly on SIGINT or SIGTERM. Bad flags are a usage error: exit
// status 2.
//
// Flags:
//
//	-listen addr        address to listen on (default 127.0.0.1:8080)
//	-units n            number of realistic units to seed (default 50)
//	-seed n             seed of every random choice (default 0)
//	-strict-auth        reject opaque bearer tokens with 401
//	-page-size n        page size of lists (default 100)
//	-grace d            grace period before offboardRequested becomes offboarded (default 90d)
//	-cancel-delay d     delay before cancelOffboardRequested becomes unprotected (default 5s)
//	-start t            the emulator clock's start, RFC 3339 (default: now)
//	-frozen-clock       keep the clock still; it then moves only through the control API
//	-throttle r[/b]     throttle each app in each tenant to r requests ($batch items) per second, bursts of b
//	-throttle-app r[/b] the same per app across tenants
//	-throttle-tenant r[/b] the same per tenant across apps
//	-cors-origins list  browser origins allowed to call it, comma-separated (default *: any; "" none)
//	-protect-delay d    delay before protectRequested becomes protected (default 5s)
//	-removal-delay d    delay before removeRequested becomes removed from its policy (default 5s)
//	-rule-delay d       delay before an inclusion rule's evaluation is applied (default 5s)
//	-job-delay d        delay before a bulk addition job adds its items (default 5s)
//	-directory n        sites and people of the tenant outside any policy (for onboard and rules)
//	-realistic-delays   protect 15m, removal 10m, cancel 1h, rule 2m, job 5m (package fake's
//	                    delays) unless given explicitly; the 5 s defaults make a demo run of
//	                    backuprestore take seconds
//	-delta-error-shape s  how a policy PATCH reports a failed item: dataModificationException
//	                    (default, the update pages' shape) or publicError (the error-codes page's)
//	-max-delta-items n  the most items of one policy PATCH (default 50; -1: no cap)
//	-service-status s   the tenant's initial serviceStatus.status: enabled (default), disabled,
//	                    protectionChangeLocked or restoreLocked (all but enabled refuse policy PATCHes)
//	-tls                serve HTTPS with a self-signed certificate (the first line is then https://…/v1.0)
//	-tls-cert-out f     write that certificate (PEM) to f, for clients to trust
//	-identity           also play Microsoft Entra ID on the same port (needs -tls; package fake/identity):
//	                    the authority host is https://HOST:PORT/, GET /_emulator/identity names the
//	                    tenant, the public client and the user; with -strict-auth, Graph accepts only
//	                    the access tokens it signed
//	-identity-manual-approve  device codes wait for POST /_emulator/identity/device?user_code=…&approve=true|false
//	-identity-token-lifetime d  the access tokens' lifetime (default 1h)
//	-identity-device-code-lifetime d  how long a device code can be approved (default 15m)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/fake/control"
	"github.com/m365kit/backuprestore/models"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "emulator:", err)
		var ue *usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// demoDelay is the default of -protect-delay, -removal-delay,
// -cancel-delay, -rule-delay and -job-delay: a few seconds, so that a demo run of backuprestore
// (offboard: remove, wait for the removal, offboard) against the emulator
// ends in seconds, as the tool's polling of an emulator (every second,
// growing to 2 s at most) expects. -realistic-delays restores the package
// fake's delays.
const demoDelay = 5 * time.Second

// realisticDelays are the delays of -realistic-delays: package fake's.
var realisticDelays = map[string]time.Duration{
	"protect-delay": fake.DefaultProtectDelay,
	"removal-delay": fake.DefaultRemovalDelay,
	"cancel-delay":  fake.DefaultCancelDelay,
	"rule-delay":    fake.DefaultRuleDelay,
	"job-delay":     fake.DefaultJobDelay,
}

// usageError is an error in the command line (exit status 2).
type usageError struct{ err error }

// Error implements error.
func (e *usageError) Error() string { return e.err.Error() }

// Unwrap returns the underlying error.
func (e *usageError) Unwrap() error { return e.err }

// days is a flag.Value holding a duration written as a Go duration
// ("36h") or as days ("90d").
type days time.Duration

// String implements flag.Value.
func (d *days) String() string { return time.Duration(*d).String() }

// Set implements flag.Value.
func (d *days) Set(s string) error {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		f, err := strconv.ParseFloat(n, 64)
		if err != nil || f <= 0 {
			return fmt.Errorf("invalid number of days %q", s)
		}
		*d = days(f * float64(24*time.Hour))
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v <= 0 {
		return fmt.Errorf("invalid duration %q (use e.g. 90d, 36h or 15m)", s)
	}
	*d = days(v)
	return nil
}

// run parses args, serves the emulator until ctx ends, then shuts it down.
// The first line written to stdout is the base URL.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("emulator", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on")
	units := fs.Int("units", 50, "number of realistic units to seed")
	seed := fs.Uint64("seed", 0, "seed of every random choice")
	strict := fs.Bool("strict-auth", false, "reject opaque (non-JWT) bearer tokens with 401")
	pageSize := fs.Int("page-size", fake.DefaultPageSize, "page size of lists")
	grace := days(fake.DefaultGracePeriod)
	fs.Var(&grace, "grace", "grace period before offboardRequested becomes offboarded (e.g. 90d)")
	cancelDelay := days(demoDelay)
	fs.Var(&cancelDelay, "cancel-delay", "delay before cancelOffboardRequested becomes unprotected (e.g. 1h; 1h with -realistic-delays)")
	start := fs.String("start", "", "the emulator clock's start, RFC 3339 (default: now)")
	frozen := fs.Bool("frozen-clock", false, "keep the emulator clock still (move it with POST /_emulator/clock)")
	var throttle fake.ThrottleOptions
	fs.Var(limitFlag{&throttle.AppTenant}, "throttle", "throttle each app in each tenant to `RATE[/BURST]`: RATE requests ($batch items) per second, bursts of BURST (default ceil(RATE)); beyond, 429 with Retry-After")
	fs.Var(limitFlag{&throttle.App}, "throttle-app", "throttle each app, across tenants, to `RATE[/BURST]`")
	fs.Var(limitFlag{&throttle.Tenant}, "throttle-tenant", "throttle each tenant, across apps, to `RATE[/BURST]`")
	corsOrigins := fs.String("cors-origins", "*", "browser `origins` allowed to call the emulator, comma-separated (e.g. http://localhost:3000); * allows any, \"\" none")
	fs.Usage = func() { usage(fs) }
	protectDelay := days(demoDelay)
	fs.Var(&protectDelay, "protect-delay", "delay before protectRequested becomes protected (e.g. 15m; 15m with -realistic-delays)")
	removalDelay := days(demoDelay)
	fs.Var(&removalDelay, "removal-delay", "delay before removeRequested becomes removed from its policy (e.g. 10m; 10m with -realistic-delays)")
	realistic := fs.Bool("realistic-delays", false, "the package fake's delays, closer to the service's: protect 15m, removal 10m, cancel 1h (a flag given explicitly wins)")
	shapeName := fs.String("delta-error-shape", fake.DeltaErrorDataModification.String(),
		"how a policy PATCH reports a failed item: dataModificationException or publicError")
	maxDelta := fs.Int("max-delta-items", fake.DefaultMaxDeltaItems, "the most items of one policy PATCH (-1: no cap)")
	serviceStatus := fs.String("service-status", string(models.ServiceEnabled),
		"the initial serviceStatus.status: enabled, disabled, protectionChangeLocked or restoreLocked")
	directory := fs.Int("directory", 0, "number of sites and of people the tenant has that no policy protects yet (project-site-N, personN@contoso.onmicrosoft.com): targets for bulk addition jobs and rules")
	ruleDelay := days(demoDelay)
	fs.Var(&ruleDelay, "rule-delay", "delay before an inclusion rule's evaluation (create, run, update, deleteAndUnprotect) is applied (e.g. 2m; 2m with -realistic-delays)")
	jobDelay := days(demoDelay)
	fs.Var(&jobDelay, "job-delay", "delay before a bulk addition job adds its items (e.g. 5m; 5m with -realistic-delays)")
	oneActive := fs.Bool("one-active-policy", false, "refuse a policy create (409 PolicyCreationNotAllowed) while a policy of the workload is not inactive")
	idf := addIdentityFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{err}
	}
	if fs.NArg() > 0 {
		return &usageError{fmt.Errorf("unexpected arguments: %q", fs.Args())}
	}
	if err := idf.check(fs); err != nil {
		return &usageError{err}
	}
	if *realistic {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		for name, d := range map[string]*days{"protect-delay": &protectDelay, "removal-delay": &removalDelay, "cancel-delay": &cancelDelay,
			"rule-delay": &ruleDelay, "job-delay": &jobDelay} {
			if !set[name] {
				*d = days(realisticDelays[name])
			}
		}
	}
	if *units < 0 || *pageSize < 1 || *directory < 0 {
		return &usageError{errors.New("-units and -directory must be ≥ 0 and -page-size ≥ 1")}
	}
	origins, err := parseOrigins(*corsOrigins)
	if err != nil {
		return &usageError{err}
	}
	var throttleOpts *fake.ThrottleOptions
	if throttle != (fake.ThrottleOptions{}) {
		throttleOpts = &throttle
	}
	shape, err := fake.ParseDeltaErrorShape(*shapeName)
	if err != nil {
		return &usageError{fmt.Errorf("-delta-error-shape: %w", err)}
	}
	if *maxDelta == 0 || *maxDelta < -1 {
		return &usageError{errors.New("-max-delta-items must be ≥ 1, or -1 for no cap")}
	}
	status := models.BackupServiceStatus(*serviceStatus)
	if !status.IsKnown() || status == models.ServiceUnknownFutureValue {
		return &usageError{fmt.Errorf("-service-status: unknown status %q (want enabled, disabled, protectionChangeLocked or restoreLocked)", *serviceStatus)}
	}
	startTime := time.Now().UTC().Truncate(time.Second)
	if *start != "" {
		t, err := time.Parse(time.RFC3339Nano, *start)
		if err != nil {
			return &usageError{fmt.Errorf("-start: %w", err)}
		}
		startTime = t
	}

	opts := &fake.Options{
		PageSize: *pageSize, GracePeriod: time.Duration(grace), CancelDelay: time.Duration(cancelDelay),
		ProtectDelay: time.Duration(protectDelay), RemovalDelay: time.Duration(removalDelay),
		DeltaErrorShape: shape, MaxDeltaItems: *maxDelta, ServiceStatus: status,
		Start: startTime, RealTimeClock: !*frozen, Seed: *seed, StrictAuth: *strict,
		Throttle: throttleOpts, RuleDelay: time.Duration(ruleDelay), JobDelay: time.Duration(jobDelay),
		OneActivePolicyPerWorkload: *oneActive,
	}
	if err := idf.configure(opts); err != nil {
		return err
	}
	srv := fake.NewServer(opts)
	policies := len(srv.SeedPolicies())
	srv.Seed(*units)
	srv.SeedDirectory(*directory)

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	handler, tln, scheme, err := idf.wrap(control.New(srv, &control.Options{CORSOrigins: origins}), ln)
	if err != nil {
		_ = ln.Close()
		return err
	}
	ln = tln
	hs := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	origin := scheme + "://" + ln.Addr().String()
	baseURL := origin + "/v1.0"
	fmt.Fprintln(stdout, baseURL)
	fmt.Fprintf(stdout, "serving %d protection units and %d protection policies (seed %d, service status %s); control API at %s/_emulator/\n",
		*units, policies, *seed, status, origin)
	idf.describe(stdout, origin)
	if throttleOpts != nil {
		fmt.Fprintf(stdout, "throttling per second: app %s, tenant %s, app+tenant %s\n", throttle.App, throttle.Tenant, throttle.AppTenant)
	}
	fmt.Fprintf(stdout, "try: curl -H 'Authorization: Bearer x' -H 'Prefer: include-unknown-enum-members' %s/solutions/backupRestore/protectionUnits\n", baseURL)

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
