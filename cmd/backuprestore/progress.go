package main

import (
	"fmt"
	"io"

	"github.com/schollz/progressbar/v3"

	"github.com/m365kit/backuprestore/offboarding"
)

// stageLabels name the stages on the progress bars.
var stageLabels = map[offboarding.Stage]string{
	offboarding.StageRead:          "reading units",
	offboarding.StageRemove:        "removing from policies",
	offboarding.StageWaitRemoved:   "waiting for removal",
	offboarding.StageOffboard:      "offboarding",
	offboarding.StageCancel:        "cancelling offboarding",
	offboarding.StageWaitCancelled: "waiting for cancellation",
	offboarding.StageRuleChange:    "changing rules",
	offboarding.StageAddJob:        "adding (bulk jobs)",
	offboarding.StageWaitJob:       "adding (bulk jobs)",
}

// stageBars draws one progress bar per stage of a run on a terminal: the
// units the stage started with that have left it, out of their number; the
// outcomes are in the summary that follows. A bar ends (and stays on
// screen) when the next stage starts: every unit has left the stage then,
// so it ends full; the last one ends full when the run ends as a whole,
// and where it stood when the run was stopped.
type stageBars struct {
	w     io.Writer
	bar   *progressbar.ProgressBar
	stage offboarding.Stage
}

// progress returns the OnProgress callback of a run and the function that
// ends its last bar (complete: the run went through to its end); both are
// no-ops unless stderr is a terminal and --quiet is off.
func (a *app) progress() (func(offboarding.Progress), func(complete bool)) {
	if !a.errTTY || a.g.quiet {
		return nil, func(bool) {}
	}
	b := &stageBars{w: a.err}
	return b.update, b.end
}

// update implements RunOptions.OnProgress.
func (b *stageBars) update(p offboarding.Progress) {
	if b.bar == nil || p.Stage != b.stage {
		b.end(true)
		b.stage = p.Stage
		label := stageLabels[p.Stage]
		if label == "" {
			label = p.Stage.String()
		}
		b.bar = progressbar.NewOptions(max(p.StageTotal, 1),
			progressbar.OptionSetWriter(b.w),
			progressbar.OptionSetDescription(fmt.Sprintf("%-24s", label)),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionSetRenderBlankState(true),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(b.w) }),
		)
	}
	// The units the stage started with that have left it (on to the
	// next stage, or finished).
	_ = b.bar.Set(min(p.StageDone, max(p.StageTotal, 1)))
}

// end ends the current bar, leaving it on screen: full when the stage is
// complete, where it stood otherwise.
func (b *stageBars) end(complete bool) {
	if b.bar == nil {
		return
	}
	if complete && !b.bar.IsFinished() {
		_ = b.bar.Finish()
	}
	if !b.bar.IsFinished() {
		_ = b.bar.Exit()
	}
	b.bar = nil
}
