package offboarding

import "errors"

// The package's sentinels. Test for them with errors.Is. The client's
// (ErrOutcomeUnknown, ErrNotSent, ErrServiceLocked, ErrInvalidOptions, …)
// are package backuprestore's, and a run's errors wrap them.
var (
	// ErrNoRun matches a Journal that holds no run (Load before Start, or a
	// Resume or Status with nothing to resume), and a run ID a History does
	// not hold.
	ErrNoRun = errors.New("offboarding: the journal holds no such run")

	// ErrJournalInUse matches Journal.Start on a journal whose latest run
	// is unfinished (neither finished nor abandoned): resume it, abandon
	// it, or use another journal.
	ErrJournalInUse = errors.New("offboarding: the journal holds an unfinished run")
	// ErrOtherAction is returned by Resume and Status when the journal's
	// latest run is not an offboarding or cancel run (an onboarding run:
	// resume it with package onboarding).
	ErrOtherAction = errors.New("offboarding: the journal's latest run is of another kind")
)
