//go:build windows

package filejournal

// syncDir does nothing on Windows, which cannot sync a directory: NTFS
// journals its metadata, so a completed rename survives a crash.
func syncDir(string) error { return nil }
