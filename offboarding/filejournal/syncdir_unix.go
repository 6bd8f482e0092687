//go:build !windows

package filejournal

import (
	"errors"
	"os"
)

// syncDir makes a directory's entries durable (a file created or renamed
// in it), so that a crash cannot undo the rename.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}
