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
# A second pass with the create rows only must say "not measured in this run" for every
# other lecture row and leave out the sections whose files or rows are absent.
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
if ! grep -q 'line 14 has 22 fields, expected 21 (quoted comma?): skipped' "$tmp/stderr"; then
	fail "expected stderr to report the quoted-comma row (line 14) as skipped; it said: $(cat "$tmp/stderr")"
fi

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
grep -q '^| Creation | one CPU (same-cpu) | [0-9.]* µs | [0-9.]* µs | [0-9.]*× |$' "$table" ||
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

if [ "$failures" -gt 0 ]; then
	echo "test_table: $failures check(s) failed" >&2
	exit 1
fi
echo "test_table: ok"
