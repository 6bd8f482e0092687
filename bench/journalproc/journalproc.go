// Package journalproc runs the journal benchmark's replays (Replay), each
// in a child process of its own: the test binary re-executed, as emuproc
// does, so that a contender's fsyncs (counted by strace over the whole
// process), bytes written (/proc/self/io) and resident memory (VmHWM) are
// its own. TestMain calls RunIfChild first.
package journalproc

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/m365kit/backuprestore/bench/internal/journaldata"
	"github.com/m365kit/backuprestore/bench/internal/journals/before"
	"github.com/m365kit/backuprestore/bench/internal/journals/boltjournal"
	"github.com/m365kit/backuprestore/bench/internal/journals/floor"
	"github.com/m365kit/backuprestore/offboarding"
	"github.com/m365kit/backuprestore/offboarding/filejournal"
)

// childEnv holds the child's Config as JSON; set, it makes RunIfChild
// replay instead of returning.
const childEnv = "BACKUPRESTORE_BENCH_JOURNAL"

// Config is one replay.
type Config struct {
	Contender string
	Traffic   Traffic
	// Dir is where the journal file goes (a fresh directory); Out the
	// file the child writes its record to.
	Dir, Out string
	Round    int
}

// journal is a contender: a Journal that closes.
type journal interface {
	offboarding.Journal
	Close() error
}

// path is the contender's journal file in dir.
func path(dir string) string { return filepath.Join(dir, "journal") }

func open(contender, dir string) (journal, error) {
	switch contender {
	case journaldata.Before:
		return before.Open(path(dir))
	case journaldata.FileJournal:
		return filejournal.Open(path(dir), &filejournal.Options{Command: "journal benchmark"})
	case journaldata.BoltTuned:
		return boltjournal.Open(path(dir), false)
	case journaldata.Floor:
		return floor.Open(path(dir))
	}
	return nil, fmt.Errorf("journalproc: no contender %q", contender)
}

// loadClosed opens the closed journal in dir and loads its run, as status
// does (read-only where the contender has it).
func loadClosed(ctx context.Context, contender, dir string) ([]offboarding.Entry, error) {
	switch contender {
	case journaldata.Before:
		j, err := before.Open(path(dir))
		if err != nil {
			return nil, err
		}
		defer j.Close()
		_, e, err := j.Load(ctx)
		return e, err
	case journaldata.FileJournal:
		j, err := filejournal.OpenReadOnly(path(dir))
		if err != nil {
			return nil, err
		}
		defer j.Close()
		_, e, err := j.Load(ctx)
		return e, err
	case journaldata.BoltTuned:
		j, err := boltjournal.Open(path(dir), true)
		if err != nil {
			return nil, err
		}
		defer j.Close()
		_, e, err := j.Load(ctx)
		return e, err
	case journaldata.Floor:
		_, e, err := floor.LoadFile(path(dir))
		return e, err
	}
	return nil, fmt.Errorf("journalproc: no contender %q", contender)
}

// finishing wraps a journal so that the replay's Finish is preceded by a
// timed Load of the unfinished run (a resume's read), kept out of the
// replay's memory figures: the peaks are taken before it, and reset after
// it once its entries are returned to the operating system.
type finishing struct {
	journal
	peaks     *peaks
	load, cpu time.Duration
	entries   int
}

func (f *finishing) Finish(ctx context.Context, end offboarding.RunEnd) error {
	f.peaks.take()
	start, cpu := time.Now(), cpuTime()
	_, e, err := f.Load(ctx)
	f.load, f.cpu, f.entries = time.Since(start), cpuTime()-cpu, len(e)
	if err != nil {
		return fmt.Errorf("load the unfinished run: %w", err)
	}
	f.peaks.noteLoad()
	e = nil
	debug.FreeOSMemory()
	f.peaks.reset()
	return f.journal.Finish(ctx, end)
}

// peaks follows the process's peak resident set (VmHWM) and live heap
// (sampled every 5 ms), over windows: take ends one, reset starts the
// next; max is the highest over them all.
type peaks struct {
	heap, heapMax atomic.Uint64
	rssMax        int64
	// loadRSS is the resident set's peak over the unfinished run's load.
	loadRSS int64
	stop    chan struct{}
	done    chan struct{}
}

// noteLoad keeps the peak of the window's load, apart.
func (p *peaks) noteLoad() {
	if hwm, err := procStatus("VmHWM"); err == nil {
		p.loadRSS = max(p.loadRSS, hwm)
	}
}

func newPeaks() *peaks {
	resetPeakRSS()
	p := &peaks{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			h := liveHeap()
			for {
				cur := p.heap.Load()
				if h <= cur || p.heap.CompareAndSwap(cur, h) {
					break
				}
			}
			select {
			case <-p.stop:
				return
			case <-t.C:
			}
		}
	}()
	return p
}

// take ends a window.
func (p *peaks) take() {
	if hwm, err := procStatus("VmHWM"); err == nil {
		p.rssMax = max(p.rssMax, hwm)
	}
	p.heapMax.Store(max(p.heapMax.Load(), p.heap.Load(), liveHeap()))
}

// reset starts a window.
func (p *peaks) reset() {
	resetPeakRSS()
	p.heap.Store(liveHeap())
}

// end ends the last window and stops the sampling.
func (p *peaks) end() (rss int64, heap uint64) {
	close(p.stop)
	<-p.done
	p.take()
	return p.rssMax, p.heapMax.Load()
}

// RunIfChild replays and exits when this process is a replay's child; it
// returns at once otherwise.
func RunIfChild() {
	v := os.Getenv(childEnv)
	if v == "" {
		return
	}
	var cfg Config
	if err := json.Unmarshal([]byte(v), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "journalproc:", err)
		os.Exit(2)
	}
	r := child(cfg)
	if err := journaldataWrite(cfg.Out, &r); err != nil {
		fmt.Fprintln(os.Stderr, "journalproc:", err)
		os.Exit(2)
	}
	os.Exit(0)
}

func journaldataWrite(path string, r *journaldata.Run) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// child replays cfg in this process and measures it.
func child(cfg Config) journaldata.Run {
	ctx := context.Background()
	r := journaldata.Run{Contender: cfg.Contender, Round: cfg.Round, Units: cfg.Traffic.Units, Latency: cfg.Traffic.Latency,
		FS: fsType(cfg.Dir), Syncs: -1}
	fail := func(err error) journaldata.Run {
		r.Error = err.Error()
		return r
	}
	runtime.GC()
	debug.FreeOSMemory()
	rss0, _ := procStatus("VmRSS")
	heap0 := liveHeap()
	io0, err := writeBytes()
	if err != nil {
		return fail(err)
	}
	cpu0 := cpuTime()
	pk := newPeaks()

	start := time.Now()
	j, err := open(cfg.Contender, cfg.Dir)
	if err != nil {
		return fail(err)
	}
	fj := &finishing{journal: j, peaks: pk}
	c, err := Replay(ctx, fj, cfg.Traffic)
	if err != nil {
		_ = j.Close()
		return fail(err)
	}
	if err := j.Close(); err != nil {
		return fail(err)
	}
	r.Wall = time.Since(start)
	rss, heap := pk.end()
	r.PeakRSS, r.PeakHeap = rss-rss0, int64(heap)-int64(heap0)
	r.CPU = cpuTime() - cpu0
	io1, err := writeBytes()
	if err != nil {
		return fail(err)
	}
	r.WriteBytes = io1 - io0
	r.Entries, r.Records = c.Entries, c.Calls
	r.LoadOpen, r.LoadOpenCPU, r.LoadOpenEntries = fj.load, fj.cpu, fj.entries
	r.LoadAvg = loadAvg()
	switch j := j.(type) {
	case *filejournal.Journal:
		st := j.Stats()
		r.Syncs, r.Commits = st.Syncs, st.Commits
		if st.CompactErr != nil {
			return fail(st.CompactErr)
		}
	case *floor.Journal:
		r.Syncs = j.Syncs()
	}
	r.FileBytes = dirSize(cfg.Dir)

	runtime.GC()
	heap1 := liveHeap()
	start, cpu := time.Now(), cpuTime()
	entries, err := loadClosed(ctx, cfg.Contender, cfg.Dir)
	r.Load, r.LoadCPU = time.Since(start), cpuTime()-cpu
	if err != nil {
		return fail(fmt.Errorf("load the finished run: %w", err))
	}
	r.LoadEntries = len(entries)
	runtime.GC()
	r.LoadHeap = int64(liveHeap()) - int64(heap1)
	runtime.KeepAlive(entries)
	hwm, _ := procStatus("VmHWM")
	r.MaxRSS = max(hwm, rss, pk.loadRSS)
	return r
}

// loadAvg is /proc/loadavg's 1-minute load average (0 if unknown).
func loadAvg() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, _ := strconv.ParseFloat(strings.Fields(string(b) + " 0")[0], 64)
	return f
}

// liveHeap is the Go heap's live objects, in bytes.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// writeBytes is /proc/self/io's write_bytes.
func writeBytes() (int64, error) {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "write_bytes: "); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, errors.New("journalproc: no write_bytes in /proc/self/io")
}

// procStatus reads a "kB" field of /proc/self/status, in bytes.
func procStatus(field string) (int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n * 1024, err
		}
	}
	return 0, fmt.Errorf("journalproc: no %s in /proc/self/status", field)
}

// resetPeakRSS resets VmHWM to the current resident set (Linux 4.0+).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

func dirSize(dir string) int64 {
	var n int64
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() {
			n += fi.Size()
		}
	}
	return n
}

func fsType(dir string) string {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return "unknown"
	}
	switch uint32(st.Type) {
	case 0xEF53:
		return "ext4"
	case 0x01021994:
		return "tmpfs"
	case 0x58465342:
		return "xfs"
	case 0x9123683E:
		return "btrfs"
	case 0x794c7630:
		return "overlayfs"
	}
	return fmt.Sprintf("%#x", st.Type)
}

// Run replays cfg in a child process, under strace when withStrace (its
// count of fsync, fdatasync and sync_file_range calls goes into the
// record), and returns the child's record. cfg.Dir must be an empty
// directory; cfg.Out is set here.
func Run(ctx context.Context, cfg Config, withStrace bool) (journaldata.Run, error) {
	cfg.Out = filepath.Join(cfg.Dir, "..", filepath.Base(cfg.Dir)+".result.json")
	v, err := json.Marshal(cfg)
	if err != nil {
		return journaldata.Run{}, err
	}
	self, err := os.Executable()
	if err != nil {
		return journaldata.Run{}, err
	}
	args := []string{self, "-test.run=^$"}
	straceOut := cfg.Out + ".strace"
	if withStrace {
		args = append([]string{"strace", "-f", "--seccomp-bpf", "-c", "-o", straceOut, "-e", "trace=fsync,fdatasync,sync_file_range"}, args...)
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = append(os.Environ(), childEnv+"="+string(v))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return journaldata.Run{}, fmt.Errorf("journalproc: %s %d units: %w", cfg.Contender, cfg.Traffic.Units, err)
	}
	b, err := os.ReadFile(cfg.Out)
	if err != nil {
		return journaldata.Run{}, err
	}
	var r journaldata.Run
	if err := json.Unmarshal(b, &r); err != nil {
		return r, err
	}
	if withStrace {
		f, err := os.Open(straceOut)
		if err != nil {
			return r, err
		}
		defer f.Close()
		if r.StraceSyncs, err = parseStrace(f); err != nil {
			return r, err
		}
	}
	if r.Error != "" {
		return r, fmt.Errorf("journalproc: %s %d units: %s", cfg.Contender, cfg.Traffic.Units, r.Error)
	}
	return r, nil
}

// straceRow is a row of strace -c's summary: calls, then the syscall.
var straceRow = regexp.MustCompile(`^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(fsync|fdatasync|sync_file_range)\s*$`)

// parseStrace reads strace -c's summary: calls per fsync-family syscall
// (every one of the three, 0 when absent).
func parseStrace(r io.Reader) (map[string]int64, error) {
	out := map[string]int64{"fsync": 0, "fdatasync": 0, "sync_file_range": 0}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if m := straceRow.FindStringSubmatch(sc.Text()); m != nil {
			n, err := strconv.ParseInt(m[1], 10, 64)
			if err != nil {
				return nil, err
			}
			out[m[2]] = n
		}
	}
	return out, sc.Err()
}

// StraceUsable reports whether strace with --seccomp-bpf can trace a child
// here (it stops only at the traced syscalls, so the replay's timing is
// not disturbed).
func StraceUsable() bool {
	return exec.Command("strace", "-f", "--seccomp-bpf", "-c", "-o", os.DevNull, "-e", "trace=fsync", "true").Run() == nil
}
