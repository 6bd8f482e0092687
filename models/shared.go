package models

import (
	"hash/maphash"
	"sync/atomic"
)

// sharedSlots is a direct-mapped cache of recently decoded strings: a
// value that repeats from unit to unit (an admin's name, an application's
// ID, a policy's ID) is found in its slot and reused instead of allocated
// again. A collision just replaces the slot; the cache never grows, holds
// nothing alive beyond 4,096 strings, and needs no lock (each slot is an
// atomic pointer). Written by hand because unique.Make, which does the same
// for good, cost 2.5× the decoding time of a unit (a concurrent map with
// weak pointers), where this costs a hash and a compare.
var (
	sharedSlots [4096]atomic.Pointer[string]
	sharedSeed  = maphash.MakeSeed()
)

// shared returns b as a string, reusing the cached one when it is equal.
func shared(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > 256 { // long values rarely repeat; not worth a slot
		return string(b)
	}
	slot := &sharedSlots[maphash.Bytes(sharedSeed, b)%uint64(len(sharedSlots))]
	if p := slot.Load(); p != nil && *p == string(b) {
		return *p
	}
	s := string(b)
	slot.Store(&s)
	return s
}
