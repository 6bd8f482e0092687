package fake

import (
	"math/rand/v2"
	"slices"
	"strconv"
)

// itoa formats n in decimal.
func itoa(n int) string { return strconv.Itoa(n) }

// sortStrings sorts ids ascending (byte order, as $orderby=id does).
func sortStrings(ids []string) { slices.Sort(ids) }

// newGUID returns a random GUID for request-id headers. It uses the
// runtime's per-goroutine generator: fast, safe for concurrent use, and not
// part of the emulator's deterministic streams.
func newGUID() string { return guidFrom(rand.Uint64(), rand.Uint64()) }

// guidFrom formats two 64-bit words as a version-4 GUID.
func guidFrom(hi, lo uint64) string {
	const hex = "0123456789abcdef"
	hi = hi&^(0xf<<12) | 4<<12 // version 4
	lo = lo&^(0x3<<62) | 2<<62 // RFC 4122 variant
	var b [36]byte
	j := 0
	for i := 0; i < 16; i++ {
		if j == 8 || j == 13 || j == 18 || j == 23 {
			b[j] = '-'
			j++
		}
		var v byte
		if i < 8 {
			v = byte(hi >> (56 - 8*i))
		} else {
			v = byte(lo >> (56 - 8*(i-8)))
		}
		b[j], b[j+1] = hex[v>>4], hex[v&0xf]
		j += 2
	}
	return string(b[:])
}

// seededGUID draws a GUID from a deterministic stream.
func seededGUID(r *rand.Rand) string { return guidFrom(r.Uint64(), r.Uint64()) }
