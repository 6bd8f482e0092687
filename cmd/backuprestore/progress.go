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
}

// stageBars draws one progress bar per stage of a run on a terminal: the
// run's units finished (RunProgress.Done) out of its total; the outcomes
// are in the summary that follows. A bar ends (and stays on screen) when
// the next stage starts.
type stageBars struct {
	w     io.Writer
	bar   *progressbar.ProgressBar
	stage offboarding.Stage
}

// progress returns the OnProgress callback of a run and the function that
// ends its last bar; both are no-ops unless stderr is a terminal and
// --quiet is off.
func (a *app) progress() (func(offboarding.Progress), func()) {
	if !a.errTTY || a.g.quiet {
		return nil, func() {}
	}
	b := &stageBars{w: a.err}
	return b.update, b.end
}

// update implements RunOptions.OnProgress.
func (b *stageBars) update(p offboarding.Progress) {
	if b.bar == nil || p.Stage != b.stage {
		b.end()
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

// end ends the current bar, leaving it on screen.
func (b *stageBars) end() {
	if b.bar == nil {
		return
	}
	if !b.bar.IsFinished() {
		_ = b.bar.Exit()
	}
	b.bar = nil
}
