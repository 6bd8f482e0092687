package records

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

type rec struct {
	Name string `json:"name"`
	N    int    `json:"n"`
}

func TestWriteReadAll(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "made")
	for name, v := range map[string]any{"r-b.json": rec{"b", 2}, "r-a.json": &rec{"a", 1}, "other.json": rec{"x", 9}} {
		if err := Write(dir, name, v); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ReadAll[rec](dir, "r-*.json")
	if err != nil {
		t.Fatal(err)
	}
	if want := []rec{{"a", 1}, {"b", 2}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("ReadAll = %v, want %v (by file name, other files left out)", got, want)
	}
	var one rec
	if err := Read(filepath.Join(dir, "other.json"), &one); err != nil || one != (rec{"x", 9}) {
		t.Fatalf("Read = %v, %v", one, err)
	}
	none, err := ReadAll[rec](dir, "nothing-*.json")
	if err != nil || len(none) != 0 {
		t.Fatalf("no match: %v, %v", none, err)
	}
}

func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	var r rec
	if err := Read(filepath.Join(dir, "missing.json"), &r); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	bad := filepath.Join(dir, "r-bad.json")
	if err := os.WriteFile(bad, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadAll[rec](dir, "r-*.json"); err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("bad file: %v, want its name", err)
	}
}
