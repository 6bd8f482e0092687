package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/fake"
	"github.com/m365kit/backuprestore/models"
	"github.com/m365kit/backuprestore/offboarding"
)

// explicitEndpoint reports whether the command line chose an endpoint
// (rather than leaving it to the journal).
func (a *app) explicitEndpoint(cmd *cobra.Command) bool {
	for _, name := range []string{"emulator", "emulator-url", "tenant", "client-id", "auth"} {
		if cmd.Flags().Changed(name) {
			return true
		}
	}
	return false
}

// resumeEndpoint is the endpoint a resume runs against: the run's own, as
// the journal recorded it, with the sign-in the command line gives (for
// Graph: --auth, and --client-id when set). It fails when the command line
// names another service than the run's.
func (a *app) resumeEndpoint(cmd *cobra.Command, rec endpoint) (endpoint, error) {
	if !a.explicitEndpoint(cmd) {
		if rec.Mode == modeEmbedded {
			return endpoint{}, usageErrorf("the run was against the embedded emulator, which ended with the process that ran it; " +
				"pass --emulator to resume against a new one")
		}
		return rec, nil
	}
	got := a.endpoint()
	mismatch := got.Mode != rec.Mode || (got.Mode == modeURL && got.URL != rec.URL) ||
		(got.Mode == modeGraph && got.Tenant != "" && rec.Tenant != "" && got.Tenant != rec.Tenant)
	if mismatch {
		return endpoint{}, usageErrorf("the run was started against %s; resume continues it there (leave out the flags, or give the same)", rec)
	}
	if got.Mode == modeGraph && got.Tenant == "" {
		got.Tenant = rec.Tenant
	}
	if got.Mode == modeEmbedded {
		a.notef("Note: the embedded emulator starts afresh in every process; this resume runs against a new one.\n")
	}
	return got, nil
}

// openRunJournal opens the journal of the endpoint the command line names
// and loads its run. It fails with a usage error (exit 2) when there is no
// journal or no run in it.
func (a *app) openRunJournal(cmd *cobra.Command, write bool) (*fileJournal, offboarding.RunInfo, endpoint, error) {
	path, err := a.journalPath(a.endpoint().Mode)
	if err != nil {
		return nil, offboarding.RunInfo{}, endpoint{}, err
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, offboarding.RunInfo{}, endpoint{}, usageErrorf("no journal at %s: no run was started there (--journal names another)", path)
	}
	jf, err := openJournal(path, write, cmd.CommandPath())
	if err != nil {
		return nil, offboarding.RunInfo{}, endpoint{}, err
	}
	a.cleanup = append(a.cleanup, func() { _ = jf.close() })
	fj := &fileJournal{f: jf}
	info, ep, _, err := fj.load()
	if errors.Is(err, offboarding.ErrNoRun) {
		return nil, offboarding.RunInfo{}, endpoint{}, usageErrorf("journal %s holds no run", path)
	}
	if err != nil {
		return nil, offboarding.RunInfo{}, endpoint{}, err
	}
	fj.ep = ep
	return fj, info, ep, nil
}

// describeRun is one line about a run: "offboard run of 12 units started
// 2026-12-01 10:00:00 against the emulator at …".
func describeRun(info offboarding.RunInfo, ep endpoint) string {
	action := "offboard"
	if info.Action == actionCancel {
		action = "cancel-offboard"
	}
	return fmt.Sprintf("%s run of %d %s started %s against %s", action, len(info.IDs), plural(len(info.IDs), "unit"),
		info.Started.Local().Format(time.DateTime), ep)
}

// resumeCommand is "resume".
func (a *app) resumeCommand() *cobra.Command {
	var w waitFlags
	cmd := &cobra.Command{
		Use:   "resume",
		Short: "Continue the journal's interrupted run, sending nothing twice",
		Long: `Continue the run the journal holds (after a crash, Ctrl-C or a wait that timed
out), against the service it was started on: units already finished keep
their outcome; every other unit is read again and taken on from its state,
with the journal's record of what was sent as evidence, so no action is sent
twice. Writes in doubt (sent, answer lost) are settled by reading back.
It does not ask for confirmation: the run was confirmed when it started.

` + exitCodesHelp,
		Example: "  backuprestore resume\n  backuprestore resume --journal run-2026-12-01.db",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a.need = permReadWrite
			ctx := cmd.Context()
			fj, info, rec, err := a.openRunJournal(cmd, true)
			if err != nil {
				return err
			}
			ep, err := a.resumeEndpoint(cmd, rec)
			if err != nil {
				return err
			}
			opts, err := a.runOptions(ep, w)
			if err != nil {
				return err
			}
			c, err := a.connect(ctx, ep)
			if err != nil {
				return err
			}
			a.notef("Resuming the %s (journal %s).\n", describeRun(info, rec), fj.f.path)
			opts.Journal = fj
			res, err := a.runWithProgress(ctx, c, opts, func(run *offboarding.Run) (*offboarding.Results, error) {
				return run.Resume(ctx)
			})
			out := &runOutput{units: map[string]*models.ProtectionUnit{}, policies: a.policyNames(ctx, c)}
			return a.finish(out, res, err, "summary")
		},
	}
	addWaitFlags(cmd, &w)
	return cmd
}

// statusCommand is "status".
func (a *app) statusCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show the journal's run: done, pending, in doubt per unit (no network)",
		Long: `Show the run the journal holds, from the journal alone (nothing is sent): each
unit's stage and outcome. "unknown" marks a unit in doubt: a write was sent
and its outcome not recorded (the process died); resume reads it back first.
The exit code is the run's, as if it ended now.

` + exitCodesHelp,
		Example: "  backuprestore status\n  backuprestore --emulator-url http://127.0.0.1:8080/v1.0 status --output csv",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fj, info, rec, err := a.openRunJournal(cmd, false)
			if err != nil {
				return err
			}
			// A client that cannot reach anything: Status reads the
			// journal only, and this proves it.
			c, err := backuprestore.NewClient(fake.NewOpaqueCredential("status-reads-no-network"),
				&backuprestore.Options{BaseURL: fake.DefaultBaseURL, Logger: a.log})
			if err != nil {
				return err
			}
			res, err := offboarding.New(c, &offboarding.Options{Journal: fj}).Status(cmd.Context())
			if err != nil {
				return err
			}
			a.notef("The %s (journal %s).\n", describeRun(info, rec), fj.f.path)
			out := &runOutput{lastStatus: map[string]models.ProtectionUnitStatus{}}
			_, entries, err := fj.Load(cmd.Context())
			if err != nil {
				return err
			}
			for _, e := range entries {
				if e.Status != "" {
					out.lastStatus[e.UnitID] = e.Status
				}
			}
			return a.finish(out, res, nil, "status")
		},
	}
}
