package backuprestore

import "testing"

// Brent's detection catches every loop of links, in constant memory,
// by about twice the number of links up to the end of its first lap.
func TestBrentCatchesLoops(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		prefix, loop int
	}{{0, 1}, {0, 2}, {3, 5}, {10, 1}, {7, 64}, {100, 3}} {
		var b brent
		b.see("")
		seq := func(i int) string {
			if i < tc.prefix {
				return "p" + itoa(i)
			}
			return "l" + itoa((i-tc.prefix)%tc.loop)
		}
		caught := -1
		for i := 0; i < 4*(tc.prefix+tc.loop)+4; i++ {
			if b.see(seq(i)) {
				caught = i
				break
			}
		}
		if caught < 0 || caught > 2*(tc.prefix+tc.loop)+tc.loop {
			t.Fatalf("prefix %d loop %d: caught at %d", tc.prefix, tc.loop, caught)
		}
	}
	var b brent
	b.see("")
	for i := range 10000 {
		if b.see("distinct" + itoa(i)) {
			t.Fatal("a loop reported in distinct links")
		}
	}
}
