// Package floor is the journal benchmark's floor: the least a durable
// journal can do. Concurrent Record calls are appended as one write and
// synced with one fdatasync (group commit), as uvarint-length-prefixed
// entries (offboarding.AppendEntry); no checksum, no header, no lock, no
// compaction, no history, no torn-write handling. Load reads the file and
// decodes it on one goroutine. Not a journal to use: a yardstick.
package floor

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/m365kit/backuprestore/offboarding"
)

// Journal is the floor's journal file.
type Journal struct {
	f     *os.File
	syncs atomic.Int64

	mu      sync.Mutex
	cond    sync.Cond
	pending *batch
	end     int64
	closing bool
	stopped chan struct{}
	err     error
}

type batch struct {
	buf  []byte
	done chan struct{}
	err  error
}

// Open creates (truncating) the floor's file at path.
func Open(path string) (*Journal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	j := &Journal{f: f, stopped: make(chan struct{})}
	j.cond.L = &j.mu
	go j.commit()
	return j, nil
}

// Syncs is the number of fdatasync calls.
func (j *Journal) Syncs() int64 { return j.syncs.Load() }

func (j *Journal) commit() {
	defer close(j.stopped)
	for {
		j.mu.Lock()
		for j.pending == nil && !j.closing {
			j.cond.Wait()
		}
		b := j.pending
		j.pending = nil
		off := j.end
		j.mu.Unlock()
		if b == nil {
			return
		}
		_, err := j.f.WriteAt(b.buf, off)
		if err == nil {
			j.syncs.Add(1)
			err = unix.Fdatasync(int(j.f.Fd()))
		}
		j.mu.Lock()
		j.end = off + int64(len(b.buf))
		j.mu.Unlock()
		b.err = err
		close(b.done)
	}
}

func (j *Journal) append(data []byte) error {
	j.mu.Lock()
	if j.err != nil {
		j.mu.Unlock()
		return j.err
	}
	b := j.pending
	if b == nil {
		b = &batch{done: make(chan struct{})}
		j.pending = b
		j.cond.Signal()
	}
	b.buf = append(b.buf, data...)
	j.mu.Unlock()
	<-b.done
	return b.err
}

func appendRecord(dst, data []byte) []byte {
	return append(binary.AppendUvarint(dst, uint64(len(data))), data...)
}

// Start writes the run's description.
func (j *Journal) Start(_ context.Context, info offboarding.RunInfo) error {
	return j.append(appendRecord(nil, offboarding.MarshalRunInfo(info)))
}

// Record appends the entries, synced when it returns.
func (j *Journal) Record(_ context.Context, entries ...offboarding.Entry) error {
	var data, tmp []byte
	for _, e := range entries {
		var err error
		if tmp, err = offboarding.AppendEntry(tmp[:0], e); err != nil {
			return err
		}
		data = appendRecord(data, tmp)
	}
	return j.append(data)
}

// Finish does nothing.
func (j *Journal) Finish(context.Context, offboarding.RunEnd) error { return nil }

// Load reads the run back.
func (j *Journal) Load(context.Context) (offboarding.RunInfo, []offboarding.Entry, error) {
	j.mu.Lock()
	end := j.end
	j.mu.Unlock()
	b := make([]byte, end)
	if _, err := j.f.ReadAt(b, 0); err != nil {
		return offboarding.RunInfo{}, nil, err
	}
	return decode(b)
}

// LoadFile reads the run of the floor's file at path (closed).
func LoadFile(path string) (offboarding.RunInfo, []offboarding.Entry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return offboarding.RunInfo{}, nil, err
	}
	return decode(b)
}

// decode reads a floor file's contents.
func decode(b []byte) (offboarding.RunInfo, []offboarding.Entry, error) {
	next := func() ([]byte, error) {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return nil, errors.New("floor: bad record")
		}
		r := b[k : k+int(n)]
		b = b[k+int(n):]
		return r, nil
	}
	if len(b) == 0 {
		return offboarding.RunInfo{}, nil, offboarding.ErrNoRun
	}
	r, err := next()
	if err != nil {
		return offboarding.RunInfo{}, nil, err
	}
	info, err := offboarding.UnmarshalRunInfo(r)
	if err != nil {
		return info, nil, err
	}
	var out []offboarding.Entry
	for len(b) > 0 {
		if r, err = next(); err != nil {
			return info, nil, err
		}
		e, err := offboarding.DecodeEntry(r)
		if err != nil {
			return info, nil, err
		}
		out = append(out, e)
	}
	return info, out, nil
}

// Close waits for the pending writes and closes the file.
func (j *Journal) Close() error {
	j.mu.Lock()
	j.closing = true
	j.cond.Broadcast()
	j.mu.Unlock()
	<-j.stopped
	return j.f.Close()
}
