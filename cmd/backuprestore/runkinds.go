package main

import (
	"fmt"
	"time"

	"github.com/m365kit/backuprestore/offboarding"
	"github.com/m365kit/backuprestore/onboarding"
)

// A journal holds runs of three actions: offboard and cancel-offboard
// (package offboarding) and onboard (package onboarding). status, runs
// list, runs abandon, resume and the checks before a new run treat each
// run by its action; these are the few facts they need.

// runOpen counts a run's units (an onboarding run's targets) without a
// final outcome: what a resume would take on.
func runOpen(info offboarding.RunInfo, entries []offboarding.Entry) int {
	if info.Action == offboarding.ActionOnboard {
		return onboardOpen(onboarding.StatusOf(info, entries))
	}
	return unfinished(offboarding.StatusOf(info, entries))
}

// runCounts counts a run's units (targets) per outcome, as its journal
// holds them.
func runCounts(info offboarding.RunInfo, entries []offboarding.Entry) map[offboarding.Outcome]int {
	if info.Action == offboarding.ActionOnboard {
		return onboarding.StatusOf(info, entries).Counts()
	}
	return offboarding.StatusOf(info, entries).Count()
}

// actionName is a run's action as the command line names it.
func actionName(a offboarding.Action) string {
	if a == actionCancel {
		return "cancel-offboard"
	}
	return string(a)
}

// describeRun is one line about a run: "offboard run of 12 units started
// 2026-12-01 10:00:00 against the emulator at …", "onboard run of 300
// targets to policy … started …".
func describeRun(info offboarding.RunInfo, ep endpoint) string {
	what, n := "unit", len(info.IDs)
	to := ""
	if info.Action == offboarding.ActionOnboard {
		what, to = "target", " to policy "+info.Policy
	}
	return fmt.Sprintf("%s run of %d %s%s started %s against %s", actionName(info.Action), n, plural(n, what), to,
		info.Started.Local().Format(time.DateTime), ep)
}
