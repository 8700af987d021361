#!/usr/bin/env bash
# The summary reads a bounded benchmark against its limits measured in the same run: with
# limit.memcpy and limit.cacheline in the run, ipc.shm.spin's throughput is a fraction of
# memcpy's at the same size and its round trip a multiple of the cache line's, in the same
# placement; the figure is the ratio of the two medians the summary prints. Without the
# limits in the run, no such line: a bound is never taken from elsewhere.
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
median() {   # benchmark placement metric size
	awk -F, -v b="$1" -v p="$2" -v m="$3" -v s="$4" \
		'$2 == b && $7 == p && $11 == m && $8 == s { print $15 }' "$csv"
}
line=$(grep -E '^of limit  ipc\.shm\.spin thread cross-cpu 64 KiB stream throughput: [0-9.e+-]+x limit\.memcpy ' \
	"$tmp/out") || fail "no throughput line against limit.memcpy"
said=$(sed -E 's/.*: ([0-9.e+-]+)x limit.*/\1/' <<<"$line")
want=$(awk -v a="$(median ipc.shm.spin cross-cpu throughput 65536)" \
	-v b="$(median limit.memcpy any throughput 65536)" \
	-v c="$(median limit.memcpy same-cpu throughput 65536)" 'BEGIN { print a / (c != "" ? c : b) }')
awk -v s="$said" -v w="$want" 'BEGIN { exit !(s > 0 && s / w > 0.99 && s / w < 1.01) }' ||
	fail "the summary says ${said}x, the medians in results.csv give ${want}x"
grep -qE '^of limit  ipc\.shm\.spin thread cross-cpu 64 KiB rtt: [0-9.e+-]+x limit\.cacheline \(thread cross-cpu\)$' \
	"$tmp/out" || fail "no round-trip line against limit.cacheline"

"$bin" run ipc.shm.spin --mode thread --placement cross-cpu --sizes 64K --iterations 300 \
	--out "$tmp/results" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; fail "the run without limits failed"; }
if grep -q '^of limit' "$tmp/out"; then
	fail "a run without the limits printed a bound"
fi
echo "ok: bounds read from the same run, and only from it"
