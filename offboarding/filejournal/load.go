package filejournal

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"

	"github.com/m365kit/backuprestore/models"
	"github.com/m365kit/backuprestore/offboarding"
)

// Loading a run decodes its entries on every CPU: the scan (reading and
// checksumming frames) cuts them into chunks, workers decode the chunks,
// and the caller's goroutine appends them in order. Decoding JSON is most
// of a load's time (100,000 units are ~600,000 entries).

// loadChunk is the number of entries one worker decodes at a time.
const loadChunk = 1024

// chunk is a run of entry records of one frame, and their decoding.
type chunk struct {
	foff  int64    // the frame's offset, for errors
	first int      // the index of the first record in its frame
	recs  [][]byte // the records' data, aliasing a copy of the payload
	out   []offboarding.Entry
	err   error
	done  chan struct{}
}

// loadRun reads the run whose start is record rec of the frame at off,
// scanning up to end: its description and entries, which end at the next
// run's start. n is the number of entries expected (a hint). It fails
// with a *CorruptError when an entry cannot be decoded (one written by a
// newer version, say), naming its frame's offset, and as scanFrames does.
func loadRun(r io.ReaderAt, path string, off int64, rec int, end int64, n int) (offboarding.RunInfo, []offboarding.Entry, error) {
	workers := runtime.GOMAXPROCS(0)
	work := make(chan *chunk, 2*workers)
	order := make(chan *chunk, 4*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var in interner
			for c := range work {
				c.out = make([]offboarding.Entry, len(c.recs))
				for i, b := range c.recs {
					e, err := offboarding.DecodeEntry(b)
					if err != nil {
						c.err = &CorruptError{Path: path, Offset: c.foff, Reason: fmt.Sprintf("record %d of the frame: an entry: %v", c.first+i, err)}
						break
					}
					in.entry(&e)
					c.out[i] = e
				}
				c.recs = nil
				close(c.done)
			}
		})
	}

	var info offboarding.RunInfo
	started := false
	stop := make(chan struct{}) // closed by the collector on a decoding error
	scanErr := make(chan error, 1)
	go func() {
		defer close(order)
		defer close(work)
		send := func(c *chunk) bool {
			select {
			case order <- c:
			case <-stop:
				return false
			}
			work <- c
			return true
		}
		_, err := scanFrames(r, path, off, end, func(foff int64, payload []byte) error {
			var cur *chunk
			var own []byte // this frame's payload, copied once it holds entries
			err := parseRecords(payload, func(i int, rc record) error {
				if !started {
					if foff != off || i != rec {
						return nil
					}
					if rc.typ != recStart {
						return &CorruptError{Path: path, Offset: foff, Reason: fmt.Sprintf("record %d of the frame: not a run's start", i)}
					}
					var err error
					if info, err = offboarding.UnmarshalRunInfo(rc.data); err != nil {
						return &CorruptError{Path: path, Offset: foff, Reason: fmt.Sprintf("record %d of the frame: a run's start: %v", i, err)}
					}
					started = true
					return nil
				}
				switch rc.typ {
				case recStart:
					return errStop
				case recEntry:
					if own == nil {
						own = slices.Clone(payload)
					}
					if cur == nil {
						cur = &chunk{foff: foff, first: i, done: make(chan struct{}), recs: make([][]byte, 0, loadChunk)}
					}
					cur.recs = append(cur.recs, own[rc.at:rc.at+len(rc.data)])
					if len(cur.recs) == loadChunk {
						if !send(cur) {
							return errStop
						}
						cur = nil
					}
				}
				return nil
			})
			if cur != nil && !send(cur) {
				return errStop
			}
			return err
		})
		scanErr <- err
	}()

	out := make([]offboarding.Entry, 0, n)
	var decErr error
	for c := range order {
		<-c.done
		if c.err != nil && decErr == nil {
			decErr = c.err
			close(stop)
		}
		if decErr == nil {
			out = append(out, c.out...)
		}
	}
	wg.Wait()
	err := <-scanErr
	switch {
	case decErr != nil:
		return offboarding.RunInfo{}, nil, decErr
	case err != nil && !errors.Is(err, errStop):
		return offboarding.RunInfo{}, nil, err
	case !started:
		return offboarding.RunInfo{}, nil, &CorruptError{Path: path, Offset: off, Reason: "the run's start record is missing"}
	}
	return info, out, nil
}

// interner shares the strings that repeat across many units (a policy's
// ID and name, a status, a reason), so that a loaded run holds each once
// per worker instead of once per entry. A unit's own ID and name repeat
// only in its few entries: interning them saved ~65 bytes per entry but
// cost a fifth of a load's CPU (a map of 100,000 keys per worker), so they
// are not.
type interner map[string]string

func (in *interner) str(s string) string {
	if *in == nil {
		*in = map[string]string{}
	}
	if v, ok := (*in)[s]; ok {
		return v
	}
	(*in)[s] = s
	return s
}

// entry interns e's repeating strings.
func (in *interner) entry(e *offboarding.Entry) {
	e.PolicyID = in.str(e.PolicyID)
	e.PolicyName = in.str(e.PolicyName)
	e.Status = models.ProtectionUnitStatus(in.str(string(e.Status)))
	e.Reason = offboarding.Reason(in.str(string(e.Reason)))
}
