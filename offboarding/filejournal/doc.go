// Package filejournal keeps offboarding runs in a crash-safe file: an
// offboarding.Journal and offboarding.History for a process on one machine
// (the command-line tool's journal).
//
//	j, err := filejournal.Open(path, nil) // creates it; one writer at a time
//	if err != nil {
//		return err // a *LockedError names the process that holds it
//	}
//	defer j.Close()
//	run := offboarding.New(c, &offboarding.Options{Journal: j})
//
// OpenReadOnly opens the same file for Load, Runs and LoadRun alone, while
// a writer holds it (status beside a running run). Every run stays in the
// file: its description, entries, end and counts (Runs, LoadRun); Abandon
// gives up an unfinished latest run so that another may start.
//
// # Guarantees
//
//   - Durable on return: Start, Record, Finish and Abandon return once
//     their records are written and fdatasync'd (fsync where there is no
//     fdatasync; F_FULLFSYNC on macOS). Concurrent calls share one write
//     and one sync (group commit): a committer goroutine writes what was
//     queued as one frame, and the calls made during that write's sync
//     form the next. A run records from up to ~16 goroutines at once, so a
//     run of n units costs about a tenth of n syncs, not one per call.
//   - A call's entries are contiguous and in order, and land together or
//     not at all.
//   - A torn last write (the process killed, the machine losing power in
//     the middle of a write) is detected and dropped when the file is read,
//     and cut from the file when it is opened for writing. It never
//     returned, so nothing acknowledged is lost, and nothing is misread.
//   - Damage anywhere else (a checksum that does not match, a frame cut
//     short with good frames after it) is a *CorruptError naming the file
//     and the byte offset of the damaged frame (errors.Is ErrCorrupt); the
//     file is left as it is.
//   - One writer at a time: Open takes an exclusive lock (flock;
//     LockFileEx on Windows) on path + ".lock" without waiting, and writes
//     its owner into it (process, host, command, since); a second writer
//     fails with a *LockedError naming that owner (errors.Is ErrLocked).
//     The lock file stays (removing it would race with a process about to
//     lock it); it is empty while nobody writes.
//   - Readers take no lock: a read-only journal reads the file afresh on
//     every call and sees every record a writer has synced.
//   - The file is created mode 0600 (its directory 0700) through a
//     temporary file renamed into place, so the path never holds a
//     half-written header. A file that is not a journal fails with
//     ErrNotJournal ("not a backuprestore journal"); one in a newer format
//     with a *VersionError; an operating system's refusal keeps its cause
//     (errors.Is(err, fs.ErrPermission)).
//   - After a failed write or sync every write fails with that error: the
//     journal can no longer say what is on disk, and a run must stop.
//
// # Format (version 1)
//
// A 32-byte header (the magic "backuprestore journal\n", the format version,
// flags, a CRC-32C), then frames: a length, a CRC-32C of the length and the
// payload, and the payload, a sequence of records (a type byte, a uvarint
// length, the data). Records are a run's start (offboarding.MarshalRunInfo),
// entries (offboarding.AppendEntry: the encoding every journal shares), a
// finish (its time and counts), an abandonment, and a compaction mark. A
// record belongs to the run of the last start before it. Every write
// appends exactly one frame, and the next is written only once the last is
// synced, so only the last frame can be torn: a bad frame with a good one
// anywhere after it is corruption. A format change that an older version
// could misread bumps the version.
//
// # Compaction
//
// When a run ends (Finish, Abandon) and the records appended since the last
// compaction are at least as large as what it left, the committer rewrites
// the file beside the journal (every run's start, the entries
// offboarding.Compact keeps, its last end), syncs it, renames it over the
// journal and syncs the directory. A crash leaves the old file or the new
// one. A compaction copies no more than was appended since the previous
// one, so each byte appended is rewritten a bounded number of times however
// long the history grows; it halves a finished offboarding run (its status
// then loads half the entries). It decodes each run twice through an
// offboarding.Compactor, holding a few words per unit, not the entries.
//
// # Why an append-only log, not bbolt
//
// The tool's journal was a bbolt file: one transaction (two fdatasyncs) per
// Record, and the run's description, with every unit ID, beside the
// entries' bucket, so that bbolt's copy-on-write rewrote it at every commit:
// 4.1 fdatasyncs and 594 KiB written per unit for 3,661 units, more per unit
// the more units (46.6 GB for 18,244). Both designs were built and measured
// (BENCHMARKS.md, "Journal"; bench/internal/journals/boltjournal is the
// bbolt one: db.Batch, NoFreelistSync, a map freelist, full pages, each
// run's entries in a bucket of their own, compaction in place) on the same
// replay of a run's traffic (16 requests in flight, 20 ms each), against an
// fsync'd append-only floor:
//
//	per unit of a run           3,600 units            100,000 units
//	                         this   bbolt  floor     this   bbolt  floor
//	fsync-family calls       0.105  0.140  0.098     0.102  0.133  0.106
//	written to disk (B)      3,401  4,583  2,287     3,408  4,634  2,332
//	peak RSS (B)             4,253  5,074  1,869     1,521  3,787    647
//	replay, wall             3.4 s  6.6 s  3.3 s     79 s   151 s  73 s
//	load for resume          174ms  104ms  241ms     2.6 s  2.4 s  4.3 s
//	load for status           77ms   28ms  266ms     1.4 s  0.8 s  6.1 s
//
// Both meet the targets per unit (≤ 0.5 syncs, ≤ 64 KiB written, loads of
// 100,000 units ≤ 5 s). The log was chosen because a reader does not wait
// for the writer: bbolt locks its file shared for a reader and exclusively
// for a writer, so status and runs list would block for as long as a run
// holds the journal, which the tool must not do; an append-only file is
// read beside its writer with no lock at all. It also takes half the wall
// time (bbolt's Batch waits up to 10 ms to fill a transaction, and a commit
// is two syncs in series, pages then meta, where the committer here fills
// the next group during one sync), makes a quarter fewer syncs, writes a
// quarter fewer bytes, keeps less memory (bbolt's file is mapped, and the
// pages it touches count as the process's), and shrinks when it compacts
// (bbolt reuses freed pages, never returns them); loads are alike (status
// of a compacted run a little slower here: two passes over the file). What
// bbolt gives for free, checksummed commits and torn-write safety, costs
// this package its frame format and a scanner, tested with real files cut,
// zeroed and flipped and with writers killed mid-write.
package filejournal
