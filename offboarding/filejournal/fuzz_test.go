package filejournal_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/m365kit/backuprestore/offboarding"
	"github.com/m365kit/backuprestore/offboarding/filejournal"
	"github.com/m365kit/backuprestore/offboarding/journaltest"
)

// Whatever a journal file holds, reading it never panics nor hangs: it
// gives runs and entries, or an error (corrupt, not a journal, a newer
// version, no run); opening it for writing does the same, and a writer
// that opened it can write to it and read that back.
func FuzzOpen(f *testing.F) {
	dir := f.TempDir()
	path := filepath.Join(dir, "seed")
	j, err := filejournal.Open(path, nil)
	if err != nil {
		f.Fatal(err)
	}
	ctx := f.Context()
	if err := j.Start(ctx, journaltest.Info("r1", "a")); err != nil {
		f.Fatal(err)
	}
	if err := j.Record(ctx, journaltest.FullEntry("a", offboarding.StageRead, false), journaltest.FullEntry("a", offboarding.StageOffboard, true)); err != nil {
		f.Fatal(err)
	}
	if err := j.Finish(ctx, offboarding.RunEnd{}); err != nil {
		f.Fatal(err)
	}
	if err := j.Close(); err != nil {
		f.Fatal(err)
	}
	good, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)-3])
	f.Add(append(bytes.Clone(good), 1, 0, 0, 0, 0, 0, 0, 0, 'E'))
	flipped := bytes.Clone(good)
	flipped[40] ^= 1
	f.Add(flipped)
	f.Add(good[:32])
	f.Add([]byte("backuprestore journal\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "journal")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		expected := func(err error) bool {
			return err == nil || errors.Is(err, filejournal.ErrCorrupt) || errors.Is(err, filejournal.ErrNotJournal) ||
				errors.Is(err, filejournal.ErrUnsupportedVersion) || errors.Is(err, offboarding.ErrNoRun)
		}
		ro, err := filejournal.OpenReadOnly(p)
		if err != nil {
			if !expected(err) {
				t.Fatalf("OpenReadOnly: %v", err)
			}
			return
		}
		runs, err := ro.Runs(t.Context())
		if !expected(err) {
			t.Fatalf("Runs: %v", err)
		}
		for _, r := range runs {
			if _, _, err := ro.LoadRun(t.Context(), r.Info.ID); !expected(err) {
				t.Fatalf("LoadRun: %v", err)
			}
		}
		if _, _, err := ro.Load(t.Context()); !expected(err) {
			t.Fatalf("Load: %v", err)
		}
		w, err := filejournal.Open(p, nil)
		if err != nil {
			if !expected(err) {
				t.Fatalf("Open: %v", err)
			}
			return
		}
		defer w.Close()
		if err := w.Abandon(t.Context()); err != nil && !errors.Is(err, offboarding.ErrNoRun) {
			t.Fatalf("Abandon: %v", err)
		}
		if err := w.Start(t.Context(), journaltest.Info("", "z")); err != nil {
			t.Fatalf("Start: %v", err)
		}
		e := journaltest.FullEntry("z", offboarding.StageRead, false)
		if err := w.Record(t.Context(), e); err != nil {
			t.Fatalf("Record: %v", err)
		}
		_, got, err := w.Load(t.Context())
		if err != nil || len(got) != 1 || got[0].UnitID != "z" {
			t.Fatalf("Load after writing: %v, %v", got, err)
		}
	})
}
