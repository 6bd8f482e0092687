package filejournal_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/m365kit/backuprestore/offboarding"
	"github.com/m365kit/backuprestore/offboarding/filejournal"
	"github.com/m365kit/backuprestore/offboarding/journaltest"
)

// written is a journal file written call by call: its bytes, and the
// file's size after each call (each call, made alone, is one frame).
type written struct {
	path  string
	data  []byte
	sizes []int64 // after Start, then after each Record
	units []string
}

// writeJournal writes a run of n Record calls of two entries each.
func writeJournal(t *testing.T, n int) written {
	t.Helper()
	w := written{path: filepath.Join(t.TempDir(), "journal")}
	j, err := filejournal.Open(w.path, nil)
	require.NoError(t, err)
	size := func() int64 {
		fi, err := os.Stat(w.path)
		require.NoError(t, err)
		return fi.Size()
	}
	require.NoError(t, j.Start(t.Context(), journaltest.Info("r1", "u")))
	w.sizes = append(w.sizes, size())
	for i := range n {
		a, b := journaltest.FullEntry("u"+strconv.Itoa(2*i), offboarding.StageOffboard, true), journaltest.FullEntry("u"+strconv.Itoa(2*i+1), offboarding.StageRead, false)
		require.NoError(t, j.Record(t.Context(), a, b))
		w.units = append(w.units, a.UnitID, b.UnitID)
		w.sizes = append(w.sizes, size())
	}
	require.NoError(t, j.Close())
	w.data, err = os.ReadFile(w.path)
	require.NoError(t, err)
	return w
}

// unitsOf returns the entries' unit IDs.
func unitsOf(entries []offboarding.Entry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.UnitID
	}
	return out
}

// loadBoth loads the journal at path read-only (the file must stay as it
// is) and then for writing (which cuts a torn tail), and checks both saw
// the same entries; it returns them and the file's size after the writer.
func loadBoth(t *testing.T, path string) ([]string, int64) {
	t.Helper()
	before, err := os.ReadFile(path)
	require.NoError(t, err)
	ro, err := filejournal.OpenReadOnly(path)
	require.NoError(t, err)
	_, roEntries, err := ro.Load(t.Context())
	require.NoError(t, err)
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	require.True(t, bytes.Equal(before, after), "a read-only journal never changes the file")

	j, err := filejournal.Open(path, nil)
	require.NoError(t, err)
	_, entries, err := j.Load(t.Context())
	require.NoError(t, err)
	require.NoError(t, j.Close())
	require.Equal(t, unitsOf(roEntries), unitsOf(entries), "read-only and writer agree")
	fi, err := os.Stat(path)
	require.NoError(t, err)
	return unitsOf(entries), fi.Size()
}

// A torn last write, cut anywhere or followed by zeros or garbage, is
// dropped (and cut from the file by a writer); the writes before it are
// all there; a write after it is read back whole.
func TestTornLastWrite(t *testing.T) {
	t.Parallel()
	w := writeJournal(t, 3)
	last := w.sizes[len(w.sizes)-2] // where the last frame starts
	kept := w.units[:len(w.units)-2]
	type tc struct {
		name string
		file []byte
	}
	cases := []tc{}
	// Cut inside its header (length, checksum), just after it, inside its
	// payload, and before its last byte.
	end := int64(len(w.data))
	for _, cut := range []int64{last + 1, last + 4, last + 7, last + 8, last + 9, (last + end) / 2, end - 1} {
		cases = append(cases, tc{fmt.Sprintf("cut at %d", cut), w.data[:cut]})
	}
	zeroed := bytes.Clone(w.data)
	clear(zeroed[last+20:])
	rng := rand.New(rand.NewPCG(7, 7))
	garbage := make([]byte, 3000)
	for i := range garbage {
		garbage[i] = byte(rng.Uint32())
	}
	cases = append(cases,
		tc{"cut at its start", w.data[:last]},
		tc{"zeros after its first bytes", zeroed},
		tc{"zeros instead of it", append(bytes.Clone(w.data[:last]), make([]byte, 5000)...)},
		tc{"garbage instead of it", append(bytes.Clone(w.data[:last]), garbage...)},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "journal")
			require.NoError(t, os.WriteFile(path, c.file, 0o600))
			units, size := loadBoth(t, path)
			require.Equal(t, kept, units)
			require.Equal(t, last, size, "the writer cut the torn tail")

			// Writing after it: read back whole.
			j, err := filejournal.Open(path, nil)
			require.NoError(t, err)
			require.NoError(t, j.Record(t.Context(), offboarding.Entry{UnitID: "after", Stage: offboarding.StageRead, At: time.Now()}))
			require.NoError(t, j.Close())
			units, _ = loadBoth(t, path)
			require.Equal(t, append(append([]string{}, kept...), "after"), units)
		})
	}
}

// A damaged frame anywhere but in the last write is corruption: an error
// naming the file and the frame's byte offset, for a writer and a reader
// alike, never entries misread.
func TestCorruptFrame(t *testing.T) {
	t.Parallel()
	w := writeJournal(t, 3)
	second := w.sizes[1] // the first Record's frame starts after Start's
	for name, at := range map[string]int64{
		"its length":      second,
		"its checksum":    second + 5,
		"its payload":     second + 40,
		"its last byte":   w.sizes[2] - 1,
		"the start frame": w.sizes[0] - 3,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			frame := second
			if name == "the start frame" {
				frame = 32 // the header's size
			}
			data := bytes.Clone(w.data)
			data[at] ^= 0x40
			path := filepath.Join(t.TempDir(), "journal")
			require.NoError(t, os.WriteFile(path, data, 0o600))
			_, err := filejournal.Open(path, nil)
			checkCorrupt(t, err, path, frame)
			ro, err := filejournal.OpenReadOnly(path)
			require.NoError(t, err, "the header is fine")
			_, _, err = ro.Load(t.Context())
			checkCorrupt(t, err, path, frame)
			after, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, data, after, "a corrupt journal is left as it is")
		})
	}
}

func checkCorrupt(t *testing.T, err error, path string, off int64) {
	t.Helper()
	require.ErrorIs(t, err, filejournal.ErrCorrupt)
	var ce *filejournal.CorruptError
	require.True(t, errors.As(err, &ce))
	assert.Equal(t, path, ce.Path)
	assert.Equal(t, off, ce.Offset)
	assert.Contains(t, err.Error(), path)
	assert.Contains(t, err.Error(), fmt.Sprintf("byte offset %d", off))
}
