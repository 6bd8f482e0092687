// Package journaldata is the record BenchmarkJournal writes for each
// contender and size (one JSON file each) and the report program reads
// back to write BENCHMARKS.md's journal section.
package journaldata

import (
	"fmt"
	"slices"
	"time"

	"github.com/m365kit/backuprestore/bench/internal/records"
)

// The contenders of BenchmarkJournal, in the table's order.
const (
	// Before is the CLI's bbolt store before filejournal: one
	// transaction per Record.
	Before = "before"
	// FileJournal is offboarding/filejournal.
	FileJournal = "filejournal"
	// BoltTuned is bbolt tuned for the job (the alternative).
	BoltTuned = "bolt-tuned"
	// Floor is the fsync'd append-only floor.
	Floor = "floor"
)

// Contenders lists the contenders in the table's order.
var Contenders = []string{Before, FileJournal, BoltTuned, Floor}

// Run is one contender's replay of a run's journal traffic.
type Run struct {
	Contender string `json:"contender"`
	Round     int    `json:"round"`
	// Units is the run's size; Entries and Records what it recorded
	// (entries, and Start, Record and Finish calls).
	Units   int `json:"units"`
	Entries int `json:"entries"`
	Records int `json:"records"`
	// Latency is the simulated round trip of each request of the run
	// ($batch, PATCH) between an intent and its outcome.
	Latency time.Duration `json:"latency"`
	// FS is the file system the journal was on (ext4, tmpfs, …).
	FS string `json:"fs"`
	// Wall is the replay's time, from Open to Close (Finish included).
	Wall time.Duration `json:"wall"`
	// CPU is the child process's user + system time over the replay.
	CPU time.Duration `json:"cpu"`
	// Syncs is the journal's own count of fsync-family calls (-1: it
	// keeps none); StraceSyncs strace's count for the whole child process
	// by syscall (nil: strace was not run).
	Syncs       int64            `json:"syncs"`
	StraceSyncs map[string]int64 `json:"straceSyncs,omitempty"`
	// Commits is filejournal's frames written (its Stats).
	Commits int64 `json:"commits,omitempty"`
	// WriteBytes is /proc/self/io's write_bytes over the replay: the bytes
	// the process sent to the storage layer (each page dirtied counts
	// 4 KiB, again after every sync). FileBytes is the journal's files'
	// size at the end.
	WriteBytes int64 `json:"writeBytes"`
	FileBytes  int64 `json:"fileBytes"`
	// PeakRSS is the child's peak resident set over the replay above its
	// resident set before (VmHWM, reset before the replay); PeakHeap the
	// highest live Go heap sampled above the heap before.
	PeakRSS  int64 `json:"peakRSS"`
	PeakHeap int64 `json:"peakHeap"`
	// LoadOpen is the Load of the unfinished run (all its entries, as a
	// resume reads it) on the open journal, LoadOpenEntries their number;
	// Load is opening the finished, closed journal and loading the run
	// (as status does: read-only where the contender has it),
	// LoadEntries their number (fewer when it compacted); LoadHeap the
	// live heap the loaded entries hold.
	// LoadOpenCPU and LoadCPU are the process's CPU time over each load
	// (all its threads: decoding runs on every CPU).
	LoadOpen        time.Duration `json:"loadOpen"`
	LoadOpenCPU     time.Duration `json:"loadOpenCPU"`
	LoadOpenEntries int           `json:"loadOpenEntries"`
	Load            time.Duration `json:"load"`
	LoadCPU         time.Duration `json:"loadCPU"`
	LoadEntries     int           `json:"loadEntries"`
	LoadHeap        int64         `json:"loadHeap"`
	// LoadAvg is /proc/loadavg's 1-minute figure when the replay ended:
	// wall times on a busy machine stretch, CPU times do not.
	LoadAvg float64 `json:"loadAvg"`
	// MaxRSS is the child's peak resident set over its life (VmHWM at the
	// end, loads included).
	MaxRSS int64 `json:"maxRSS"`
	// Error is the replay's failure, if any.
	Error string `json:"error,omitempty"`
}

// FsyncCalls is strace's count when there is one, else the journal's own.
func (r *Run) FsyncCalls() int64 {
	if r.StraceSyncs != nil {
		var n int64
		for _, v := range r.StraceSyncs {
			n += v
		}
		return n
	}
	return r.Syncs
}

// PerUnit divides by Units (0 without units).
func (r *Run) PerUnit(v float64) float64 {
	if r.Units == 0 {
		return 0
	}
	return v / float64(r.Units)
}

func (r *Run) fileName() string {
	return fmt.Sprintf("journal-%d-%s-%d.json", r.Units, r.Contender, r.Round)
}

// Write writes r into dir as JSON.
func Write(dir string, r *Run) error { return records.Write(dir, r.fileName(), r) }

// ReadAll reads every journal-*.json record of dir, by units, round, then
// contender (in Contenders' order).
func ReadAll(dir string) ([]Run, error) {
	out, err := records.ReadAll[Run](dir, "journal-*.json")
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b Run) int {
		if a.Units != b.Units {
			return a.Units - b.Units
		}
		if a.Round != b.Round {
			return a.Round - b.Round
		}
		return slices.Index(Contenders, a.Contender) - slices.Index(Contenders, b.Contender)
	})
	return out, nil
}
