package main

import (
	"github.com/spf13/cobra"

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

// resumeCommand is "resume".
func (a *app) resumeCommand() *cobra.Command {
	var w waitFlags
	var allowSkipped bool
	cmd := &cobra.Command{
		Use:   "resume",
		Short: "Continue the journal's interrupted run, sending nothing twice",
		Long: `Continue the journal's latest run (after a crash, Ctrl-C or a wait that timed
out), against the service it was started on: units already finished keep
their outcome; every other unit is read again and taken on from its state,
with the journal's record of what was sent as evidence, so no action is sent
twice. Writes in doubt (sent, answer lost) are settled by reading back. An
onboarding run's jobs in doubt are looked up by their names, never created
twice. It does not ask for confirmation: the run was confirmed when it
started.

` + exitCodesHelp,
		Example: "  backuprestore resume\n  backuprestore resume --journal run-2026-12-01.db",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a.need, a.allowSkipped = permReadWrite, allowSkipped
			ctx := cmd.Context()
			fj, run, err := a.openRunJournal(cmd)
			if err != nil {
				return err
			}
			info, rec := run.info(), run.ep
			ep, err := a.resumeEndpoint(cmd, rec)
			if err != nil {
				return err
			}
			a.runEP = &ep
			opts, err := a.runOptions(ep, w)
			if err != nil {
				return err
			}
			c, err := a.connect(ctx, ep)
			if err != nil {
				return err
			}
			a.notef("Resuming the %s (journal %s).\n", describeRun(info, rec), fj.f.path)
			if info.Action == offboarding.ActionOnboard {
				return a.resumeOnboard(ctx, c, fj, run, w)
			}
			opts.Journal = fj
			opts.Operator = a.operatorName()
			res, err := a.runWithProgress(ctx, c, opts, func(run *offboarding.Run) (*offboarding.Results, error) {
				return run.Resume(ctx)
			})
			out := &runOutput{units: map[string]*models.ProtectionUnit{}, policies: a.policyNames(ctx, c)}
			return a.finish(out, res, err, "summary")
		},
	}
	addWaitFlags(cmd, &w)
	addAllowSkipped(cmd, &allowSkipped)
	return cmd
}
