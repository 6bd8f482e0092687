package offboarding

import (
	"fmt"
	"time"

	"github.com/m365kit/backuprestore"
	"github.com/m365kit/backuprestore/internal/bridge"
)

// Options configures a run (New). A nil *Options means the defaults; a
// value out of range makes every method of the Run fail with
// backuprestore.ErrInvalidOptions before anything is sent.
type Options struct {
	// Journal keeps the run's state so it can be resumed; nil means a new
	// MemoryJournal (resumable by this process only).
	Journal Journal
	// DryRun reads the gate and every unit and reports the plan (every
	// unit's Outcome is Planned, with the Stage it would go to, or
	// Already, Skipped or Failed from the read) without writing anything:
	// no PATCH, no POST, nothing in the journal.
	DryRun bool
	// OnProgress, when set, is called as the run advances (after every
	// batch, PATCH and poll), sequentially, from the calling goroutine.
	OnProgress func(Progress)
	// WaitCancelled makes a cancel run also wait until each cancellation
	// completed (the unit back to unprotected).
	WaitCancelled bool
	// ViaRules lets the run take units protected by a dynamic inclusion
	// rule out of their policy through the rule: deleteAndUnprotect of the
	// one dynamic rule of the unit's policy, which unprotects every unit
	// that rule added (Results.RuleChanges lists them all, those outside
	// the run included: show a dry run's plan before setting this), then
	// the run waits until the rule is gone, reads the units again and
	// carries on with those it freed. A unit whose policy has no dynamic
	// rule, or several, is skipped (ReasonRuleAmbiguous). Without it
	// (the default) nothing about rules changes: such units are skipped
	// (ReasonDynamicRule), their rule and ways out in the result.
	ViaRules bool
	// MaxRequeues is how many times a unit whose offboard the service
	// refused with 403 (its removal not settled yet) goes back to waiting,
	// 0 to 20, default 3.
	MaxRequeues int

	// The $batch stages, as backuprestore.BulkOptions: requests per
	// $batch (1 to 20, default 20), batches in flight at most (1 to 64,
	// default 16), tries per unit and write (1 to 100, default 8).
	BatchSize, MaxConcurrency, MaxAttempts int
	// The waiting stages, as backuprestore.WaitOptions: the first delay
	// between polls (default 15 s), the longest (default 5 min), and how
	// long a wait may last before the unit stays Pending (default: no
	// limit but the context).
	PollInterval, MaxPollInterval, WaitTimeout time.Duration

	// Audit, kept in the journal's RunInfo: the signed-in operator (the
	// token's upn), the command line, where the targets came from and the
	// Graph endpoint. The host is the machine's name.
	Operator, CommandLine, Source, Endpoint string
}

const defaultMaxRequeues = 3

// resolved is a run's options checked and filled in.
type resolved struct {
	Options
	bulk backuprestore.BulkOptions
	wait any // a resolved backuprestore.WaitOptions
}

func (o *Options) resolve() (resolved, error) {
	var r resolved
	if o != nil {
		r.Options = *o
	}
	if r.MaxRequeues < 0 || r.MaxRequeues > 20 {
		return r, fmt.Errorf("offboarding: Options.MaxRequeues is %d, want 0 to 20: %w", r.MaxRequeues, backuprestore.ErrInvalidOptions)
	}
	if r.MaxRequeues == 0 {
		r.MaxRequeues = defaultMaxRequeues
	}
	r.bulk = backuprestore.BulkOptions{BatchSize: r.BatchSize, MaxConcurrency: r.MaxConcurrency, MaxAttempts: r.MaxAttempts}
	if err := bridge.CheckBulk(&r.bulk); err != nil {
		return r, fmt.Errorf("offboarding: Options: %w", err)
	}
	w, err := bridge.ResolveWait(&backuprestore.WaitOptions{PollInterval: r.PollInterval, MaxPollInterval: r.MaxPollInterval, Timeout: r.WaitTimeout})
	if err != nil {
		return r, fmt.Errorf("offboarding: Options: %w", err)
	}
	r.wait = w
	if r.Journal == nil {
		r.Journal = NewMemoryJournal()
	}
	return r, nil
}
