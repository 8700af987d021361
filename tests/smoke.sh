#!/usr/bin/env bash
# Smoke and integrity test of one benchmark in one mode: a short run must succeed (the
# benchmark checks its own data) and write rows with real samples and where they ran.
set -euo pipefail
bin=$1 name=$2 mode=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! "$bin" run "$name" --mode "$mode" --iterations 50 --timeout 60 --out "$tmp" >"$tmp/out" 2>"$tmp/err"; then
        echo "FAIL: ipcbench run $name --mode $mode exited non-zero"; cat "$tmp/out" "$tmp/err"; exit 1
fi
run=$tmp/latest
rows=$(awk -F, -v n="$name" -v m="$mode" '$2 == n && $6 == m' "$run/results.csv")
if [ -z "$rows" ]; then
        echo "FAIL: no row for $name ($mode) in results.csv:"; cat "$run/results.csv"; exit 1
fi
# Every row: at least 50 timed operations' worth of samples and a positive median.
bad=$(awk -F, '$13 < 1 || $15 <= 0' <<<"$rows")
if [ -n "$bad" ]; then
        echo "FAIL: rows without samples or with a non-positive median:"; echo "$bad"; exit 1
fi
ops=$(awk -F, -v n="$name" '$2 == n { print $11 }' "$run/placement.csv")
for o in $ops; do
        if [ "$o" -lt 50 ]; then
                echo "FAIL: placement.csv says $o timed operations, expected at least 50"; exit 1
        fi
done
echo "ok: $name $mode: $(wc -l <<<"$rows") row(s)"
