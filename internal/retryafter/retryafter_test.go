package retryafter

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"10", 10 * time.Second, true},
		{"2.128", 2128 * time.Millisecond, true},
		{"0.3", 300 * time.Millisecond, true},
		{" 5 ", 5 * time.Second, true},
		{"0", 0, true},
		{"-1", 0, false},
		{"NaN", 0, false},
		{"Inf", 0, false},
		{"1e400", 0, false},
		{"99999999999999", Max, true},
		{"soon", 0, false},
		{"Sat, 28 Nov 2026 12:00:30 GMT", 30 * time.Second, true},
		{"Sat, 28 Nov 2026 11:00:00 GMT", 0, true},
		{"Sat, 28 Nov 3026 11:00:00 GMT", Max, true},
	}
	for _, c := range cases {
		got, ok := Parse(c.in, now)
		require.Equal(t, c.ok, ok, c.in)
		require.Equal(t, c.want, got, c.in)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"2.128", "10", "Sat, 28 Nov 2026 12:00:30 GMT", "-1", "1e308"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := Parse(s, time.Now())
		if d < 0 || d > Max || (!ok && d != 0) {
			t.Fatalf("Parse(%q) = %v, %v", s, d, ok)
		}
	})
}
