// Package boltjournal is the alternative offboarding/filejournal was
// measured against (issue 20.4: "bbolt tuned for it"): an
// offboarding.Journal and offboarding.History on bbolt, with concurrent
// Record calls coalesced into one transaction (db.Batch), the freelist not
// synced (NoFreelistSync, rebuilt on open), a map freelist, entry buckets
// filled to 100% (keys only ever grow), and each finished run compacted in
// place (offboarding.Compactor; the freed pages are reused, the file does
// not shrink). It lives in the benchmarks, not the product: see
// filejournal's package doc for why it was not chosen.
package boltjournal

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/m365kit/backuprestore/offboarding"
)

var (
	bucketRuns    = []byte("runs")
	bucketEntries = []byte("entries")
	keyInfo       = []byte("info")
	keyEnd        = []byte("end")
	keyAbandoned  = []byte("abandoned")
)

// Journal is a bbolt journal file.
type Journal struct {
	db *bolt.DB
}

type endJSON struct {
	Finished time.Time                   `json:"finished"`
	Counts   map[offboarding.Outcome]int `json:"counts,omitempty"`
}

// Open opens the journal at path, creating it for writing. bbolt locks the
// file: exclusively for a writer, shared for a reader, so a reader waits
// for a writer to close (up to a second here, then fails).
func Open(path string, readOnly bool) (*Journal, error) {
	if !readOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: readOnly,
		NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return nil, err
	}
	if !readOnly {
		if err := db.Update(func(tx *bolt.Tx) error {
			_, err := tx.CreateBucketIfNotExists(bucketRuns)
			return err
		}); err != nil {
			_ = db.Close()
			return nil, err
		}
	}
	return &Journal{db: db}, nil
}

// Close closes the file.
func (j *Journal) Close() error { return j.db.Close() }

func seqKey(n uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], n)
	return k[:]
}

// latest returns the latest run's bucket, or nil.
func latest(tx *bolt.Tx) *bolt.Bucket {
	runs := tx.Bucket(bucketRuns)
	if runs == nil {
		return nil
	}
	k, _ := runs.Cursor().Last()
	if k == nil {
		return nil
	}
	return runs.Bucket(k)
}

func ended(b *bolt.Bucket) bool { return b.Get(keyEnd) != nil || b.Get(keyAbandoned) != nil }

// Start implements offboarding.Journal.
func (j *Journal) Start(_ context.Context, info offboarding.RunInfo) error {
	return j.db.Update(func(tx *bolt.Tx) error {
		if l := latest(tx); l != nil && !ended(l) {
			return offboarding.ErrJournalInUse
		}
		runs := tx.Bucket(bucketRuns)
		n, err := runs.NextSequence()
		if err != nil {
			return err
		}
		if info.ID == "" {
			info.ID = fmt.Sprintf("%06d", n)
		}
		b, err := runs.CreateBucket(seqKey(n))
		if err != nil {
			return err
		}
		if _, err := b.CreateBucket(bucketEntries); err != nil {
			return err
		}
		return b.Put(keyInfo, offboarding.MarshalRunInfo(info))
	})
}

// Record implements offboarding.Journal: concurrent calls share one
// transaction (db.Batch; one call's entries are contiguous).
func (j *Journal) Record(_ context.Context, entries ...offboarding.Entry) error {
	raw := make([][]byte, len(entries))
	for i, e := range entries {
		b, err := offboarding.AppendEntry(nil, e)
		if err != nil {
			return err
		}
		raw[i] = b
	}
	return j.db.Batch(func(tx *bolt.Tx) error {
		l := latest(tx)
		if l == nil {
			return offboarding.ErrNoRun
		}
		eb := l.Bucket(bucketEntries)
		eb.FillPercent = 1
		for _, e := range raw {
			n, err := eb.NextSequence()
			if err != nil {
				return err
			}
			if err := eb.Put(seqKey(n), e); err != nil {
				return err
			}
		}
		return nil
	})
}

// Finish implements offboarding.Journal, and compacts the run in the same
// transaction.
func (j *Journal) Finish(_ context.Context, end offboarding.RunEnd) error {
	if end.Finished.IsZero() {
		end.Finished = time.Now()
	}
	b, err := json.Marshal(endJSON{Finished: end.Finished, Counts: end.Counts})
	if err != nil {
		return err
	}
	return j.db.Update(func(tx *bolt.Tx) error {
		l := latest(tx)
		if l == nil {
			return offboarding.ErrNoRun
		}
		if err := l.Put(keyEnd, b); err != nil {
			return err
		}
		return compact(l.Bucket(bucketEntries))
	})
}

// compact deletes the entries offboarding.Compact drops.
func compact(eb *bolt.Bucket) error {
	var c offboarding.Compactor
	var keys [][]byte
	if err := eb.ForEach(func(k, v []byte) error {
		e, err := offboarding.DecodeEntry(v)
		if err != nil {
			return err
		}
		c.Add(e)
		keys = append(keys, k) // valid for the transaction's life
		return nil
	}); err != nil {
		return err
	}
	keep := c.Keep()
	k := 0
	for i, key := range keys {
		if k < len(keep) && keep[k] == i {
			k++
			continue
		}
		if err := eb.Delete(key); err != nil {
			return err
		}
	}
	return nil
}

// Abandon gives up the latest run if unfinished.
func (j *Journal) Abandon(context.Context) error {
	return j.db.Update(func(tx *bolt.Tx) error {
		l := latest(tx)
		if l == nil {
			return offboarding.ErrNoRun
		}
		if ended(l) {
			return nil
		}
		return l.Put(keyAbandoned, []byte(time.Now().UTC().Format(time.RFC3339Nano)))
	})
}

// Load implements offboarding.Journal.
func (j *Journal) Load(context.Context) (info offboarding.RunInfo, entries []offboarding.Entry, err error) {
	err = j.db.View(func(tx *bolt.Tx) error {
		l := latest(tx)
		if l == nil {
			return offboarding.ErrNoRun
		}
		info, entries, err = load(l)
		return err
	})
	return info, entries, err
}

func load(b *bolt.Bucket) (offboarding.RunInfo, []offboarding.Entry, error) {
	info, err := offboarding.UnmarshalRunInfo(b.Get(keyInfo))
	if err != nil {
		return info, nil, err
	}
	eb := b.Bucket(bucketEntries)
	out := make([]offboarding.Entry, 0, eb.Stats().KeyN)
	err = eb.ForEach(func(_, v []byte) error {
		e, err := offboarding.DecodeEntry(v)
		out = append(out, e)
		return err
	})
	return info, out, err
}

// Runs implements offboarding.History.
func (j *Journal) Runs(context.Context) ([]offboarding.RunSummary, error) {
	var out []offboarding.RunSummary
	err := j.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketRuns).ForEachBucket(func(k []byte) error {
			b := tx.Bucket(bucketRuns).Bucket(k)
			info, err := offboarding.UnmarshalRunInfo(b.Get(keyInfo))
			if err != nil {
				return err
			}
			s := offboarding.RunSummary{Info: info}
			if v := b.Get(keyEnd); v != nil {
				var e endJSON
				if err := json.Unmarshal(v, &e); err != nil {
					return err
				}
				s.Finished, s.Counts = e.Finished, maps.Clone(e.Counts)
			}
			if v := b.Get(keyAbandoned); v != nil {
				if s.Abandoned, err = time.Parse(time.RFC3339Nano, string(v)); err != nil {
					return err
				}
			}
			out = append(out, s)
			return nil
		})
	})
	return out, err
}

// LoadRun implements offboarding.History.
func (j *Journal) LoadRun(_ context.Context, id string) (info offboarding.RunInfo, entries []offboarding.Entry, err error) {
	err = j.db.View(func(tx *bolt.Tx) error {
		found := false
		err := tx.Bucket(bucketRuns).ForEachBucket(func(k []byte) error {
			b := tx.Bucket(bucketRuns).Bucket(k)
			ri, err := offboarding.UnmarshalRunInfo(b.Get(keyInfo))
			if err != nil || ri.ID != id {
				return err
			}
			found = true
			info, entries, err = load(b)
			return err
		})
		if err == nil && !found {
			err = fmt.Errorf("run %q: %w", id, offboarding.ErrNoRun)
		}
		return err
	})
	return info, entries, err
}
