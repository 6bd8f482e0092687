package filejournal

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/m365kit/backuprestore/offboarding"
)

// Compaction. When a run ends (Finish, Abandon) and the file's records
// since the last compaction are at least as large as what that compaction
// left, the committer rewrites the journal: every run keeps its start, the
// entries offboarding.Compact keeps (all of them for a run that has not
// ended), and its last finish and abandonment; a recCompacted record ends
// the new file. The new file is written beside the journal, synced, renamed
// over it and the directory synced, so a crash leaves the old journal or
// the new one, never a mix. Compacting only when the tail outweighs the
// compacted prefix bounds the bytes a compaction copies by the bytes
// appended since the last one (amortised: each byte appended is copied a
// constant number of times), however long the history grows.

// compactFrame is the payload size at which a compaction starts a new
// frame (a single record larger than it gets a frame of its own size).
const compactFrame = 1 << 20

// shouldCompact says whether the file's records since the last compaction
// outweigh what it left. Called with mu held.
func (j *Journal) shouldCompact() bool {
	tail, prefix := j.end-j.compactedEnd, j.compactedEnd-headerSize
	return tail > 0 && tail >= prefix
}

// compact rewrites the journal (see above). It runs in the committer, so
// no write happens meanwhile; readers go on reading the old file until the
// new one replaces it. A failure before the rename leaves the journal as
// it was and is kept for Stats; a failure to sync the directory after it
// fails every later write (the rename might not survive a crash, and with
// it what would be written after).
func (j *Journal) compact() {
	if err := j.rewrite(); err != nil {
		err = fmt.Errorf("filejournal: compact journal %s: %w", j.path, err)
		j.stats.compactErr.Store(&err)
		return
	}
	j.stats.compactions.Add(1)
}

// runKeep is what a compaction keeps of one run.
type runKeep struct {
	ended bool
	// keep are the positions of the entries kept, ascending; nil with
	// !ended: all of them.
	keep []int
}

// rewrite does the compaction.
func (j *Journal) rewrite() error {
	j.mu.Lock()
	end := j.end
	j.mu.Unlock()

	// Pass 1: what each run keeps.
	var runs []runKeep
	var c offboarding.Compactor
	done := func() {
		if n := len(runs); n > 0 && runs[n-1].ended {
			runs[n-1].keep = c.Keep()
		}
		c = offboarding.Compactor{}
	}
	_, err := scanFrames(j.f, j.path, headerSize, end, func(off int64, payload []byte) error {
		return parseRecords(payload, func(i int, r record) error {
			switch r.typ {
			case recStart:
				done()
				runs = append(runs, runKeep{})
			case recEntry:
				if len(runs) == 0 {
					return &CorruptError{Path: j.path, Offset: off, Reason: "an entry before any run"}
				}
				e, err := offboarding.DecodeEntry(r.data)
				if err != nil {
					return &CorruptError{Path: j.path, Offset: off, Reason: fmt.Sprintf("record %d of the frame: an entry: %v", i, err)}
				}
				c.Add(e)
			case recFinish, recAbandon:
				if len(runs) > 0 {
					runs[len(runs)-1].ended = true
				}
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	done()

	// Pass 2: the new file.
	tmp, err := os.CreateTemp(filepath.Dir(j.path), j.tempPattern())
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	w := &frameWriter{w: bufio.NewWriterSize(tmp, 1<<20)}
	w.raw(header())
	starts := make([]int64, 0, len(runs))
	run, pos, k := -1, 0, 0
	var lastFinish, lastAbandon []byte
	endRun := func() {
		if run >= 0 && (lastFinish != nil || lastAbandon != nil) {
			w.flush()
			if lastFinish != nil {
				w.add(recFinish, lastFinish)
			}
			if lastAbandon != nil {
				w.add(recAbandon, lastAbandon)
			}
		}
		w.flush()
		lastFinish, lastAbandon = nil, nil
	}
	_, err = scanFrames(j.f, j.path, headerSize, end, func(_ int64, payload []byte) error {
		return parseRecords(payload, func(_ int, r record) error {
			switch r.typ {
			case recStart:
				endRun()
				run, pos, k = run+1, 0, 0
				starts = append(starts, w.off)
				w.add(recStart, r.data)
				w.flush()
			case recEntry:
				rk := runs[run]
				if !rk.ended || (k < len(rk.keep) && rk.keep[k] == pos) {
					w.add(recEntry, r.data)
					k++
				}
				pos++
			case recFinish:
				lastFinish = slices.Clone(r.data)
			case recAbandon:
				lastAbandon = slices.Clone(r.data)
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	endRun()
	w.add(recCompacted, nil)
	w.flush()
	if w.err == nil {
		w.err = w.w.Flush()
	}
	j.stats.bytes.Add(w.off)
	if w.err != nil {
		return w.err
	}
	if err := j.sync(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), j.path); err != nil {
		return err
	}
	ok = true
	dirErr := j.syncDir()

	j.fmu.Lock()
	old := j.f
	j.mu.Lock()
	j.f, j.end, j.compactedEnd = tmp, w.off, w.off
	for i, off := range starts {
		j.runs[i].frame, j.runs[i].rec = off, 0
		if runs[i].ended {
			j.runs[i].entries = len(runs[i].keep)
		}
	}
	if dirErr != nil && j.err == nil {
		j.err = fmt.Errorf("filejournal: sync the directory of journal %s after compacting it: %w", j.path, dirErr)
	}
	j.mu.Unlock()
	j.fmu.Unlock()
	return errors.Join(old.Close(), dirErr)
}

// frameWriter writes frames of records to a compaction's new file.
type frameWriter struct {
	w       *bufio.Writer
	payload []byte
	off     int64 // bytes written (and buffered) so far
	err     error
}

// raw writes b as it is.
func (fw *frameWriter) raw(b []byte) {
	if fw.err != nil {
		return
	}
	var n int
	n, fw.err = fw.w.Write(b)
	fw.off += int64(n)
}

// add adds a record to the current frame, starting a new frame first when
// the current one is full.
func (fw *frameWriter) add(typ byte, data []byte) {
	if len(fw.payload) > 0 && len(fw.payload)+len(data)+16 > compactFrame {
		fw.flush()
	}
	fw.payload = appendRecord(fw.payload, typ, data)
}

// flush writes the current frame, if it holds any record.
func (fw *frameWriter) flush() {
	if len(fw.payload) == 0 {
		return
	}
	buf := make([]byte, frameHeader, frameHeader+len(fw.payload))
	buf = append(buf, fw.payload...)
	fw.payload = fw.payload[:0]
	if err := sealFrame(buf); err != nil && fw.err == nil {
		fw.err = err
	}
	fw.raw(buf)
}
