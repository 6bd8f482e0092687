package filejournal

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"

	"github.com/m365kit/backuprestore/offboarding"
)

// index is what a scan of a journal file found: its runs and where its
// good frames end.
type index struct {
	runs []*runState
	// infos are the runs' descriptions (only when asked for).
	infos []offboarding.RunInfo
	// end is the offset after the last good frame; torn the size of the
	// torn last write after it (0: none); compactedEnd the offset after
	// the compacted prefix (headerSize: none).
	end, torn, compactedEnd int64
}

// readIndex checks f's header and scans its frames, keeping each run's
// start, end and, with infos, description. It decodes no entry. It fails
// as checkHeader and scanFrames do, and with a *CorruptError for a start,
// finish or abandon record that cannot be decoded.
func readIndex(f *os.File, path string, infos bool) (index, error) {
	fi, err := f.Stat()
	if err != nil {
		return index{}, fmt.Errorf("filejournal: read the journal: %w", err)
	}
	size := fi.Size()
	if size == 0 {
		return index{compactedEnd: headerSize}, nil
	}
	h := make([]byte, min(size, int64(headerSize)))
	if _, err := f.ReadAt(h, 0); err != nil {
		return index{}, fmt.Errorf("filejournal: read the journal: %w", err)
	}
	if err := checkHeader(path, h); err != nil {
		return index{}, err
	}
	ix := index{compactedEnd: headerSize}
	res, err := scanFrames(f, path, headerSize, size, func(off int64, payload []byte) error {
		return parseRecords(payload, func(i int, r record) error {
			bad := func(what string, err error) error {
				return &CorruptError{Path: path, Offset: off, Reason: fmt.Sprintf("record %d of the frame: %s: %v", i, what, err)}
			}
			switch r.typ {
			case recStart:
				rs := &runState{frame: off, rec: i}
				if infos {
					info, err := offboarding.UnmarshalRunInfo(r.data)
					if err != nil {
						return bad("a run's start", err)
					}
					rs.id = info.ID
					ix.infos = append(ix.infos, info)
				} else {
					var id struct {
						ID string `json:"id"`
					}
					if err := json.Unmarshal(r.data, &id); err != nil {
						return bad("a run's start", err)
					}
					rs.id = id.ID
				}
				ix.runs = append(ix.runs, rs)
			case recFinish, recAbandon:
				if len(ix.runs) == 0 {
					return bad("a run's end", errors.New("no run started before it"))
				}
				l := ix.runs[len(ix.runs)-1]
				if r.typ == recFinish {
					var fj finishJSON
					if err := json.Unmarshal(r.data, &fj); err != nil {
						return bad("a run's finish", err)
					}
					l.finished, l.counts = fj.Finished, fj.Counts
				} else {
					var aj abandonJSON
					if err := json.Unmarshal(r.data, &aj); err != nil {
						return bad("a run's abandonment", err)
					}
					l.abandoned = aj.At
				}
			case recEntry:
				if len(ix.runs) > 0 {
					ix.runs[len(ix.runs)-1].entries++
				}
			case recCompacted:
				ix.compactedEnd = off + frameHeader + int64(len(payload))
			}
			return nil
		})
	})
	if err != nil {
		return index{}, err
	}
	ix.end, ix.torn = res.end, res.torn
	return ix, nil
}

// errStop ends a scan early.
var errStop = errors.New("stop")

// readStart reads the description of the run whose start is record rec
// of the frame at off.
func readStart(r io.ReaderAt, path string, off int64, rec int) (offboarding.RunInfo, error) {
	var hdr [frameHeader]byte
	if _, err := r.ReadAt(hdr[:], off); err != nil {
		return offboarding.RunInfo{}, readErr(path, off, err)
	}
	payload := make([]byte, binary.LittleEndian.Uint32(hdr[0:4]))
	if _, err := r.ReadAt(payload, off+frameHeader); err != nil {
		return offboarding.RunInfo{}, readErr(path, off, err)
	}
	if frameCRC(hdr[0:4], payload) != binary.LittleEndian.Uint32(hdr[4:8]) {
		return offboarding.RunInfo{}, &CorruptError{Path: path, Offset: off, Reason: "a frame's checksum does not match"}
	}
	var info offboarding.RunInfo
	found := false
	err := parseRecords(payload, func(i int, rc record) error {
		if i != rec {
			return nil
		}
		if rc.typ != recStart {
			return errors.New("not a start record")
		}
		var err error
		info, err = offboarding.UnmarshalRunInfo(rc.data)
		found = err == nil
		return err
	})
	if err == nil && !found {
		err = errors.New("the run's start record is missing")
	}
	if err != nil {
		return offboarding.RunInfo{}, &CorruptError{Path: path, Offset: off, Reason: err.Error()}
	}
	return info, nil
}

// Load implements offboarding.Journal: the latest run and its entries,
// oldest first (a compacted run's are those offboarding.Compact keeps). It
// fails with offboarding.ErrNoRun when the journal holds no run, with a
// *CorruptError naming the offset of a record that cannot be decoded, and
// with ErrClosed after Close. On a read-only journal it reads the file
// afresh, as OpenReadOnly says.
func (j *Journal) Load(ctx context.Context) (offboarding.RunInfo, []offboarding.Entry, error) {
	return j.load(ctx, "", true)
}

// LoadRun implements offboarding.History: Load for the run with the given
// ID; it fails with offboarding.ErrNoRun when the journal holds none, and
// as Load does.
func (j *Journal) LoadRun(ctx context.Context, id string) (offboarding.RunInfo, []offboarding.Entry, error) {
	return j.load(ctx, id, false)
}

// load is Load (latest) or LoadRun (id).
func (j *Journal) load(_ context.Context, id string, latest bool) (offboarding.RunInfo, []offboarding.Entry, error) {
	find := func(runs []*runState) *runState {
		if latest {
			if len(runs) == 0 {
				return nil
			}
			return runs[len(runs)-1]
		}
		for _, r := range runs {
			if r.id == id {
				return r
			}
		}
		return nil
	}
	noRun := func() error {
		if latest {
			return fmt.Errorf("filejournal: journal %s: %w", j.path, offboarding.ErrNoRun)
		}
		return fmt.Errorf("filejournal: journal %s: run %q: %w", j.path, id, offboarding.ErrNoRun)
	}
	if j.readOnly {
		if err := j.checkOpen(); err != nil {
			return offboarding.RunInfo{}, nil, err
		}
		f, _, err := j.openRead()
		if err != nil {
			return offboarding.RunInfo{}, nil, err
		}
		defer f.Close()
		ix, err := readIndex(f, j.path, false)
		if err != nil {
			return offboarding.RunInfo{}, nil, err
		}
		r := find(ix.runs)
		if r == nil {
			return offboarding.RunInfo{}, nil, noRun()
		}
		return loadRun(f, j.path, r.frame, r.rec, ix.end, r.entries)
	}
	j.fmu.RLock()
	defer j.fmu.RUnlock()
	j.mu.Lock()
	if err := j.check(false); err != nil {
		j.mu.Unlock()
		return offboarding.RunInfo{}, nil, err
	}
	r := find(j.runs)
	if r == nil || r.frame < 0 {
		// A run whose Start has not returned yet is not there yet.
		j.mu.Unlock()
		return offboarding.RunInfo{}, nil, noRun()
	}
	off, rec, end, n := r.frame, r.rec, j.end, r.entries
	j.mu.Unlock()
	return loadRun(j.f, j.path, off, rec, end, n)
}

// checkOpen fails with ErrClosed after Close.
func (j *Journal) checkOpen() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.check(false)
}

// Runs implements offboarding.History: every run of the journal, oldest
// first, with its description, end and counts. It fails as Load does.
func (j *Journal) Runs(context.Context) ([]offboarding.RunSummary, error) {
	if j.readOnly {
		if err := j.checkOpen(); err != nil {
			return nil, err
		}
		f, _, err := j.openRead()
		if err != nil {
			return nil, err
		}
		defer f.Close()
		ix, err := readIndex(f, j.path, true)
		if err != nil {
			return nil, err
		}
		out := make([]offboarding.RunSummary, len(ix.runs))
		for i, r := range ix.runs {
			out[i] = summary(r, ix.infos[i])
		}
		return out, nil
	}
	j.fmu.RLock()
	defer j.fmu.RUnlock()
	j.mu.Lock()
	if err := j.check(false); err != nil {
		j.mu.Unlock()
		return nil, err
	}
	runs := make([]runState, 0, len(j.runs))
	for _, r := range j.runs {
		if r.frame >= 0 {
			runs = append(runs, *r)
		}
	}
	j.mu.Unlock()
	out := make([]offboarding.RunSummary, len(runs))
	for i := range runs {
		info, err := readStart(j.f, j.path, runs[i].frame, runs[i].rec)
		if err != nil {
			return nil, err
		}
		out[i] = summary(&runs[i], info)
	}
	return out, nil
}

// summary is a run's RunSummary.
func summary(r *runState, info offboarding.RunInfo) offboarding.RunSummary {
	info.IDs = slices.Clone(info.IDs)
	return offboarding.RunSummary{Info: info, Finished: r.finished, Counts: maps.Clone(r.counts), Abandoned: r.abandoned}
}
