package filejournal

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// lockSuffix names a journal's lock file: the journal's path plus it. The
// lock is taken on this file, not on the journal, because compaction
// replaces the journal file (a lock on the old one would not hold the new
// one); and the file is never removed, because removing a lock file races
// with a process that opened it and is about to lock it.
const lockSuffix = ".lock"

// lockFile is the exclusive lock of a journal opened for writing. While
// it is held the file holds its owner (JSON), so that a process refused
// the lock can name the holder.
type lockFile struct{ f *os.File }

// acquireLock takes the lock of the journal at path without waiting. It
// fails with a *LockedError naming the holder when another process (or
// another open Journal of this process) holds it, and with the file
// system's error (wrapped, errors.Is works) when the lock file cannot be
// opened.
func acquireLock(path, command string) (*lockFile, error) {
	lp := path + lockSuffix
	f, err := os.OpenFile(lp, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("filejournal: open the lock file: %w", err)
	}
	ok, err := tryLock(f)
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("filejournal: lock %s: %w", lp, err)
	}
	if !ok {
		o := readOwner(f)
		_ = f.Close()
		return nil, &LockedError{Path: path, Owner: o}
	}
	host, _ := os.Hostname()
	b, _ := json.Marshal(Owner{PID: os.Getpid(), Host: host, Command: command, Since: time.Now().UTC().Truncate(time.Second)}) // plain fields: cannot fail
	err = f.Truncate(0)
	if err == nil {
		_, err = f.WriteAt(b, 0)
	}
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("filejournal: write the lock file %s: %w", lp, err)
	}
	return &lockFile{f: f}, nil
}

// readOwner reads the owner a lock file holds; the zero Owner when it
// holds none or cannot be read (it is being written, say).
func readOwner(f *os.File) Owner {
	b, err := io.ReadAll(io.LimitReader(f, 64<<10))
	var o Owner
	if err != nil || json.Unmarshal(b, &o) != nil {
		return Owner{}
	}
	return o
}

// release empties the lock file (it names no owner any more) and releases
// the lock.
func (l *lockFile) release() error {
	err := l.f.Truncate(0)
	return errors.Join(err, unlock(l.f), l.f.Close())
}

// LockOwner returns who holds the journal at path open for writing, and
// whether anyone does. It takes no lock and never waits; it fails only
// when the lock file exists but cannot be read.
func LockOwner(path string) (Owner, bool, error) {
	f, err := os.Open(path + lockSuffix)
	if errors.Is(err, os.ErrNotExist) {
		return Owner{}, false, nil
	}
	if err != nil {
		return Owner{}, false, fmt.Errorf("filejournal: open the lock file: %w", err)
	}
	defer f.Close()
	ok, err := tryLock(f)
	if err != nil {
		return Owner{}, false, fmt.Errorf("filejournal: lock %s%s: %w", path, lockSuffix, err)
	}
	if ok {
		_ = unlock(f)
		return Owner{}, false, nil
	}
	return readOwner(f), true, nil
}
