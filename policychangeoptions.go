package backuprestore

// PolicyChangeOptions configures RemoveUnits and AddUnits. A nil
// *PolicyChangeOptions means the defaults; a value out of range fails the
// call with ErrInvalidOptions before anything is sent.
type PolicyChangeOptions struct {
	// MaxAttempts is the most times one change is sent (or tried and
	// refused before it was written), 1 to 100, default 8, as
	// BulkOptions.MaxAttempts. A change still throttled after that fails
	// with the service's 429; one never sent fails with ErrNotSent; one
	// whose answer stayed lost fails with ErrOutcomeUnknown.
	MaxAttempts int
	// OnProgress, when set, is called after every PATCH with the number of
	// changes settled, the total, and how many failed (see Failed).
	// Calls are sequential, from the calling goroutine.
	OnProgress func(done, total, failed int)
}

// resolve checks the options and fills in the defaults.
func (o *PolicyChangeOptions) resolve() (PolicyChangeOptions, error) {
	var v PolicyChangeOptions
	if o != nil {
		v = *o
	}
	if err := checkRange("PolicyChangeOptions.MaxAttempts", v.MaxAttempts, 1, maxBulkAttempts); err != nil {
		return v, err
	}
	v.MaxAttempts = orDefault(v.MaxAttempts, defaultBulkAttempts)
	return v, nil
}
