#!/usr/bin/env bash
# The summary reads a bounded benchmark against its limits measured in the same run: with
# limit.memcpy in the run, ipc.shm.spin's throughput is a fraction of memcpy's at the same size;
# its round trip across CPUs is a multiple of its own cache-line probe (taken around each of its
# repetitions, as results.csv's probe_ns says). The figure is the ratio the summary prints.
# Without the limits in the run, no throughput line: a bound is never taken from elsewhere.
set -euo pipefail
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "bounds: FAIL: $*"; cat "$tmp/out"; exit 1; }

"$bin" run limit.memcpy limit.cacheline ipc.shm.spin --mode thread --placement cross-cpu \
	--sizes 64K --iterations 300 --out "$tmp/results" >"$tmp/out" 2>"$tmp/err" ||
	{ cat "$tmp/err"; fail "the run failed"; }
if grep -q '^ipcbench: skipped ipc.shm.spin' "$tmp/err"; then   # one CPU: nothing to bound
	echo "skip: $(grep -m 1 '^ipcbench: skipped' "$tmp/err")"; exit 77
fi
csv=$tmp/results/latest/results.csv
# column COLUMN of the row of benchmark, placement, metric, size, vCPU distance (by name)
column() {
	awk -F, -v b="$2" -v p="$3" -v m="$4" -v s="$5" -v d="${6-}" -v want="$1" '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		$col["benchmark"] == b && $col["placement"] == p && $col["metric"] == m &&
		$col["size_bytes"] == s && $col["vcpu_distance"] == d { print $col[want]; exit }' "$csv"
}
median() { column p50 "$@"; }
line=$(grep -m 1 -E '^of limit  ipc\.shm\.spin thread cross-cpu 64 KiB stream (near |far |mixed )?throughput: [0-9.e+-]+x limit\.memcpy ' \
	"$tmp/out") || fail "no throughput line against limit.memcpy"
said=$(sed -E 's/.*: ([0-9.e+-]+)x limit.*/\1/' <<<"$line")
distance=$(sed -E 's/.* stream (near|far|mixed) throughput.*/\1/; t; s/.*//' <<<"$line")
want=$(awk -v a="$(median ipc.shm.spin cross-cpu throughput 65536 "$distance")" \
	-v b="$(median limit.memcpy any throughput 65536)" \
	-v c="$(median limit.memcpy same-cpu throughput 65536)" 'BEGIN { print a / (c != "" ? c : b) }')
awk -v s="$said" -v w="$want" 'BEGIN { exit !(s > 0 && s / w > 0.99 && s / w < 1.01) }' ||
	fail "the summary says ${said}x, the medians in results.csv give ${want}x"
line=$(grep -m 1 -E '^of limit  ipc\.shm\.spin thread cross-cpu 64 KiB (near|far|mixed) rtt: [0-9.e+-]+x its own cache-line probe' \
	"$tmp/out") || fail "no round-trip line against its own cache-line probe"
said=$(sed -E 's/.*rtt: ([0-9.e+-]+)x its own.*/\1/' <<<"$line")
distance=$(sed -E 's/.* 64 KiB (near|far|mixed) rtt.*/\1/' <<<"$line")
want=$(awk -v a="$(median ipc.shm.spin cross-cpu rtt 65536 "$distance")" \
	-v b="$(column probe_ns ipc.shm.spin cross-cpu rtt 65536 "$distance")" 'BEGIN { print a / b }')
awk -v s="$said" -v w="$want" 'BEGIN { exit !(s > 0 && s / w > 0.99 && s / w < 1.01) }' ||
	fail "the summary says ${said}x its probe, results.csv's p50 / probe_ns give ${want}x"

"$bin" run ipc.shm.spin --mode thread --placement cross-cpu --sizes 64K --iterations 300 \
	--out "$tmp/results" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "the run without limits failed"; }
# Its own probe is always there; a limit benchmark's figure only when that ran.
if grep '^of limit' "$tmp/out" | grep -qv 'its own cache-line probe'; then
	fail "a run without the limits printed a bound"
fi
echo "ok: bounds read from the same run, and only from it"
