package backuprestore

import (
	"context"
	"time"

	"github.com/m365kit/backuprestore/internal/bridge"
	"github.com/m365kit/backuprestore/models"
)

// The client's engines, lent to the workflows built on them (package
// offboarding) through internal/bridge: see that package. Nothing here is
// public; the engines know nothing of runs or journals.
func init() {
	bridge.ReadUnits = func(ctx context.Context, c any, ids []string, bulk any) []bridge.UnitRead {
		reads := c.(*Client).readUnits(ctx, ids, bulk.(*BulkOptions))
		out := make([]bridge.UnitRead, len(reads))
		for i, rd := range reads {
			out[i] = bridge.UnitRead{Unit: rd.Unit, Err: rd.Err, Date: rd.date, Recv: rd.recv}
		}
		return out
	}
	bridge.Act = func(ctx context.Context, c any, action string, ids []string, bulk any, hooks bridge.Hooks) {
		r, optErr := newBulkRun(c.(*Client), bulk.(*BulkOptions), actionNamed(action))
		r.hooks = hooks
		r.start(ctx, ids, optErr)
	}
	bridge.RemoveFromPolicy = func(ctx context.Context, c any, kind models.PolicyKind, policyID string, items []bridge.PolicyItem, bulk any, hooks bridge.Hooks) {
		b := bulk.(*BulkOptions)
		o, _ := b.resolve()
		pc := &policyChange{c: c.(*Client), kind: kind, policyID: policyID, remove: true, maxAttempts: o.MaxAttempts, bulk: b, hooks: hooks}
		keys := make([]string, len(items))
		prior := make(map[string]*models.ProtectionUnit, len(items))
		for i, it := range items {
			keys[i] = it.UnitID
			prior[it.UnitID] = it.Prior
		}
		pc.add(keys)
		for _, it := range pc.items {
			it.prior = prior[it.key]
			if hooks.SentBefore != nil {
				if t := hooks.SentBefore(it.key); !t.IsZero() {
					it.ev.maybeActed(t)
				}
			}
		}
		pc.run(ctx)
	}
	bridge.WaitMany = func(ctx context.Context, c any, ids []string, cond any, wait any, bulk any, firstDelay time.Duration,
		done func(string, *models.ProtectionUnit, error), progress func(int)) {
		c.(*Client).waitMany(ctx, ids, cond.(WaitCondition), wait.(WaitOptions), bulk.(*BulkOptions), firstDelay, done, progress)
	}
	bridge.Judge = func(c any, action string, u *models.ProtectionUnit, sent, date, recv time.Time) bridge.Verdict {
		ev := attemptEvidence{subject: c.(*Client).subject()}
		ev.maybeActed(sent)
		switch actionNamed(action).judge(u, ev, date, recv) {
		case applied:
			return bridge.Applied
		case cannotTell:
			return bridge.CannotTell
		}
		return bridge.NotApplied
	}
	bridge.CheckBulk = func(bulk any) error {
		_, err := bulk.(*BulkOptions).resolve()
		return err
	}
	bridge.ResolveWait = func(wait any) (any, error) {
		return wait.(*WaitOptions).resolve()
	}
	bridge.PollInterval = func(wait any) time.Duration { return wait.(WaitOptions).PollInterval }
}
