package backuprestore

import (
	"strconv"

	"github.com/m365kit/backuprestore/internal/errs"
)

// ErrInvalidOptions matches an option value out of its documented range.
// One rule holds for every option of this package (Options, RetryOptions,
// ListOptions, BulkOptions, …): zero means the documented default, a field
// that has an "off" value documents it, and any other value out of range is
// rejected with this error, never silently replaced. NewClient returns it;
// a listing yields it before sending anything; a bulk call reports it as
// every unit's error (with ErrNotSent).
var ErrInvalidOptions error = errs.New("backuprestore: invalid option")

// checkRange rejects v outside [lo, hi]; zero (the default) always passes.
func checkRange(name string, v, lo, hi int) error {
	if v == 0 || (v >= lo && v <= hi) {
		return nil
	}
	return wrapErr(name+" is "+strconv.Itoa(v)+", want "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi)+" (or 0 for the default)", ErrInvalidOptions)
}

// orDefault returns v, or def when v is zero.
func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}
