package cli

import (
	"flag"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRangeAndChoiceFlags(t *testing.T) {
	cases := []struct {
		args    []string
		wantErr string // "" for none
	}{
		{nil, ""},
		{[]string{"-n", "1", "-f", "0", "-c", "b"}, ""},
		{[]string{"-n", "10", "-f", "1", "-c", "a"}, ""},
		{[]string{"-n", "0"}, `invalid value "0" for flag -n: want a whole number from 1 to 10`},
		{[]string{"-n", "11"}, `invalid value "11" for flag -n: want a whole number from 1 to 10`},
		{[]string{"-n", "-1"}, "want a whole number from 1 to 10"},
		{[]string{"-n", "1.5"}, "want a whole number from 1 to 10"},
		{[]string{"-n", "99999999999999999999"}, "want a whole number from 1 to 10"},
		{[]string{"-n", ""}, "want a whole number from 1 to 10"},
		{[]string{"-f", "2"}, `invalid value "2" for flag -f: want a number from 0 to 1`},
		{[]string{"-f", "-0.1"}, "want a number from 0 to 1"},
		{[]string{"-f", "NaN"}, "want a number from 0 to 1"},
		{[]string{"-f", "Inf"}, "want a number from 0 to 1"},
		{[]string{"-f", "half"}, "want a number from 0 to 1"},
		{[]string{"-c", "A"}, `invalid value "A" for flag -c: want one of a, b`},
		{[]string{"-c", ""}, "want one of a, b"},
		{[]string{"-id", ""}, `invalid value "" for flag -id: backuprestore: invalid protection unit ID`},
	}
	for _, tc := range cases {
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		n := IntRange(fs, "n", 5, 1, 10, "n")
		f := FloatRange(fs, "f", 0.5, 0, 1, "f")
		c := Choice(fs, "c", "", []string{"a", "b"}, "c")
		id := UnitID(fs, "id", "id")
		err := fs.Parse(tc.args)
		if tc.wantErr != "" {
			require.ErrorContains(t, err, tc.wantErr, "%q", tc.args)
			continue
		}
		require.NoError(t, err, "%q", tc.args)
		require.True(t, *n >= 1 && *n <= 10)
		require.True(t, *f >= 0 && *f <= 1)
		require.Contains(t, []string{"", "a", "b"}, *c)
		require.Empty(t, *id)
	}
}

// A default outside its own range is a bug in the program: it panics at
// definition, before any command line is read.
func TestRangeDefaultOutOfRangePanics(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	require.Panics(t, func() { IntRange(fs, "n", 0, 1, 10, "n") })
	require.Panics(t, func() { FloatRange(fs, "f", 2, 0, 1, "f") })
}
