// Package records stores the benchmarks' measurements as indented JSON
// files, which bench/report.sh's section tools read back into tables.
package records

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Write stores v as indented JSON in dir/name, creating dir. It fails when
// v cannot be encoded or the file cannot be written.
func Write(dir, name string, v any) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name), append(b, '\n'), 0o644)
}

// Read decodes the file at path into v. It fails when the file cannot be
// read (a missing file matches os.ErrNotExist) or decoded (the error then
// names the file).
func Read[T any](path string, v *T) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// ReadAll decodes every file of dir that matches the glob pattern, in the
// order of their names. No match is no records, not an error; a file that
// cannot be read or decoded is.
func ReadAll[T any](dir, pattern string) ([]T, error) {
	names, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(names))
	for _, name := range names {
		var v T
		if err := Read(name, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
