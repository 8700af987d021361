#!/usr/bin/env bash
# Smoke and integrity test of one benchmark in one mode: a short run must succeed (the
# benchmark checks its own data) and write plausible rows: every point the plan asked for
# (each size, placement and parameter) has its rows, or meta.json names it as skipped; each
# row has at least the operations asked for; its percentiles are in order; a time, a
# throughput and a rate are above 0. results.csv is read by column name: columns may be
# added, and a point may have several rows that differ only in a column this test does not
# know (e.g. the idle choice).
# MODE is thread or process for benchmarks that run both ways, else what the benchmark is.
set -euo pipefail
bin=$1 name=$2 mode=$3
ops=50
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
args=(run "$name" "${mode_option[@]}" "${dir_option[@]}" --quick --iterations "$ops" --timeout 60)
if ! "$bin" "${args[@]}" --out "$tmp" >"$tmp/out" 2>"$tmp/err"; then
        echo "FAIL: ipcbench ${args[*]} exited non-zero"; cat "$tmp/out" "$tmp/err"; exit 1
fi
# The plan: one label per point ("ipc.pipe thread same-cpu 64 KiB stream"), the summary last.
"$bin" "${args[@]}" --dry-run 2>/dev/null | sed '$d' >"$tmp/plan"
run=$tmp/latest
# The points meta.json names as skipped, one a line.
sed -nE 's/.*"kind": "skipped", "point": "([^"]*)".*/\1/p' "$run/meta.json" >"$tmp/skipped"
if [ -s "$tmp/skipped" ] && [ "$(wc -l <"$tmp/skipped")" = "$(wc -l <"$tmp/plan")" ]; then
        echo "skip: $(grep -m 1 "^ipcbench: skipped $name" "$tmp/err" || head -n 1 "$tmp/skipped")"; exit 77
fi

# Columns by name; `cols` lists what this test reads, and a file without one of them fails.
check_csv() {
        awk -F, -v cols="$1" -v name="$name" -v mode="$mode" "$2" "${@:3}"
}
common_awk='
function need(file,    n, i, k, want) {
        n = split(cols, want, " ")
        for (i = 1; i <= n; i++)
                if (!(want[i] in col)) { printf "FAIL: %s has no column %s\n", file, want[i]; bad = 1; exit 1 }
}
FNR == 1 && FILENAME ~ /\.csv$/ { delete col; for (i = 1; i <= NF; i++) col[$i] = i; need(FILENAME); next }
function v(c) { return $col[c] }
function has(c) { return (c in col) && $col[c] != "" }
'

# A timed benchmark runs the operations asked for; a measured one (a unit other than ns among
# its rows: memory, a bool) reports once per repetition.
want_ops=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
                    $c["benchmark"] == n && $c["unit"] != "ns" { m = 1 } END { print m ? 1 : ops }' \
                n="$name" ops="$ops" "$run/results.csv")

# Every row of this benchmark and mode: samples, operations, order, sign.
check_csv "benchmark mode metric unit n min p50 p90 p99 max mean" "$common_awk"'
v("benchmark") == name && v("mode") == mode {
        rows++
        row = v("benchmark") " " v("mode") " " v("placement") " size " v("size_bytes") " " v("metric")
        if (v("n") + 0 < 1) { print "FAIL: no samples: " row; bad = 1 }
        # A timed series has a sample per operation, or per batch of them where the run
        # batched: with the batch column, at least the operations asked for. (Without it a
        # batched point cannot be told here; placement.csv'"'"'s operations are checked below.)
        if (v("unit") == "ns" && v("metric") != "baseline" && has("batch") &&
            v("n") * v("batch") < ops_asked) {
                printf "FAIL: %s: n = %s samples of %s operations, %s were asked for\n",
                       row, v("n"), v("batch"), ops_asked; bad = 1
        }
        # In order wherever present: min <= p50 <= p90 <= p99 <= p999 <= max, and the mean
        # within [min, max].
        last = ""; lastname = ""
        split("min p50 p90 p99 p999 max", order, " ")
        for (k = 1; k <= 6; k++) {
                c = order[k]
                if (!has(c)) continue
                if (lastname != "" && v(c) + 0 < last + 0) {
                        printf "FAIL: %s: %s = %s is below %s = %s\n", row, c, v(c), lastname, last; bad = 1
                }
                last = v(c); lastname = c
        }
        if (has("mean") && (v("mean") + 0 < v("min") + 0 || v("mean") + 0 > v("max") + 0)) {
                printf "FAIL: %s: mean %s outside [%s, %s]\n", row, v("mean"), v("min"), v("max"); bad = 1
        }
        # A time is positive (not an excess over a baseline: with a smoke run'"'"'s 50
        # operations the difference of two medians may fall below zero, which the summary
        # calls noise); so are a throughput and a rate, at every sample.
        positive = (v("unit") == "ns" && v("metric") != "switch_corrected" && v("metric") != "cow_fault") ||
                   v("metric") == "throughput" || v("metric") == "rate"
        if (positive && v("min") + 0 <= 0) {
                printf "FAIL: %s: min %s, where every value must be above 0\n", row, v("min"); bad = 1
        }
        # Known answers: the lecture'"'"'s isolation case (a thread'"'"'s fault is its program'"'"'s, a
        # process'"'"'s is its own).
        if (v("metric") == "survived" && v("p50") + 0 != (mode == "process")) {
                printf "FAIL: in %s mode survived must be %d: %s\n", mode, mode == "process", $0; bad = 1
        }
}
END {
        if (bad) exit 1
        if (!rows) { printf "FAIL: no row for %s (%s) in results.csv\n", name, mode; exit 1 }
}' ops_asked="$want_ops" \
        "$run/results.csv" || { cat "$run/results.csv"; exit 1; }

# Every point of the plan has its rows, or is named as skipped: its label read back into
# benchmark, mode, placement, size in bytes, parameter value and whether it streams.
check_csv "benchmark mode placement size_bytes param_value metric" "$common_awk"'
FILENAME == skipped_file { skipped[$0] = 1; next }
FILENAME == plan_file {
        n = split($0, w, " ")
        key = w[1] SUBSEP w[2] SUBSEP w[3]
        size = ""; param = ""; stream = 0
        for (i = 4; i <= n; i++) {
                if (w[i] == "stream") stream = 1
                else if (w[i] ~ /=/) { sub(/.*=/, "", w[i]); param = w[i] }
                else if (w[i] ~ /^[0-9]+$/) {
                        unit = w[i + 1]; i++
                        size = w[i - 1] * (unit == "KiB" ? 1024 : unit == "MiB" ? 1048576 : unit == "GiB" ? 1073741824 : 1)
                }
        }
        planned[$0] = key SUBSEP size SUBSEP param SUBSEP stream
        next
}
{
        stream = v("metric") == "throughput" || v("metric") == "rate" || v("metric") == "loss"
        seen[v("benchmark") SUBSEP v("mode") SUBSEP v("placement") SUBSEP v("size_bytes") SUBSEP v("param_value") SUBSEP stream] = 1
}
END {
        if (bad) exit 1
        for (label in planned) {
                if (planned[label] in seen || label in skipped) continue
                printf "FAIL: the plan asked for \"%s\": no row in results.csv and no skip notice in meta.json\n", label
                bad = 1
        }
        exit bad
}' FS=, skipped_file="$tmp/skipped" plan_file="$tmp/plan" FS=' ' "$tmp/skipped" "$tmp/plan" FS=, "$run/results.csv" ||
        { cat "$tmp/plan" "$run/results.csv"; exit 1; }

# placement.csv: each point ran at least the operations asked for (a measured one, once).
check_csv "benchmark ops" "$common_awk"'
v("benchmark") == name && v("ops") + 0 < want {
        printf "FAIL: placement.csv says %s operations, expected at least %s\n", v("ops"), want; bad = 1
}
END { exit bad }' want="$want_ops" "$run/placement.csv"

echo "ok: $name $mode: $(awk -F, -v n="$name" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        $c["benchmark"] == n' "$run/results.csv" | wc -l) row(s), $(wc -l <"$tmp/plan") point(s) planned"
