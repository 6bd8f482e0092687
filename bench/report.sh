#!/usr/bin/env bash
# report.sh runs the bench/ benchmarks, summarises them with benchstat,
# measures the cold build of a one-call program with each client, and writes
# BENCHMARKS.md at the repository root. See BENCHMARKS.md for the method.
#
# The benchmarks are in two modules with one test binary each: bench/ (the
# floor and backuprestore; what CI compiles) and bench/msgraph/ (the
# msgraph-sdk-go contender of the same benchmarks, under the same names, in
# its own module so that CI never compiles msgraph-sdk-go). Each round runs
# bench's binary and then msgraph's, and their output goes into one file, so
# the tables have one column per contender as if one binary had run them.
# A benchmark with an msgraph contender has it in bench/msgraph/ under the
# same Benchmark name, with the one sub-benchmark "msgraph".
#
# Environment (all optional):
#   COUNT=6          -count of the benchmark run
#   BENCHTIME=1s     -benchtime of the benchmark run
#   BENCH=<the five benchmarks of issue 7>   -bench regexp
#   EMU_BENCH='^Benchmark(ListEmulator10000|BulkCancel)$'  -bench regexp of the
#                    emulator listing and bulk cancel (issues 4 and 5), run in the
#                    same rounds right after BENCH; empty: skip their section.
#                    One round takes ~10 s: bulk runs one op (10,000 cancels,
#                    ~3 s, over any -benchtime up to that), the loop of single
#                    calls ~BENCHTIME of 20 ms calls, the listing ~1 s per page size
#   EMU_COUNT=$COUNT     rounds that also run EMU_BENCH (at most COUNT)
#   EMU_BENCHTIME=$BENCHTIME  -benchtime of EMU_BENCH
#   COLD_RUNS=3      cold builds per program (the median is reported) ...
#   MSGRAPH_COLD_RUNS=1  ... except msgraph, whose cold build takes minutes
#   SKIP_COLD=0      1: skip the cold builds (keeps the benchmark tables only)
#   SKIP_VET=0       1: skip timing `go vet ./...` in bench/ (cold and warm
#                    cache, what CI runs) and in bench/msgraph/ (cold, minutes)
#   THROTTLE_BENCH='^BenchmarkThrottledBulk$'  -bench regexp of the throttled
#                    bulk cancel (issue 15.5), run after the rounds with
#                    -benchtime 1x; empty: skip its section. ~7 minutes: each
#                    case runs once against a fresh emulator process, and the
#                    50 items/s cases take ~200 s (adaptive, 10,000 units) and
#                    ~20 s (fixed); a sub-benchmark regexp picks cases, e.g.
#                    '^BenchmarkThrottledBulk$/^limit200$/'
#   THROTTLE_COUNT=1     -count of THROTTLE_BENCH (every run is in the table)
#   LIFECYCLE_BENCH='^BenchmarkOffboardRun$'  -bench regexp of the offboarding
#                    run (issue 14.11), run after the rounds with -benchtime 1x;
#                    empty: skip its section. ~40 s: 5,000 units offboarded by
#                    the SDK's run (~8 s) and by one call per unit and step
#                    (~30 s), each against a fresh emulator process; a
#                    sub-benchmark regexp picks one, e.g. '^BenchmarkOffboardRun$/^run$'
#   LIFECYCLE_COUNT=1    -count of LIFECYCLE_BENCH (every run is in the table)
#   JOURNAL_BENCH='^BenchmarkJournal$'  -bench regexp of the journal benchmark
#                    (issue 20.4), run after the rounds with -benchtime 1x; empty:
#                    skip its section. ~15 minutes: each contender replays a run's
#                    journal traffic in a child process (under strace when usable) at
#                    3,600 and 100,000 units, the before store at 3,600, 10,000 and
#                    20,000 (its bytes grow with the square of the units: ~180 GB at 100,000)
#   JOURNAL_DIR=     directory for the journal files (-journal.dir; default the
#                    system's temporary directory): a real disk, not tmpfs
#   THROTTLE_LOOP_UNITS=500  units the single-call loop contender cancels (it
#                    is latency-bound, ~48/s: 10,000 would take 210 s per limit)
#   SCALE_TESTS=1    0: skip the heap of listing and of bulk results at scale
#                    (issue 15.3: TestListHeapBounded, TestBulkResultsBytesPerUnit,
#                    ~20 s); a failing bound is reported in its table, not fatal
#   ONLY=            comma-separated sections to run alone and splice into the
#                    existing OUT, leaving the rest of it as it is: throttle,
#                    scale, lifecycle, journal (each section sits between
#                    <!-- section:NAME --> markers, which a full run writes too)
#   RECORDS=         directory to keep the throttle, scale and lifecycle records
#                    and raw output in (default: a temporary one, removed at the end)
#   REUSE_RECORDS=0  1: run nothing for the throttle, scale and lifecycle
#                    sections, write them from RECORDS (after editing
#                    bench/analysis-*.md)
#   OUT=../BENCHMARKS.md
#   BENCHSTAT=golang.org/x/perf/cmd/benchstat@latest
#
# Quick run: COUNT=1 BENCHTIME=100ms SKIP_COLD=1 SKIP_VET=1 THROTTLE_BENCH= OUT=/tmp/b.md ./report.sh
# The issue-15 sections alone: ONLY=throttle,scale ./report.sh
# The offboarding run (issue 14.11) alone: ONLY=lifecycle ./report.sh
# The journal benchmark (issue 20.4) alone: ONLY=journal ./report.sh
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
msgraph_dir=$here/msgraph
cd "$here"

COUNT=${COUNT:-6}
BENCHTIME=${BENCHTIME:-1s}
BENCH=${BENCH:-'^Benchmark(CancelOffboard|DecodeUnit|OperationNotAllowed|List10000|CancelOffboardParallel64)$'}
EMU_BENCH=${EMU_BENCH-'^Benchmark(ListEmulator10000|BulkCancel)$'}
EMU_COUNT=${EMU_COUNT:-$COUNT}
EMU_BENCHTIME=${EMU_BENCHTIME:-$BENCHTIME}
(( EMU_COUNT > COUNT )) && EMU_COUNT=$COUNT
[[ -z "$EMU_BENCH" ]] && EMU_COUNT=0
COLD_RUNS=${COLD_RUNS:-3}
MSGRAPH_COLD_RUNS=${MSGRAPH_COLD_RUNS:-1}
SKIP_COLD=${SKIP_COLD:-0}
SKIP_VET=${SKIP_VET:-0}
OUT=${OUT:-$root/BENCHMARKS.md}
BENCHSTAT=${BENCHSTAT:-golang.org/x/perf/cmd/benchstat@latest}
THROTTLE_BENCH=${THROTTLE_BENCH-'^BenchmarkThrottledBulk$'}
THROTTLE_COUNT=${THROTTLE_COUNT:-1}
LIFECYCLE_BENCH=${LIFECYCLE_BENCH-'^BenchmarkOffboardRun$'}
LIFECYCLE_COUNT=${LIFECYCLE_COUNT:-1}
JOURNAL_BENCH=${JOURNAL_BENCH-'^BenchmarkJournal$'}
JOURNAL_DIR=${JOURNAL_DIR:-}
THROTTLE_LOOP_UNITS=${THROTTLE_LOOP_UNITS:-500}
SCALE_TESTS=${SCALE_TESTS:-1}
ONLY=${ONLY:-}
RECORDS=${RECORDS:-}
REUSE_RECORDS=${REUSE_RECORDS:-0}

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-report.XXXXXX")
cleanup() { chmod -R u+w "$work" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

log() { printf '== %s\n' "$*" >&2; }

# Which of the spliceable sections run, and where their records go.
only_throttle=0 only_scale=0 only_lifecycle=0 only_journal=0
if [[ -n "$ONLY" ]]; then
	IFS=, read -ra only_list <<<"$ONLY"
	for name in "${only_list[@]}"; do
		case $name in
		throttle) only_throttle=1 ;;
		scale) only_scale=1 ;;
		lifecycle) only_lifecycle=1 ;;
		journal) only_journal=1 ;;
		*)
			echo "report.sh: ONLY: unknown section '$name' (want throttle, scale, lifecycle, journal)" >&2
			exit 2
			;;
		esac
	done
	if [[ ! -s "$OUT" ]]; then
		echo "report.sh: ONLY needs an existing $OUT to splice the sections into" >&2
		exit 2
	fi
	do_throttle=$only_throttle do_scale=$only_scale do_lifecycle=$only_lifecycle do_journal=$only_journal
else
	do_throttle=0 do_scale=0 do_lifecycle=0 do_journal=0
	[[ -n "$THROTTLE_BENCH" ]] && do_throttle=1
	[[ "$SCALE_TESTS" == 1 ]] && do_scale=1
	[[ -n "$LIFECYCLE_BENCH" ]] && do_lifecycle=1
	[[ -n "$JOURNAL_BENCH" ]] && do_journal=1
fi
records=${RECORDS:-$work/records}
if [[ "$REUSE_RECORDS" == 1 && -z "$RECORDS" ]]; then
	echo "report.sh: REUSE_RECORDS=1 needs RECORDS (the directory of an earlier run's records)" >&2
	exit 2
fi
mkdir -p "$records"
# The plots go beside OUT: into bench/ (linked as bench/…) for the
# repository's BENCHMARKS.md, else into OUT's directory.
out_dir=$(cd "$(dirname "$OUT")" && pwd)
if [[ "$out_dir" == "$root" ]]; then
	svg_dir=$here svg_ref=bench/
else
	svg_dir=$out_dir svg_ref=
fi

cpu_model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
mem_total=$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null || true)
go_version=$(go version)
commit=$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)
loadavg() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown; }

# --- The issue-15 sections ------------------------------------------------
# Each writes $work/section.NAME.md, between its markers, from the records
# in $records/NAME (made here unless REUSE_RECORDS=1, with meta.txt: date,
# commit, load before, load after[, test status]).

# machine_line DIR: the run's date, commit, machine and load, from DIR/meta.txt.
machine_line() {
	local meta
	mapfile -t meta <"$1/meta.txt"
	printf 'Generated by [`bench/report.sh`](bench/report.sh) on %s at commit `%s` (this section alone: `ONLY=%s`);\n' \
		"${meta[0]}" "${meta[1]}" "$(basename "$1")"
	printf '`%s`, %s CPUs (%s), load average (1, 5, 15 min) %s before and %s after.\n' \
		"$go_version" "$(nproc)" "${cpu_model:-unknown CPU}" "${meta[2]}" "${meta[3]}"
}

# analysis FILE: a hand-written analysis file of bench/, if there is one.
analysis() {
	if [[ -s "$here/$1" ]]; then
		printf '\n#### Analysis\n\nHand-written, from [`bench/%s`](bench/%s): check it against the figures above after a rerun.\n\n' "$1" "$1"
		cat "$here/$1"
	fi
}

throttle_section() {
	local dir=$records/throttle load_before
	if [[ "$REUSE_RECORDS" != 1 ]]; then
		rm -rf "$dir" && mkdir -p "$dir"
		load_before=$(loadavg)
		log "throttled bulk cancel: -bench '$THROTTLE_BENCH' -benchtime 1x -count $THROTTLE_COUNT (~7 minutes per count)"
		"$work/bench.test" -test.run '^$' -test.bench "$THROTTLE_BENCH" -test.count "$THROTTLE_COUNT" -test.benchtime 1x \
			-test.benchmem -test.timeout 0 -throttle.out "$dir" -throttle.loopunits "$THROTTLE_LOOP_UNITS" | tee "$dir/raw.txt" >&2
		printf '%s\n%s\n%s\n%s\n' "$(date -u +%Y-%m-%d)" "$commit" "$load_before" "$(loadavg)" >"$dir/meta.txt"
		if grep -Eq '^(--- FAIL|FAIL)' "$dir/raw.txt"; then
			echo "report.sh: a throttled bulk benchmark failed" >&2
			exit 1
		fi
	fi
	go run ./internal/sections throttle -in "$dir" -svg "$svg_dir" -svgref "$svg_ref" >"$work/throttle.tables.md"
	cat >"$work/section.throttle.md" <<SECTION
<!-- section:throttle -->
### Throttled bulk cancel (issue 15.5)

$(machine_line "$dir")

**Method.** \`BenchmarkThrottledBulk\` (\`bench/throttle_test.go\`) cancels the offboarding of 10,000 site units
(all in \`offboardRequested\`) held by the SDK's emulator, which throttles like Graph: one app+tenant token
bucket (\`fake.ThrottleOptions.AppTenant\`) at 50, 200 or 1,000 items/s with a burst of one second's worth
(50, 200, 1,000), one token per \`\$batch\` item (the envelope is free), and a 429 with \`Retry-After\` (when
the bucket holds a token again) for an item that finds it empty. A throttled attempt costs a token too (the
bucket goes into debt, down to −burst), so a client that keeps sending stays throttled. A fourth case does
not throttle. Every HTTP request has 20 ms of latency (\`fake.FaultLatency\` on every route): a \`\$batch\` is
delayed once, not per item; the emulator runs a batch's items one after another, so per-item latency
(\`InBatch: true\`) would make a batch of 20 take 400 ms, which is not how Graph answers. The emulator runs
**in a child process** (\`bench/emuproc\`: the test binary re-executed, a fresh process per case, so every
case starts with a full bucket and untouched units), reached over loopback HTTP with the shared loopback
transport, so that its per-item work, throttling lock and garbage collection are not the client's. Three
contenders, one after another at each limit, in the same run: **adaptive**, the SDK as shipped
(\`CancelOffboardAll(ctx, ids, nil)\`: the client's token bucket, CUBIC on 429, concurrency from rate × RTT, at
most 16 batches of 20 in flight); **fixed**, the scheduler it replaced (\`schedule.NewPacer\` returning
\`schedule.Fixed{InFlight: 4}\`, and \`BulkOptions{MaxConcurrency: 4}\`: 4 batches of 20 in flight, no pacing,
each throttled item resent after its own \`Retry-After\`, at most 8 attempts per item); **single-loop**, one
\`ByID(id).CancelOffboard().Post\` after another over the first $THROTTLE_LOOP_UNITS units only (it is
latency-bound at ~48 calls/s: 10,000 calls would take 210 s at every limit).

Items/s is units cancelled per second of the call's wall time, and % of limit divides it by the limit. The
ideal wall time is the least the bucket allows, (units − burst) / limit (for the loop, at least units × 20 ms
too), so a perfect client reads a little above 100% of the limit. Throttled item attempts are the emulator's
counts: throttled / (admitted + throttled). Failed counts the units whose \`Err\` is set, and of those the
ones matching \`ErrThrottled\`. Each case runs once (\`-benchtime 1x\`, \`-count $THROTTLE_COUNT\`).

$(cat "$work/throttle.tables.md")

The plots show the emulator's counts per interval (4 s at 50/s, 1 s at 200/s, 250 ms at 1,000/s) from the
call's start: admitted items per second (the units cancelled), and the throttled share of each interval's
item attempts (a gap: no attempt in that interval).
$(analysis analysis-throttle.md)

<details><summary>Raw benchmark output, throttled bulk cancel</summary>

\`\`\`
$(cat "$dir/raw.txt")
\`\`\`

</details>
<!-- /section:throttle -->
SECTION
}

scale_section() {
	local dir=$records/scale load_before status=ok verdict
	if [[ "$REUSE_RECORDS" != 1 ]]; then
		rm -rf "$dir" && mkdir -p "$dir"
		load_before=$(loadavg)
		log "heap at scale: TestListHeapBounded, TestBulkResultsBytesPerUnit (~20 s)"
		"$work/bench.test" -test.run '^(TestListHeapBounded|TestBulkResultsBytesPerUnit)$' -test.count 1 -test.v \
			-test.timeout 10m -scale.out "$dir" >"$dir/raw.txt" 2>&1 || status=FAIL
		cat "$dir/raw.txt" >&2
		printf '%s\n%s\n%s\n%s\n%s\n' "$(date -u +%Y-%m-%d)" "$commit" "$load_before" "$(loadavg)" "$status" >"$dir/meta.txt"
	fi
	verdict='passed'
	[[ $(sed -n 5p "$dir/meta.txt") == ok ]] || verdict='**failed** (see the bounds marked missed)'
	go run ./internal/sections scale -in "$dir" >"$work/scale.tables.md"
	cat >"$work/section.scale.md" <<SECTION
<!-- section:scale -->
### Listing and bulk at scale (issue 15.3)

$(machine_line "$dir")
The tests $verdict in this run.

**Method.** Two tests in \`bench/scale_test.go\` (not timed: they measure this process's heap), against the
emulator in a child process (\`bench/emuproc\`), so that its units and the pages it encodes are not on the
client's heap. \`TestListHeapBounded\` lists 10,000 and 100,000 units (\`fake.Server.Seed\`: a realistic mix,
~990 bytes of JSON each) in pages of 999 and 100 (the emulator's page size), with \`ProtectionUnits().All\`
and, for comparison, with one \`Get\` per page following \`NextLink\` by hand. At the first unit of every page
(the page just fetched is held whole, the one before it is garbage) it collects garbage twice (a
\`sync.Pool\`'s contents survive one collection) and reads \`runtime.MemStats\`. Peak is the highest
\`HeapAlloc\` (live heap) and \`HeapInuse\` (its spans) above the same reading before the listing; the first-
and last-tenth means and the trend (least-squares slope over the full pages) show whether anything is kept
from page to page. \`TestBulkResultsBytesPerUnit\` cancels 100,000 units with one \`CancelOffboardAll\` (no
latency, no throttling) and takes the live heap after the call (the \`BulkResults\` held) minus before it (the
IDs and the client already allocated), per unit; then it drops every result's \`Unit\` and measures again,
for the decoded units' share.

$(cat "$work/scale.tables.md")
$(analysis analysis-scale.md)

<details><summary>Test output, heap at scale</summary>

\`\`\`
$(cat "$dir/raw.txt")
\`\`\`

</details>
<!-- /section:scale -->
SECTION
}

lifecycle_section() {
	local dir=$records/lifecycle load_before
	if [[ "$REUSE_RECORDS" != 1 ]]; then
		rm -rf "$dir" && mkdir -p "$dir"
		load_before=$(loadavg)
		log "offboarding run: -bench '$LIFECYCLE_BENCH' -benchtime 1x -count $LIFECYCLE_COUNT (~40 s per count)"
		"$work/bench.test" -test.run '^$' -test.bench "$LIFECYCLE_BENCH" -test.count "$LIFECYCLE_COUNT" -test.benchtime 1x \
			-test.benchmem -test.timeout 0 -lifecycle.out "$dir" | tee "$dir/raw.txt" >&2
		printf '%s\n%s\n%s\n%s\n' "$(date -u +%Y-%m-%d)" "$commit" "$load_before" "$(loadavg)" >"$dir/meta.txt"
		if grep -Eq '^(--- FAIL|FAIL)' "$dir/raw.txt"; then
			echo "report.sh: the offboarding-run benchmark failed" >&2
			exit 1
		fi
	fi
	go run ./internal/sections lifecycle -in "$dir" >"$work/lifecycle.tables.md"
	cat >"$work/section.lifecycle.md" <<SECTION
<!-- section:lifecycle -->
### Offboarding run (issue 14.11)

$(machine_line "$dir")

**Method.** \`BenchmarkOffboardRun\` (\`bench/lifecycle_test.go\`) offboards 5,000 units protected (manually) in
the six policies of \`fake.Server.SeedPolicies\`, two per workload (sites, OneDrive drives and mailboxes in turn,
~833 per policy): every unit goes through every stage. The emulator runs **in a child process**
(\`bench/emuproc\`, a fresh one per contender), reached over loopback HTTP with the shared loopback transport,
with 20 ms of latency on every HTTP request (a \`\$batch\` is delayed once) and a real-time clock on which a
removal completes 2 s after the PATCH that requested it. Two contenders, one after the other, in the same run:
**run**, the SDK as shipped: one \`c.Offboarding(&RunOptions{Wait: …}).Offboard(ctx, ids)\` (the service-status gate,
a read of every unit through \`\$batch\`, a PATCH per 50 units of a policy, waits that poll many units per
\`\$batch\`, offboards through \`\$batch\`; its bulk stages use the adaptive scheduler's defaults, up to 16 batches in
flight); **per-unit**, one call per unit and step: \`ByID(id).Get\`, \`RemoveUnits\` of just that unit on its policy
(typed by workload, so no read of the policy), \`ByID(id).Wait(ctx, UntilRemoved, …)\`, \`ByID(id).Offboard().Post\`;
all 5,000 units at once, through a transport that lets at most **16 requests** be in flight (a unit between two
polls holds no slot, so waiting does not idle the 16). Both wait with the same \`WaitOptions\`: first poll 1 s
(half the removal delay) after a wait starts, growing by half per poll (±20% jitter) up to 5 s.

HTTP requests are the emulator's request log (\`GET /_emulator/requests\`, its control API not counted), a \`\$batch\`
counting one, polls and retries included; the benchmark fails unless a counting transport on the client saw as
many. Wall time runs from the first request to the last answer. A unit counts as offboarded when the run reports
it \`OutcomeDone\`, or when its \`Offboard().Post\` answered \`offboardRequested\`. Each contender runs once
(\`-benchtime 1x\`, \`-count $LIFECYCLE_COUNT\`).

$(cat "$work/lifecycle.tables.md")
$(analysis analysis-lifecycle.md)

<details><summary>Raw benchmark output, offboarding run</summary>

\`\`\`
$(cat "$dir/raw.txt")
\`\`\`

</details>
<!-- /section:lifecycle -->
SECTION
}

journal_section() {
	local dir=$records/journal load_before
	if [[ "$REUSE_RECORDS" != 1 ]]; then
		rm -rf "$dir" && mkdir -p "$dir"
		load_before=$(loadavg)
		log "journal benchmark: -bench '$JOURNAL_BENCH' -benchtime 1x (~15 minutes)"
		local jdir=()
		[[ -n "$JOURNAL_DIR" ]] && jdir=(-journal.dir "$JOURNAL_DIR")
		"$work/bench.test" -test.run '^$' -test.bench "$JOURNAL_BENCH" -test.count 1 -test.benchtime 1x \
			-test.timeout 0 -journal.out "$dir" ${jdir[@]+"${jdir[@]}"} | tee "$dir/raw.txt" >&2
		printf '%s\n%s\n%s\n%s\n' "$(date -u +%Y-%m-%d)" "$commit" "$load_before" "$(loadavg)" >"$dir/meta.txt"
		if grep -Eq '^(--- FAIL|FAIL)' "$dir/raw.txt"; then
			echo "report.sh: the journal benchmark failed" >&2
			exit 1
		fi
	fi
	go run ./internal/sections journal -in "$dir" >"$work/journal.tables.md"
	cat >"$work/section.journal.md" <<SECTION
<!-- section:journal -->
### Journal (issue 20.4)

$(machine_line "$dir")

**Method.** \`BenchmarkJournal\` (\`bench/journal_test.go\`) replays an offboarding run's journal traffic
(\`bench/journalproc\`, \`Traffic\`) into each contender: \`Start\` with every unit ID; per unit, a read outcome
(recorded per \`\$batch\` of 20 reads, 16 requests in flight), a removal's intent and outcome (per PATCH of 50,
one PATCH after another), a wait outcome (per \`\$batch\` of 20 polls, 16 in flight), an offboarding's intent
and outcome (per \`\$batch\` of 20, 16 in flight, intents before and outcomes after each request), and for
every 50th unit one more outcome recorded alone from the run's goroutine; then \`Finish\` and \`Close\`.
Every simulated request takes 20 ms between its intent and its outcome, so concurrent \`Record\` calls
overlap as a real run's do. Entries are shaped like a run's (GUID unit and policy IDs, names, statuses,
request-ids, send times; ~300 bytes of JSON each), ~6 per unit, ~0.26 \`Record\` calls per unit.

Each replay runs in a **child process** of its own (the test binary re-executed), on the file system
named in the records (\`ext4\` here), under \`strace -f --seccomp-bpf -c -e trace=fsync,fdatasync,sync_file_range\`,
whose count is the table's fsync-family calls (filejournal and the floor also count their own: the two
agree below). **Written to disk** is the child's \`write_bytes\` from \`/proc/self/io\` over the replay:
bytes sent to the storage layer, a page counting 4 KiB each time it is dirtied after a sync (the file
system's own journal is not included). **Peak RSS** is the child's \`VmHWM\` (reset before the replay)
above its resident set before; **peak heap** the live Go heap sampled every 5 ms above the heap before;
both include the replay's own unit list and entries, which the floor's row shows. **Load, unfinished** is
\`Load\` on the open journal just before \`Finish\`: every entry, as a resume reads them. **Load, finished**
opens the closed journal and loads the run, as \`status\` does (read-only where the contender can; a
compacting journal returns fewer entries). CPU times are the whole process's, all threads.

Contenders: **before**, the CLI's bbolt store as it was (\`bench/internal/journals/before\`: one \`db.Update\`,
two fdatasyncs, per \`Record\`); **filejournal**, \`offboarding/filejournal\` (group commit into an append-only,
checksummed log; compaction when the run ends); **bolt-tuned**, bbolt tuned for the job
(\`bench/internal/journals/boltjournal\`: \`db.Batch\`, \`NoFreelistSync\`, map freelist, full pages, each
run's entries in a top-level bucket of their own, compaction in place), the alternative measured and rejected; **floor**, the least a durable journal does
(\`bench/internal/journals/floor\`: group commit, one write and one fdatasync per group, no checksum, no
compaction). The before store runs at 3,600, 10,000 and 20,000 units only: its bytes written grow with the
square of the units, ~180 GB at 100,000, which this shared machine's disk is spared; its 100,000-unit row
is extrapolated and marked so.

$(cat "$work/journal.tables.md")
$(analysis analysis-journal.md)

<details><summary>Raw benchmark output, journal</summary>

\`\`\`
$(cat "$dir/raw.txt")
\`\`\`

</details>
<!-- /section:journal -->
SECTION
}

# build_bench_test: the test binary of bench/, built once.
build_bench_test() {
	[[ -x "$work/bench.test" ]] || go test -c -o "$work/bench.test" .
}

# --- ONLY: the issue-15 sections alone, spliced into OUT ------------------
if [[ -n "$ONLY" ]]; then
	log "downloading modules (bench/)"
	go mod download
	if [[ "$REUSE_RECORDS" != 1 ]]; then
		log "building the benchmark binary"
		build_bench_test
	fi
	for name in throttle scale lifecycle journal; do
		var=only_$name
		((${!var})) || continue
		"${name}_section"
		go run ./internal/sections splice -into "$OUT" -name "$name" -from "$work/section.$name.md"
		log "spliced the $name section into $OUT"
	done
	exit 0
fi

# GNU time, for wall time and peak RSS. Installed only if missing.
if [[ "$SKIP_COLD" != 1 || "$SKIP_VET" != 1 ]] && [[ ! -x /usr/bin/time ]]; then
	if command -v apt-get >/dev/null && [[ $(id -u) == 0 ]]; then
		log "installing GNU time"
		apt-get update && apt-get install -y time
	else
		echo "report.sh: /usr/bin/time (GNU time) is required; install the 'time' package" >&2
		exit 1
	fi
fi

# timed FILE CMD...: run CMD under GNU time -v, its report in FILE.
timed() {
	local file=$1
	shift
	/usr/bin/time -v -o "$file" "$@"
}
# elapsed/cpu/rss FILE: fields of a GNU time -v report.
elapsed() { awk -F': ' '/Elapsed \(wall clock\) time/ {print $NF}' "$1"; }
cpu() { awk -F': ' '/User time \(seconds\)/ {u=$NF} /System time \(seconds\)/ {s=$NF} END {printf "%.2f", u+s}' "$1"; }
rss() { awk -F': ' '/Maximum resident set size/ {print $NF}' "$1"; }

# Downloads are not part of any figure.
log "downloading modules"
for dir in "$here" "$msgraph_dir"; do
	(cd "$dir" && go mod download && go list -deps -test ./... >/dev/null)
done

# --- Machine -------------------------------------------------------------
msgraph_version=$(cd "$msgraph_dir" && go list -m -f '{{.Version}}' github.com/microsoftgraph/msgraph-sdk-go)
msgraph_core_version=$(cd "$msgraph_dir" && go list -m -f '{{.Version}}' github.com/microsoftgraph/msgraph-sdk-go-core)
# The Kiota and azidentity versions of each module: the kiota cold build
# uses bench's, the msgraph contender msgraph's. One list when they agree.
shared_versions() {
	go list -m -f '{{.Path}} {{.Version}}' github.com/microsoft/kiota-abstractions-go github.com/microsoft/kiota-http-go \
		github.com/microsoft/kiota-serialization-json-go github.com/microsoft/kiota-authentication-azure-go \
		github.com/Azure/azure-sdk-for-go/sdk/azidentity |
		sed -e 's#github.com/microsoft/##' -e 's#github.com/Azure/azure-sdk-for-go/sdk/##' | paste -sd, - | sed 's/,/, /g'
}
bench_versions=$(shared_versions)
msgraph_module_versions=$(cd "$msgraph_dir" && shared_versions)
if [[ "$bench_versions" == "$msgraph_module_versions" ]]; then
	shared_versions_row=$bench_versions
else
	shared_versions_row="bench/: $bench_versions; bench/msgraph/: $msgraph_module_versions"
fi

load_start=$(loadavg)

# --- Benchmarks ----------------------------------------------------------
log "building the benchmark binaries"
build_bench_test
(cd "$msgraph_dir" && go test -c -o "$work/msgraph.test" .)
# COUNT rounds of -count 1, so the contenders are interleaved in time and a
# change in the machine's load shifts them alike instead of one of them.
# Each binary runs in its package's directory, as go test runs it.
: >"$work/bench.txt"
: >"$work/emu.txt"
for ((round = 1; round <= COUNT; round++)); do
	log "benchmarks, round $round/$COUNT: -benchtime $BENCHTIME -bench '$BENCH' (bench/, then bench/msgraph/)"
	for bin in bench msgraph; do
		dir=$here
		[[ $bin == msgraph ]] && dir=$msgraph_dir
		(cd "$dir" && "$work/$bin.test" -test.run '^$' -test.bench "$BENCH" -test.count 1 -test.benchtime "$BENCHTIME" \
			-test.benchmem -test.timeout 0) | tee -a "$work/bench.txt" >&2
	done
	if ((round <= EMU_COUNT)); then
		log "emulator listing and bulk cancel, round $round/$EMU_COUNT: -benchtime $EMU_BENCHTIME -bench '$EMU_BENCH'"
		"$work/bench.test" -test.run '^$' -test.bench "$EMU_BENCH" -test.count 1 -test.benchtime "$EMU_BENCHTIME" \
			-test.benchmem -test.timeout 0 | tee -a "$work/emu.txt" >&2
	fi
done
if grep -Eq '^(--- FAIL|FAIL)' "$work/bench.txt" "$work/emu.txt"; then
	echo "report.sh: a benchmark failed" >&2
	exit 1
fi

# benchstat groups by key=value sub-benchmark names: rewrite "/floor" as
# "/impl=floor" (and the decode floor "/encoding-json" as "/impl=floor") in a
# copy, so each contender becomes a column. -ignore pkg: the two binaries'
# output differs in its pkg line, which would otherwise split the tables.
sed -E -e 's#^(Benchmark[A-Za-z0-9_]+)/encoding-json#\1/floor#' \
	-e 's#^(Benchmark[A-Za-z0-9_]+)/(floor|backuprestore|msgraph)#\1/impl=\2#' "$work/bench.txt" >"$work/bench.impl.txt"
log "benchstat"
(cd "$work" && go run "$BENCHSTAT" -ignore pkg -row .name -col '/impl@(floor backuprestore msgraph)' bench.impl.txt) >"$work/stat.floor.txt"
(cd "$work" && go run "$BENCHSTAT" -ignore pkg -row .name -col '/impl@(backuprestore msgraph)' bench.impl.txt) >"$work/stat.ours.txt"
if ((EMU_COUNT > 0)); then
	# The same for the emulator listing ("/page100/floor" becomes
	# "/page=100/impl=floor") and bulk cancel ("/bulk" becomes "/impl=bulk"),
	# each in its own file so each gets its own columns.
	grep -v '^BenchmarkBulkCancel/' "$work/emu.txt" |
		sed -E 's#^(BenchmarkListEmulator10000)/page([0-9]+)/(floor|backuprestore)#\1/page=\2/impl=\3#' >"$work/emu.list.txt"
	grep -v '^BenchmarkListEmulator10000/' "$work/emu.txt" |
		sed -E 's#^(BenchmarkBulkCancel)/(bulk|single-loop)#\1/impl=\2#' >"$work/emu.bulk.txt"
	(cd "$work" && go run "$BENCHSTAT" -row '.name /page' -col '/impl@(floor backuprestore)' emu.list.txt) >"$work/stat.emu.list.txt"
	(cd "$work" && go run "$BENCHSTAT" -row .name -col '/impl@(single-loop bulk)' emu.bulk.txt) >"$work/stat.emu.bulk.txt"
fi

load_bench=$(loadavg)

# --- The spliceable sections (throttled bulk, heap at scale, offboarding run) ---
((do_throttle)) && throttle_section
((do_scale)) && scale_section
((do_lifecycle)) && lifecycle_section
((do_journal)) && journal_section

# --- Cold builds ---------------------------------------------------------
: >"$work/build.tsv"
if [[ "$SKIP_COLD" != 1 ]]; then
	mkdir -p "$work/bin"
	for prog in raw kiota backuprestore msgraph; do
		runs=$COLD_RUNS dir=$here
		[[ $prog == msgraph ]] && runs=$MSGRAPH_COLD_RUNS dir=$msgraph_dir
		for ((i = 1; i <= runs; i++)); do
			cache="$work/gocache-$prog-$i"
			mkdir -p "$cache"
			GOCACHE="$cache" go clean -cache
			log "cold build $prog ($i/$runs)"
			(cd "$dir" && timed "$work/time.$prog.$i" env GOCACHE="$cache" go build -o "$work/bin/$prog" "./coldbuild/$prog")
			printf '%s\t%s\t%s\t%s\t%s\n' "$prog" "$(elapsed "$work/time.$prog.$i")" "$(cpu "$work/time.$prog.$i")" \
				"$(rss "$work/time.$prog.$i")" "$(stat -c %s "$work/bin/$prog")" >>"$work/build.tsv"
			chmod -R u+w "$cache" && rm -rf "$cache"
		done
	done
fi

load_cold=$(loadavg)

# --- go vet in bench/ (what CI runs) and bench/msgraph/ (what it doesn't) -----
vet_rows=""
if [[ "$SKIP_VET" != 1 ]]; then
	# vet_row LABEL FILE: one row of the table.
	vet_row() { printf '| %s | %s | %s s | %s MiB |\n' "$1" "$(elapsed "$2")" "$(cpu "$2")" $(($(rss "$2") / 1024)); }
	cache="$work/gocache-vet"
	mkdir -p "$cache"
	GOCACHE="$cache" go clean -cache
	log "go vet ./... in bench/ (cold cache)"
	timed "$work/time.vet.cold" env GOCACHE="$cache" go vet ./...
	log "go vet ./... in bench/ (warm cache)"
	timed "$work/time.vet.warm" env GOCACHE="$cache" go vet ./...
	chmod -R u+w "$cache" && rm -rf "$cache"
	mkdir -p "$cache"
	log "go vet ./... in bench/msgraph/ (cold cache)"
	(cd "$msgraph_dir" && timed "$work/time.vet.msgraph" env GOCACHE="$cache" go vet ./...)
	chmod -R u+w "$cache" && rm -rf "$cache"
	vet_rows="$(vet_row 'bench/ (CI), cold (empty GOCACHE)' "$work/time.vet.cold")
$(vet_row 'bench/ (CI), warm (same GOCACHE, nothing changed)' "$work/time.vet.warm")
$(vet_row 'bench/msgraph/ (not in CI), cold (empty GOCACHE)' "$work/time.vet.msgraph")"
fi

load_vet=$(loadavg)

# --- BENCHMARKS.md -----------------------------------------------------------
log "writing $OUT"
build_args=()
[[ -s "$work/build.tsv" ]] && build_args=(-build "$work/build.tsv")
go run ./internal/ratios -bench "$work/bench.txt" ${build_args[@]+"${build_args[@]}"} >"$work/ratios.md"
if ((EMU_COUNT > 0)); then
	go run ./internal/ratios -emulator "$work/emu.txt" >"$work/ratios.emu.md"
fi

# The emulator listing and bulk cancel (issues 4 and 5): their method,
# results, benchstat and raw output, empty when EMU_BENCH is.
emu_method="" emu_results="" emu_stat="" emu_raw=""
if ((EMU_COUNT > 0)); then
	emu_method=$(
		cat <<EOF


**Emulator listing and bulk cancel (issues 4 and 5)**: two more benchmarks, against the SDK's own emulator
(\`fake.NewServer\`) instead of the fixed-body servers above, with two contenders each (no msgraph-sdk-go). They
run in the first $EMU_COUNT of the rounds above, right after the issue-7 benchmarks, each \`-test.bench
'$EMU_BENCH' -test.count 1 -test.benchtime $EMU_BENCHTIME -test.benchmem\`; the figures are medians of those
$EMU_COUNT runs.

| Benchmark | What one op is |
|---|---|
| \`ListEmulator10000/page<N>/…\` | a full listing of 10,000 emulator units (\`Seed(10000)\`, \`Options.Seed\` 1) over loopback (\`httptest\`), in pages of N (\`Options.PageSize\`, 100 and 999), following \`@odata.nextLink\`. floor: the raw \`net/http\` + \`encoding/json\` paging loop of \`List10000\`; backuprestore: \`ProtectionUnits().All\`. Both check the unit count. \`ns/unit\` and \`allocs/unit\` divide by 10,000. The emulator runs **in the benchmark's process**, so its work (filtering and encoding each page) is in both contenders' ns/unit, cpu-ns/op, B/op and allocs/unit: the ratios are of client + emulator, nearer 1× than client-only ratios would be. Target: ours ≤ 1.3× the floor's ns/unit at every page size |
| \`BulkCancel/bulk\`, \`BulkCancel/single-loop\` | cancelling offboardings in an emulator holding offboarding site units, reached through its in-process transport (\`Server.Transport\`, no socket), with a 20 ms latency fault on every HTTP request (a \`\$batch\` counts once). bulk: one \`CancelOffboardAll\` of 10,000 units with its defaults (20 actions per \`\$batch\`; since issue 15 the adaptive scheduler, up to 16 batches in flight as its rate allows, where it had 4), so one op is 10,000 cancels (~2 to 3 s, run once per round; building the emulator is outside the timer); single-loop: one \`ByID(id).CancelOffboard().Post\` per op, one after another. \`ns/cancel\` is the time per cancel; the throughput ratio is the loop's ns/cancel over bulk's. With 4 batches of 20 in flight and nothing but the latency costing anything, it would be 80× (16: 320×, once the rate has ramped up). B/op and allocs/op include the emulator's. Target: bulk ≥ 25× the loop's throughput |
EOF
	)
	emu_results=$(
		cat <<EOF
### Listing from the emulator and bulk cancel (issues 4 and 5)

ours = backuprestore, floor = raw \`net/http\` + \`encoding/json\` (emulator in process: see Method). Medians of
$EMU_COUNT runs.

$(cat "$work/ratios.emu.md")
EOF
	)
	emu_stat=$(
		cat <<EOF
### Emulator listing: backuprestore against the floor

\`\`\`
$(cat "$work/stat.emu.list.txt")
\`\`\`

### Bulk cancel: bulk against the loop of single calls

\`\`\`
$(cat "$work/stat.emu.bulk.txt")
\`\`\`
EOF
	)
	emu_raw=$(
		cat <<EOF
<details><summary>Raw benchmark output, emulator listing and bulk cancel</summary>

\`\`\`
$(cat "$work/emu.txt")
\`\`\`

</details>
EOF
	)
fi

{
	cat <<EOF
# Benchmarks

Generated by [\`bench/report.sh\`](bench/report.sh) on $(date -u +%Y-%m-%d) at commit \`$commit\`. Do not edit by
hand: run \`bench/report.sh\` (see its header for quick-run settings) and commit the result.

All figures are from one shared, noisy machine. Compare the **ratios** between contenders measured in the
same run, not the absolute numbers, and rerun on your own hardware before relying on any of them.

## Method

Three contenders do the same work against the same loopback servers (\`bench/benchserver\`), with the same
seed payloads (\`models/testdata/cancel_offboard_200.json\`, \`cancel_offboard_403.json\`), in the same rounds.
floor and backuprestore are in the module \`bench/\`; msgraph is in the nested module \`bench/msgraph/\` (same
benchmark names, a test binary of its own), so that compiling \`bench/\`, as CI does, never compiles
msgraph-sdk-go. The servers run in a child process (the test binary re-executed by \`TestMain\`), so **B/op and
allocs/op are the client's alone**; with an in-process \`httptest\` server, each call would also count the
server's ~26 allocations, which flatters every ratio against the floor. ns/op is a full loopback round trip,
server included, on the same CPUs.

- **floor**: raw \`net/http\` + \`encoding/json\` into a plain struct (\`bench/floor_test.go\`); timestamps stay strings.
- **backuprestore**: this SDK, \`backuprestore.NewClient(cred, &Options{BaseURL, HTTPClient})\` with its default
  pipeline, as \`NewClient\` documents it.
- **msgraph** (\`bench/msgraph/\`): msgraph-sdk-go $msgraph_version (msgraph-sdk-go-core $msgraph_core_version), built as
  \`NewGraphServiceClientWithCredentials\` builds it: kiota-authentication-azure-go's Azure Identity provider,
  \`GraphRequestAdapter\`, msgraph-sdk-go-core's default middleware (telemetry, URL replace, retry, redirect,
  compression, parameter-name decoding, user agent, headers inspection). Three changes point it at the loopback
  server: the auth provider's allowed hosts are \`["127.0.0.1"]\` (the real Azure Identity provider, not a
  static-token shortcut), the middleware's parent transport is the shared loopback transport, and the
  \`http.Client\` has no \`Timeout\` like the others (msgraph's default 100 s \`Timeout\` makes Kiota wrap every
  deadline-less call in a \`context.WithTimeout\` whose cancel is dropped; that cost is **not** measured here).

Every contender gets the same \`azcore.TokenCredential\` (a fixed opaque token), a clone of
\`http.DefaultTransport\` with \`MaxIdleConnsPerHost = 128\`, and sends \`Authorization: Bearer …\`,
\`Accept: application/json\` and \`Prefer: include-unknown-enum-members\`. The server refuses a request without
the token or the \`Prefer\` header, or on the wrong method/path, so a contender cannot be measured doing less;
every iteration checks the result (unit ID and status, error code, unit count) and fails the benchmark
otherwise. \`go test\` (without \`-bench\`) runs each contender once (\`TestContenders\`).

| Benchmark | What one op is |
|---|---|
| \`CancelOffboard\` | one \`POST …/protectionUnits/{id}/cancelOffboard\`, 200, unit decoded |
| \`DecodeUnit\` | decode of the 915-byte seed unit, no I/O. floor = \`json.Unmarshal\` (sub-benchmark \`encoding-json\`); backuprestore = \`models.ProtectionUnit.UnmarshalJSON\`; msgraph = Kiota \`JsonParseNode\` + \`GetObjectValue(CreateProtectionUnitBaseFromDiscriminatorValue)\`, the path its adapter takes |
| \`OperationNotAllowed\` | the documented 403 \`OperationNotAllowed\`, including building the typed error (floor: a struct error; backuprestore: \`*Error\` matched with \`errors.Is(err, ErrOperationNotAllowed)\`; msgraph: \`*odataerrors.ODataError\` read through its getters) |
| \`List10000\` | a full listing of 10,000 generated units (site, mailbox and drive units shaped like the documentation's examples, ~960 bytes each) in pages of 999 (\`\$top=999\`, 11 requests, ~960 KB each, sent chunked without Content-Length) with absolute \`@odata.nextLink\` and a \`\$skiptoken\`; bodies precomputed so the server only writes. backuprestore: \`All\`; msgraph: first page via the request builder, then msgraph-sdk-go-core's \`PageIterator\`. \`ns/unit\` and \`allocs/unit\` divide by 10,000 |
| \`CancelOffboardParallel64\` | \`CancelOffboard\` from 64 goroutines sharing one client (\`RunParallel\`, parallelism ⌈64/GOMAXPROCS⌉); ns/op is wall time per call |

Run: $COUNT rounds, each running the test binary of \`bench/\` and then that of \`bench/msgraph/\`, each
\`-test.bench '$BENCH' -test.count 1 -test.benchtime $BENCHTIME -test.benchmem\`, so the contenders alternate in
time (like \`-count $COUNT\`, but a change in the machine's load shifts every contender rather than one);
summarised with \`benchstat\` ($BENCHSTAT, \`-ignore pkg\` so both binaries' output makes one table).
Ratios below use the median of the $COUNT runs, benchstat's centre.

Besides ns/op (wall time, a full loopback round trip on shared CPUs), each benchmark reports
**cpu-ns/op**: the CPU time (user + system, all threads) the benchmark process spent per op, from
\`getrusage(RUSAGE_SELF)\`. The servers run in another process, so it is the client's own cost, transport
goroutines and garbage collection included, and is steadier than ns/op on a busy machine.

**Cold build**: each program under \`bench/coldbuild/\` (msgraph's under \`bench/msgraph/coldbuild/\`) makes one
cancelOffboard call: \`raw\` (net/http + encoding/json only), \`kiota\` (Kiota abstractions, net/http adapter,
JSON serialization, Azure Identity authentication + azidentity, no generated models: the baseline of issue 7),
\`backuprestore\` (this SDK + azidentity) and \`msgraph\` (msgraph-sdk-go + azidentity). Each is built with
\`go build\` in a private, empty \`GOCACHE\` (\`go clean -cache\` there first), with the module cache already filled, so the figure is compile and
link only, standard library included. Wall time, CPU time and peak RSS come from \`/usr/bin/time -v\`; its peak
RSS is that of the largest single process (one \`compile\` or the \`link\`), not the sum of the processes
\`go build\` runs in parallel. Binary size is the default \`go build\` output (with symbols and DWARF).$emu_method

## Machine

| | |
|---|---|
| Go | \`$go_version\` (GOFLAGS=\`$(go env GOFLAGS)\`) |
| CPUs (\`nproc\`) | $(nproc) |
| CPU model | ${cpu_model:-unknown} |
| Memory | ${mem_total:-unknown} |
| Kernel | $(uname -sr) |
| Load average (1, 5, 15 min) | at start $load_start; after the benchmarks $load_bench; after the cold builds $load_cold; after \`go vet\` $load_vet |
| Versions | msgraph-sdk-go $msgraph_version, msgraph-sdk-go-core $msgraph_core_version, $shared_versions_row |

## Results

ours = backuprestore. A ratio below 1× means the first-named contender costs less. Medians of $COUNT runs
(cold builds: medians of $COLD_RUNS builds, msgraph $MSGRAPH_COLD_RUNS).

$(cat "$work/ratios.md")

EOF
	if [[ -n "$emu_results" ]]; then
		printf '%s\n\n' "$emu_results"
	fi
	for name in throttle scale lifecycle journal; do
		if [[ -s "$work/section.$name.md" ]]; then
			cat "$work/section.$name.md"
			printf '\n'
		fi
	done
	if [[ -s "$here/analysis.md" ]]; then
		printf '## Analysis\n\nHand-written, from [`bench/analysis.md`](bench/analysis.md): check it against the figures above after a rerun.\n\n'
		cat "$here/analysis.md"
		printf '\n'
	fi
	if [[ -n "$vet_rows" ]]; then
		cat <<EOF
### CI: \`go vet ./...\` inside \`bench/\`

CI compiles the benchmarks of this SDK and the floor (and three cold-build programs) with \`go vet ./...\` in
\`bench/\`. It does not compile the msgraph contender: that is the nested module \`bench/msgraph/\` (its
benchmarks and its cold-build program), which \`report.sh\` builds and runs, and which compiles msgraph-sdk-go.
Neither the root module nor \`bench/\` depends on msgraph-sdk-go. Wall time depends on the machine's load (see
Machine); CPU time is the steadier figure.

| Module, cache | Wall | CPU (user+sys) | Peak RSS |
|---|--:|--:|--:|
$vet_rows

EOF
	fi
	cat <<EOF
## benchstat

Each contender is a column (the sub-benchmark name is rewritten \`/impl=<name>\` for benchstat; the decode
floor \`encoding-json\` is the \`floor\` column).

### Against the floor

\`\`\`
$(cat "$work/stat.floor.txt")
\`\`\`

### msgraph-sdk-go against backuprestore

\`\`\`
$(cat "$work/stat.ours.txt")
\`\`\`

EOF
	if [[ -n "$emu_stat" ]]; then
		printf '%s\n\n' "$emu_stat"
	fi
	cat <<EOF
<details><summary>Raw benchmark output</summary>

\`\`\`
$(cat "$work/bench.txt")
\`\`\`

</details>
EOF
	if [[ -n "$emu_raw" ]]; then
		printf '\n%s\n' "$emu_raw"
	fi
	if [[ -s "$work/build.tsv" ]]; then
		cat <<EOF

<details><summary>Cold builds, one line per build (program, wall, CPU s, peak RSS KiB, bytes)</summary>

\`\`\`
$(cat "$work/build.tsv")
\`\`\`

</details>
EOF
	fi
} >"$OUT"
log "done: $OUT"
