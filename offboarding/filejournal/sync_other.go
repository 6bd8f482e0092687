//go:build !linux

package filejournal

import "os"

// datasync makes f's written data durable: File.Sync (fsync; on macOS
// F_FULLFSYNC, which also flushes the drive's cache).
func datasync(f *os.File) error { return f.Sync() }
