package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReadIDs(t *testing.T) {
	cases := []struct {
		name      string
		content   string
		want      []string
		dups      int
		describe  string
		usageWant string
	}{
		{"one per line, trimmed", "a\n  b  \n", []string{"a", "b"}, 0, "2 units from -ids", ""},
		{"blank lines and comments", "\n# c\na\n\n", []string{"a"}, 0, "1 units from -ids", ""},
		{"one duplicate", "a\nb\na\n", []string{"a", "b"}, 1, "2 units from -ids (1 duplicate line skipped)", ""},
		{"two duplicates, order kept", "b\na\nb\nb\n", []string{"b", "a"}, 2, "2 units from -ids (2 duplicate lines skipped)", ""},
		{"case matters", "A\na\n", []string{"A", "a"}, 0, "2 units from -ids", ""},
		{"empty", "", nil, 0, "", "holds no unit ID"},
		{"only comments", "# x\n\n", nil, 0, "", "holds no unit ID"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, err := ReadIDs("-", strings.NewReader(tc.content))
			if tc.usageWant != "" {
				var ue *UsageError
				require.ErrorAs(t, err, &ue)
				require.ErrorContains(t, err, tc.usageWant)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, l.IDs)
			require.Equal(t, tc.dups, l.Duplicates)
			require.Equal(t, tc.describe, l.Describe())
		})
	}

	t.Run("file", func(t *testing.T) {
		name := filepath.Join(t.TempDir(), "ids.txt")
		require.NoError(t, os.WriteFile(name, []byte("x\ny\n"), 0o600))
		l, err := ReadIDs(name, strings.NewReader("not read"))
		require.NoError(t, err)
		require.Equal(t, []string{"x", "y"}, l.IDs)
	})
	t.Run("missing file is a usage error", func(t *testing.T) {
		_, err := ReadIDs(filepath.Join(t.TempDir(), "nope"), nil)
		var ue *UsageError
		require.ErrorAs(t, err, &ue)
		require.ErrorIs(t, err, os.ErrNotExist)
	})
	t.Run("a read that fails midway is not a usage error", func(t *testing.T) {
		boom := errors.New("boom")
		_, err := ReadIDs("-", &failAfter{data: "a\n", err: boom})
		require.ErrorIs(t, err, boom)
		require.ErrorContains(t, err, "after 1 IDs")
		var ue *UsageError
		require.False(t, errors.As(err, &ue), "%v", err)
	})
}

// failAfter yields data, then err.
type failAfter struct {
	data string
	err  error
}

func (f *failAfter) Read(p []byte) (int, error) {
	if f.data == "" {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestPrintableAndFirstLine(t *testing.T) {
	require.Equal(t, "unit-1", Printable("unit-1"))
	require.Equal(t, `"a\tb"`, Printable("a\tb"))
	require.Equal(t, `"a\x00"`, Printable("a\x00"))
	require.Equal(t, "head", FirstLine("head\nbody"))
	require.Equal(t, "only", FirstLine("only"))
	require.Equal(t, "", FirstLine("\nx"))
}
