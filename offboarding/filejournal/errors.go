package filejournal

import (
	"errors"
	"fmt"
	"time"
)

// ErrNotJournal matches opening a file that is not a backuprestore journal
// (its first bytes are not the journal's magic).
var ErrNotJournal = errors.New("not a backuprestore journal")

// ErrCorrupt matches a journal whose contents fail their checksums, or
// are otherwise unreadable, anywhere but in a torn last record (which is
// dropped, see the package doc). The error is a *CorruptError naming the
// file and byte offset.
var ErrCorrupt = errors.New("corrupt journal")

// ErrUnsupportedVersion matches a journal written in a format version
// this package does not read (by a newer backuprestore). The error is a
// *VersionError.
var ErrUnsupportedVersion = errors.New("journal format version not supported")

// ErrLocked matches opening a journal for writing while another process
// (or another Journal of this one) holds it. The error is a *LockedError
// naming the holder.
var ErrLocked = errors.New("journal is in use")

// ErrReadOnly matches a write (Start, Record, Finish, Abandon) on a
// journal opened with OpenReadOnly.
var ErrReadOnly = errors.New("journal opened read-only")

// ErrClosed matches any call on a Journal after Close.
var ErrClosed = errors.New("journal closed")

// CorruptError is a journal that cannot be read: Path and Offset (in
// bytes from the file's start) say where, Reason what was found.
type CorruptError struct {
	Path   string
	Offset int64
	Reason string
}

// Error names the file, offset and reason.
func (e *CorruptError) Error() string {
	return fmt.Sprintf("filejournal: journal %s is corrupt at byte offset %d: %s", e.Path, e.Offset, e.Reason)
}

// Unwrap makes errors.Is(err, ErrCorrupt) hold.
func (e *CorruptError) Unwrap() error { return ErrCorrupt }

// VersionError is a journal in a format version this package does not
// read.
type VersionError struct {
	Path    string
	Version uint16
}

// Error names the file and both versions.
func (e *VersionError) Error() string {
	return fmt.Sprintf("filejournal: journal %s has format version %d; this version of backuprestore reads version %d (the journal was written by a newer backuprestore)",
		e.Path, e.Version, formatVersion)
}

// Unwrap makes errors.Is(err, ErrUnsupportedVersion) hold.
func (e *VersionError) Unwrap() error { return ErrUnsupportedVersion }

// Owner is the process that holds a journal open for writing, as it wrote
// itself into the journal's lock file.
type Owner struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Command string    `json:"command"`
	Since   time.Time `json:"since"`
}

// String describes the owner: "process 4242 on laptop ("backuprestore
// offboard …"), since 2026-12-07 09:00:00", or "another process" when it
// is not known (the lock file was being written).
func (o Owner) String() string {
	if o.PID == 0 {
		return "another process"
	}
	return fmt.Sprintf("process %d on %s (%q), since %s", o.PID, o.Host, o.Command, o.Since.Local().Format(time.DateTime))
}

// LockedError is a journal held for writing by someone else.
type LockedError struct {
	Path  string
	Owner Owner
}

// Error names the journal and its holder.
func (e *LockedError) Error() string {
	return fmt.Sprintf("filejournal: journal %s is in use by %s", e.Path, e.Owner)
}

// Unwrap makes errors.Is(err, ErrLocked) hold.
func (e *LockedError) Unwrap() error { return ErrLocked }
