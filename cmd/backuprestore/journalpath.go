package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// A journal that cannot be used is an input problem (exit 2), reported
// with its real cause (permission denied, not a directory, a file that is
// not a journal, …) before anything is sent: never "some units failed".

// checkJournalPath checks, without creating anything, that a journal can
// be at path: an existing path must be a file that can be opened, a new
// one must have a directory (or a place for one) above it.
func checkJournalPath(path string) error {
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.IsDir():
		return usageErrorf("journal %s is a directory: --journal names the journal's file", path)
	case err == nil:
		f, err := os.Open(path)
		if err != nil {
			return journalError(fmt.Errorf("journal %s: %w", path, err))
		}
		return f.Close()
	case !errors.Is(err, fs.ErrNotExist):
		return journalError(fmt.Errorf("journal %s: %w", path, err))
	}
	// A new journal: the nearest existing directory above it must be one.
	for dir := filepath.Dir(path); ; dir = filepath.Dir(dir) {
		fi, err := os.Stat(dir)
		switch {
		case err == nil && !fi.IsDir():
			return usageErrorf("journal %s cannot be made: %s is not a directory", path, dir)
		case err == nil:
			return nil
		case !errors.Is(err, fs.ErrNotExist):
			return journalError(fmt.Errorf("journal %s: %w", path, err))
		}
		if parent := filepath.Dir(dir); parent == dir {
			return nil
		}
	}
}

// journalError makes a failure to open or create a journal's file a usage
// error (exit 2) that keeps its cause; other errors pass unchanged.
func journalError(err error) error {
	var pe *fs.PathError
	var ee *exitError
	if errors.As(err, &ee) || !errors.As(err, &pe) {
		return err
	}
	return withCode(exitUsage, err)
}
