#!/usr/bin/env bash
# Smoke and integrity test of one benchmark in one mode: a short run must succeed (the
# benchmark checks its own data) and write rows with real samples and where they ran.
# MODE is thread or process for benchmarks that run both ways, else what the benchmark is.
set -euo pipefail
bin=$1 name=$2 mode=$3
tmp=$(mktemp -d)
disk=
trap 'rm -rf "$tmp" ${disk:+"$disk"}' EXIT

mode_option=()
case $mode in thread | process) mode_option=(--mode "$mode") ;; esac
# ipc.file.fsync measures a disk and is skipped on a tmpfs (the default /dev/shm): /var/tmp.
dir_option=()
if [ "$name" = ipc.file.fsync ] && disk=$(mktemp -d /var/tmp/ipcbench-smoke.XXXXXX); then
        dir_option=(--dir "$disk")
fi
if ! "$bin" run "$name" "${mode_option[@]}" "${dir_option[@]}" --quick --iterations 50 --timeout 60 --out "$tmp" \
        >"$tmp/out" 2>"$tmp/err"; then
        echo "FAIL: ipcbench run $name ${mode_option[*]} exited non-zero"; cat "$tmp/out" "$tmp/err"; exit 1
fi
run=$tmp/latest
rows=$(awk -F, -v n="$name" -v m="$mode" '$2 == n && $6 == m' "$run/results.csv")
if [ -z "$rows" ]; then
        if grep -q "^ipcbench: skipped $name" "$tmp/err"; then   # a limit of this machine, said why
                echo "skip: $(grep "^ipcbench: skipped $name" "$tmp/err" | head -n 1)"; exit 77
        fi
        echo "FAIL: no row for $name ($mode) in results.csv:"; cat "$run/results.csv" "$tmp/err"; exit 1
fi
# Every row has samples; a time is positive. Not an excess over a baseline (switch_corrected,
# cow_fault): with the 50 operations of a smoke run, the difference of two medians can fall
# below zero (the summary then warns that the difference is noise).
bad=$(awk -F, '$13 < 1 || ($12 == "ns" && $11 != "switch_corrected" && $11 != "cow_fault" && $15 <= 0)' <<<"$rows")
if [ -n "$bad" ]; then
        echo "FAIL: rows without samples or with a non-positive time:"; echo "$bad"; exit 1
fi
# A timed benchmark ran at least the 50 operations asked for; a measured one at least once.
want_ops=1
awk -F, '$12 != "ns" { found = 1 } END { exit !found }' <<<"$rows" || want_ops=50
for ops in $(awk -F, -v n="$name" '$2 == n { print $11 }' "$run/placement.csv"); do
        if [ "$ops" -lt "$want_ops" ]; then
                echo "FAIL: placement.csv says $ops operations, expected at least $want_ops"; exit 1
        fi
done
# Known answers: the lecture's isolation case (a thread's fault is its program's, a process's
# is its own).
want=$( [ "$mode" = process ] && echo 1 || echo 0 )
wrong=$(awk -F, -v w="$want" '$11 == "survived" && $15 != w' <<<"$rows")
if [ -n "$wrong" ]; then
        echo "FAIL: in $mode mode 'survived' must be $want:"; echo "$wrong"; exit 1
fi
echo "ok: $name $mode: $(wc -l <<<"$rows") row(s)"
