package backuprestore

import (
	"strconv"
)

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
