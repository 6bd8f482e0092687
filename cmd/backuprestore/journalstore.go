package main

// The journal is offboarding/filejournal: an append-only, checksummed log
// with group commit (concurrent Record calls share one fdatasync), a lock
// file naming the process that writes it, and read-only opening beside
// that writer (status reads while a run holds the journal). See its
// package doc for the format and why it replaced the bbolt file the tool
// kept before (one fsync'd transaction per Record, rewriting more pages
// as the file grew: gigabytes written for a few thousand units).

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"github.com/m365kit/backuprestore/offboarding/filejournal"
)

// journalFile is an open journal and its path.
type journalFile struct {
	j    *filejournal.Journal
	path string
}

// openJournal opens the journal at path: for writing (creating it and its
// directory when missing), or read-only, which works while another
// process writes it. It fails with a usage error (exit 2) when another
// process holds it for writing (naming that process), when the file is
// not a journal (saying so, and when it is the bbolt journal of an older
// backuprestore, that), and as the file system does (the cause kept:
// errors.Is(err, fs.ErrPermission) holds).
func openJournal(path string, write bool, command string) (*journalFile, error) {
	var j *filejournal.Journal
	var err error
	if write {
		j, err = filejournal.Open(path, &filejournal.Options{Command: command})
	} else {
		j, err = filejournal.OpenReadOnly(path)
	}
	if le, ok := errors.AsType[*filejournal.LockedError](err); ok {
		return nil, usageErrorf("journal %s is in use by another backuprestore process (%s); wait for it to end, or pass --journal with another file",
			path, le.Owner)
	}
	switch {
	case errors.Is(err, filejournal.ErrNotJournal) && isBoltFile(path):
		return nil, usageErrorf("journal %s was written by an older version of backuprestore (a bbolt file): "+
			"finish or inspect its run with that version, or move it away; pass --journal to use another file", path)
	case errors.Is(err, filejournal.ErrNotJournal):
		return nil, usageErrorf("%s is not a backuprestore journal: pass --journal with a journal file, or a new path", path)
	case errors.Is(err, filejournal.ErrUnsupportedVersion):
		return nil, usageErrorf("%v: use that version of backuprestore, or pass --journal with another file", err)
	case err != nil:
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	return &journalFile{j: j, path: path}, nil
}

// boltMagic is bbolt's meta page magic, at byte 16 of its file (after the
// page header): the journal file format of backuprestore before 0.2.
const boltMagic = 0xED0CDAED

// isBoltFile reports whether the file at path is a bbolt database.
func isBoltFile(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [20]byte
	if _, err := io.ReadFull(f, b[:]); err != nil {
		return false
	}
	return bytes.Equal(b[16:20], binary.LittleEndian.AppendUint32(nil, boltMagic))
}

// close closes the journal and releases its lock.
func (j *journalFile) close() error { return j.j.Close() }

// defaultJournalPath is the journal's default location: in the user's
// state directory ($XDG_STATE_HOME, else ~/.local/state as the XDG spec
// defines it on Unix-like systems, else os.UserConfigDir: Application
// Support on macOS, %AppData% on Windows), one file for Microsoft Graph,
// one for standalone emulators and one for the embedded emulator, so that
// trying the tool never touches a tenant's run.
func defaultJournalPath(getenv func(string) string, mode string) (string, error) {
	name := "journal.db"
	switch mode {
	case modeURL:
		name = "emulator-journal.db"
	case modeEmbedded:
		name = "embedded-emulator-journal.db"
	}
	if d := getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "backuprestore", name), nil
	}
	switch runtime.GOOS {
	case "windows", "darwin", "ios", "plan9":
	default:
		if home := getenv("HOME"); home != "" && filepath.IsAbs(home) {
			return filepath.Join(home, ".local", "state", "backuprestore", name), nil
		}
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", usageErrorf("no state directory for the journal (%v): pass --journal FILE", err)
	}
	return filepath.Join(dir, "backuprestore", name), nil
}

// journalPath is --journal, or the default for the endpoint's mode.
func (a *app) journalPath(mode string) (string, error) {
	if a.g.journal != "" {
		return a.g.journal, nil
	}
	return defaultJournalPath(a.getenv, mode)
}
