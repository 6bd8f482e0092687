package benchserver

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadSeedWalksUp: the seed is found from a directory below the
// repository root (bench/benchserver when go test runs here) and is the
// file's content.
func TestReadSeedWalksUp(t *testing.T) {
	got, err := SeedUnit()
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("..", "..", seedDir, "cancel_offboard_200.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) || !bytes.Contains(got, []byte(UnitID)) {
		t.Errorf("SeedUnit() = %.60q…, want the repository's cancel_offboard_200.json", got)
	}
}

// TestReadSeedMissing: outside the repository the lookup fails with an
// error naming the file instead of returning an empty payload.
func TestReadSeedMissing(t *testing.T) {
	t.Chdir(t.TempDir())
	b, err := Seed403()
	if err == nil || !strings.Contains(err.Error(), "cancel_offboard_403.json") || b != nil {
		t.Errorf("Seed403() outside the repository = %q, %v; want an error naming the file", b, err)
	}
}
