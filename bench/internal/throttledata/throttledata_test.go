package throttledata

import (
	"strings"
	"testing"
	"time"
)

func TestIdealWall(t *testing.T) {
	for _, tc := range []struct {
		r    Run
		want time.Duration
	}{
		{Run{Limit: 200, Burst: 200, Units: 10_000, Contender: "adaptive"}, 49 * time.Second},
		{Run{Limit: 200, Burst: 200, Units: 100, Contender: SingleLoop, Latency: 20 * time.Millisecond}, 2 * time.Second},
		{Run{Limit: 50, Burst: 50, Units: 500, Contender: SingleLoop, Latency: 20 * time.Millisecond}, 10 * time.Second},
		{Run{Units: 10_000, Contender: "fixed"}, 0},
	} {
		if got := tc.r.IdealWall(); got != tc.want {
			t.Errorf("%+v: IdealWall = %v, want %v", tc.r, got, tc.want)
		}
	}
}

func TestReadAllOrder(t *testing.T) {
	dir := t.TempDir()
	for _, r := range []Run{
		{Contender: SingleLoop, Round: 1}, {Limit: 1000, Contender: "fixed", Round: 1},
		{Limit: 50, Contender: "fixed", Round: 1}, {Limit: 50, Contender: "adaptive", Round: 1},
	} {
		if err := Write(dir, &r); err != nil {
			t.Fatal(err)
		}
	}
	runs, err := ReadAll(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range runs {
		got = append(got, LimitName(r.Limit)+"/"+r.Contender)
	}
	want := "[limit50/adaptive limit50/fixed limit1000/fixed unlimited/single-loop]"
	if s := "[" + join(got) + "]"; s != want {
		t.Errorf("order %s, want %s", s, want)
	}
}

func join(s []string) string { return strings.Join(s, " ") }
