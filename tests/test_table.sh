#!/usr/bin/env bash
# Golden test of scripts/table: a fixed run directory (tests/table/: results.csv, meta.json,
# hyperfine-spawn.csv, peers.csv) must give exactly tests/table/expected.md.
#
# The fixture has every create.* benchmark in two placements (same-cpu and any, some listed
# any first: the table must order them), rows with no p99 (→ "—"), a row with a swept
# parameter (belongs on a chart, not in the table) and a row with a quoted comma (line 14:
# must be skipped, loudly, not read shifted); then plausible rows of every other family:
# ctx.pipe and ctx.futex (working sets, both placements), mem.idle (counts 1 to 1000),
# vm.fork_rss (unpinned, fork stops at 256 MiB while threads go to 1024: the row must use the
# largest size both have), vm.cow, vm.touch.*, iso.crash and iso.scribble (0 and 1 → words);
# and ipc.* (pipe, fifo, unix.stream, unix.seqpacket, tcp; both placements, both modes; rtt at
# 64 and 4096 B, throughput and rate at 64 B, 4 KiB, 64 KiB; unix.seqpacket across CPUs peaks
# at 4 KiB, not at the largest size: the IPC table must say where the peak is); then
# limit.memcpy (64 B to 1 MiB and 128 MiB, one CPU and unpinned), limit.cacheline (two CPUs,
# no size), limit.syscall; ipc.shm.* (six variants, spin only across CPUs: one shm line per
# placement in the IPC table, its best variant), ipc.vmsplice, ipc.cma, ipc.memfd (up to
# 1 MiB: the ratio to memcpy at the peak's size) and ipc.memfd.setup; ipc.signal.* (round
# trips with no size, signal.rt's stream at 4 B) and ipc.signal.coalesce (a lossy stream at
# size 0, no round trip: the Signals section, not the IPC table); ipc.eventfd and ipc.futex
# (no size: "(no payload)"); server.thread, .process, .epoll and .pool (the ack server: rtt, rate
# and throughput over connections 1, 8, 64, 512 at 64 B in two placements, 4 KiB on one CPU
# only; server.process unpinned has no 512: "—"; a different model fastest in each placement);
# and in peers.csv an ack server row (`serve --model epoll + load` against sockperf).
# The fixture has the columns of a repeated run (repetitions, ci_low, ci_high, batch, cpu_idle,
# vcpu_distance, probe_ns) and meta.json its idle choice, repetitions and unstable points: the
# cross-cpu ctx.pipe and ctx.futex round trips once more with idle allowed (the row "Waking an
# idle CPU"; no other figure may use them), a point seen with the vCPUs near and far (the
# unix.stream rtt across CPUs between threads: near has more repetitions; the tcp one between
# processes: far has more, and its Processes ÷ Threads must not be stated), ipc.udp with its
# loss (shown beside its peak throughput), three unstable points (†), intervals that overlap
# (→ "within noise") and probes that bound the shared-memory round trips (÷ cache line).
# A second pass with the create rows only must say "not measured in this run" for every
# other lecture row and leave out the sections whose files or rows are absent. A third, the
# same fixture in the format from before those columns (tests/table/old-format/), must give
# exactly the table it gave then; a fourth, with idle allowed throughout because it could not
# be held, must say so and have no row "Waking an idle CPU".
# To accept an intended change:
#   scripts/table DIR && cp DIR/lecture-table.md tests/table/expected.md   (and read the diff)
set -euo pipefail

repo=${REPO:-$(dirname "$0")/..}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "test_table: FAIL: $*" >&2; failures=$((failures + 1)); }

mkdir "$tmp/full" "$tmp/create-only"
cp "$repo/tests/table/results.csv" "$repo/tests/table/meta.json" \
	"$repo/tests/table/hyperfine-spawn.csv" "$repo/tests/table/peers.csv" "$tmp/full/"
"$repo/scripts/table" "$tmp/full" 2>"$tmp/stderr" || {
	echo "test_table: scripts/table failed:" >&2
	cat "$tmp/stderr" >&2
	exit 1
}
if ! diff -u "$repo/tests/table/expected.md" "$tmp/full/lecture-table.md"; then
	fail "lecture-table.md differs from tests/table/expected.md (diff above)"
fi
if ! grep -q 'line 14 has 29 fields, expected 28 (quoted comma?): skipped' "$tmp/stderr"; then
	fail "expected stderr to report the quoted-comma row (line 14) as skipped; it said: $(cat "$tmp/stderr")"
fi
# What the golden file must hold, said once more so that a careless re-bless is caught.
table=$tmp/full/lecture-table.md
# shellcheck disable=SC2016 # the backticks are Markdown, literal on purpose
for want in '| Waking an idle CPU | two CPUs (cross-cpu), pipe round trip: idle allowed − awake | +54.1 µs ' \
	'| 22.5 µs ±4 % | 22.9 µs ±4 % | 1.0× (within noise) |' '| 48.2 µs ±4 %‡ |' '| 65.4 µs ±4 %‡ |' \
	'- ‡ `ipc.tcp` process, two CPUs (cross-cpu), `rtt` at 64 B: the vCPUs far in 4 repetitions (the figure), the vCPUs near in 2' \
	'4.01 µs ±6 %†' '1.21 GB/s ±4 % at 65507 B (31 % lost)' '| `shm.spin` | two CPUs (cross-cpu) | thread | 240 ns | 2.0× |'; do
	grep -qF -- "$want" "$table" || fail "the table lacks: $want"
done
# Rows of the other idle choice or distance never stand in for the main ones.
for unwanted in '99.1 µs ±6 % |' '61.0 µs ±4 % |' '52.0 µs ±4 % |'; do
	if grep -qF -- "$unwanted" "$table"; then fail "a row set aside is shown as a figure: $unwanted"; fi
done

# The format from before repetitions: the same figures, no interval, as it was.
mkdir "$tmp/old"
cp "$repo/tests/table/old-format/results.csv" "$repo/tests/table/old-format/meta.json" \
	"$repo/tests/table/hyperfine-spawn.csv" "$repo/tests/table/peers.csv" "$tmp/old/"
"$repo/scripts/table" "$tmp/old" 2>"$tmp/stderr" || fail "scripts/table on the old format failed: $(cat "$tmp/stderr")"
if ! diff -u "$repo/tests/table/old-format/expected.md" "$tmp/old/lecture-table.md"; then
	fail "old format: lecture-table.md differs from tests/table/old-format/expected.md (diff above)"
fi
grep -q 'line 14 has 22 fields, expected 21 (quoted comma?): skipped' "$tmp/stderr" ||
	fail "old format: expected stderr to report the quoted-comma row (line 14) as skipped; it said: $(cat "$tmp/stderr")"

# Idle allowed throughout (the hold failed): said, and no row "Waking an idle CPU".
mkdir "$tmp/allowed"
sed 's/,awake,/,allowed,/' "$repo/tests/table/results.csv" >"$tmp/allowed/results.csv"
sed 's/"held": true, "reason": "[^"]*"/"held": false, "reason": "no permission to open \/dev\/cpu_dma_latency"/' \
	"$repo/tests/table/meta.json" >"$tmp/allowed/meta.json"
"$repo/scripts/table" "$tmp/allowed" 2>"$tmp/stderr" || fail "scripts/table with idle allowed failed: $(cat "$tmp/stderr")"
if grep -q 'Waking an idle CPU' "$tmp/allowed/lecture-table.md"; then fail "idle allowed: a row Waking an idle CPU"; fi
grep -qF 'In this run idle CPUs were allowed to halt: they could not be held awake (no permission to open /dev/cpu_dma_latency).' \
	"$tmp/allowed/lecture-table.md" || fail "idle allowed: the table does not say why idle CPUs were allowed"
grep -qF '| 22.5 µs ±4 % | 22.9 µs ±4 % |' "$tmp/allowed/lecture-table.md" ||
	fail "idle allowed: the first row of a point should stand for it: $(grep '(cross-cpu), pipe: a wake' "$tmp/allowed/lecture-table.md")"

# The create rows alone (the header and the 13 lines after it), no hyperfine or peers file.
head -n 14 "$repo/tests/table/results.csv" >"$tmp/create-only/results.csv"
cp "$repo/tests/table/meta.json" "$tmp/create-only/"
"$repo/scripts/table" "$tmp/create-only" 2>"$tmp/stderr" || fail "scripts/table on create rows only failed: $(cat "$tmp/stderr")"
table=$tmp/create-only/lecture-table.md
for row in Overhead 'Context Switching' 'Virtual Memory' Isolation; do
	grep -qE "^\| $row \| — \| not measured in this run \| not measured in this run \| — \|$" "$table" ||
		fail "create rows only: expected the $row row to say 'not measured in this run', found: $(grep "^| $row " "$table")"
	grep -qF -- "- **$row**: not measured in this run." "$table" ||
		fail "create rows only: expected the sentence of $row to say 'not measured in this run'"
done
grep -q '^| Creation | one CPU (same-cpu) | [0-9.]* µs ±[0-9.]* % | [0-9.]* µs ±[0-9.]* % | [0-9.]*× |$' "$table" ||
	fail "create rows only: expected a Creation line with figures, found: $(grep '^| Creation' "$table")"
for section in "The lecture's ack server" 'IPC approaches' 'Limits of this machine' 'Shared memory, by notification' 'Signals' 'Copy-on-write' 'First touch' 'A whole program' 'Compared with established tools'; do
	if grep -q "^## $section" "$table"; then fail "create rows only: expected no '$section' section, found one"; fi
done
grep -q 'no ipc rows .* no IPC approaches table' "$tmp/stderr" ||
	fail "create rows only: expected stderr to say there is no IPC approaches table; it said: $(cat "$tmp/stderr")"
grep -q 'no server rows .* no ack server table' "$tmp/stderr" ||
	fail "create rows only: expected stderr to say there is no ack server table; it said: $(cat "$tmp/stderr")"
grep -q 'not measured in this run: Overhead, Context Switching, Virtual Memory, Isolation' "$tmp/stderr" ||
	fail "create rows only: expected stderr to list the rows not measured; it said: $(cat "$tmp/stderr")"

# Waking an idle CPU compares figures of one vCPU distance only: with ctx.futex's idle-allowed
# process row seen far and its awake row near, that cell compares nothing.
mkdir -p "$tmp/waking-far"
cp "$repo/tests/table/meta.json" "$tmp/waking-far/"
awk -F, -v OFS=, '$2 == "ctx.futex" && $6 == "process" && $26 == "allowed" { $27 = "far" } 1' \
	"$repo/tests/table/results.csv" >"$tmp/waking-far/results.csv"
"$repo/scripts/table" "$tmp/waking-far" 2>/dev/null || fail "scripts/table on the far idle-allowed row failed"
grep -q '^|  | two CPUs (cross-cpu), futex round trip: idle allowed − awake | [^|]* | — (not compared: vCPUs far with idle allowed, near held awake) |' \
	"$tmp/waking-far/lecture-table.md" ||
	fail "waking: a far idle-allowed row was compared with a near awake one: $(grep 'futex round trip: idle allowed' "$tmp/waking-far/lecture-table.md")"

if [ "$failures" -gt 0 ]; then
	echo "test_table: $failures check(s) failed" >&2
	exit 1
fi
echo "test_table: ok"
