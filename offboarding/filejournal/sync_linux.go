//go:build linux

package filejournal

import (
	"os"

	"golang.org/x/sys/unix"
)

// datasync makes f's written data durable: fdatasync(2), which skips the
// timestamps fsync would also write (the size is written when it changed).
func datasync(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		for {
			serr = unix.Fdatasync(int(fd))
			if serr != unix.EINTR {
				return
			}
		}
	}); err != nil {
		return err
	}
	if serr != nil {
		return &os.PathError{Op: "fdatasync", Path: f.Name(), Err: serr}
	}
	return nil
}
