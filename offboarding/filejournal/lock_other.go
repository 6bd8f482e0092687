//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows)

package filejournal

import (
	"errors"
	"os"
)

// tryLock fails: this system has no file lock the package uses, and a
// journal without one could be written by two processes at once.
func tryLock(*os.File) (bool, error) { return false, errors.ErrUnsupported }

// unlock does nothing (no lock was taken).
func unlock(*os.File) error { return nil }
