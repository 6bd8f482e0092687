package benchserver

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// seedDir is the root module's directory of documentation payloads,
// relative to the repository root.
const seedDir = "models/testdata"

// SeedUnit returns the cancelOffboard page's example 1 response body
// (models/testdata/cancel_offboard_200.json). It fails if no directory
// from the working directory up holds that file.
func SeedUnit() ([]byte, error) { return readSeed("cancel_offboard_200.json") }

// Seed403 returns the cancelOffboard page's example 2 response body, the
// 403 OperationNotAllowed (models/testdata/cancel_offboard_403.json). It
// fails like SeedUnit.
func Seed403() ([]byte, error) { return readSeed("cancel_offboard_403.json") }

// readSeed reads seedDir/name from the nearest directory at or above the
// working directory that has it: go test runs a test binary in its
// package's directory, bench/ or bench/msgraph/, and report.sh does the
// same.
func readSeed(name string) ([]byte, error) {
	dir, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("benchserver: seed %s: %w", name, err)
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, seedDir, name))
		if !errors.Is(err, fs.ErrNotExist) {
			if err != nil {
				return nil, fmt.Errorf("benchserver: seed: %w", err)
			}
			return b, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil, fmt.Errorf("benchserver: no %s/%s in the working directory or above it", seedDir, name)
		}
		dir = parent
	}
}
