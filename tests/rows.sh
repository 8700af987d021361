#!/usr/bin/env bash
# What each row of a run claims, read by column name: every row carries its repetitions and an
# interval around its median, its batch, its idle choice; a cross-cpu row the distance its probes
# saw and the probe; placement.csv the probes, steal and flags of each repetition. A switch is
# corrected by a baseline on one CPU only (across two the hand-over is a wake-up). meta.json
# names the program alone and paths inside the working directory relative to it.
set -euo pipefail
bin=$(realpath "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "rows: FAIL: $*"; exit 1; }
cd "$tmp"

"$bin" run ctx.pipe limit.syscall create.fork --mode thread --params 0 --iterations 200 --repeat 2 \
	--max-repeat 2 --out "$tmp/out" >stdout 2>stderr || { cat stderr; fail "the run failed"; }
run=$tmp/out/latest

# One awk program per check, over results.csv with its columns by name.
rows() {
	awk -F, -v OFS=, "NR == 1 { for (i = 1; i <= NF; i++) col[\$i] = i; next } $1" "$run/results.csv"
}
c() { echo "\$col[\"$1\"]"; }

# Every row: its repetitions (across CPUs a point's split by the vCPUs' distance, so a row may
# have one), an interval around its median (none only for a lone repetition that no family of
# points can speak for), its idle choice and batch.
bad=$(rows "!(($(c repetitions) >= 2 || ($(c placement) == \"cross-cpu\" && $(c repetitions) == 1)) &&
	(($(c ci_low) == \"\" && $(c ci_high) == \"\" && $(c repetitions) == 1) ||
	 ($(c ci_low) != \"\" && $(c ci_low) <= $(c p50) && $(c p50) <= $(c ci_high))) &&
	($(c cpu_idle) == \"awake\" || $(c cpu_idle) == \"allowed\") && $(c batch) >= 1) { print }")
[ -z "$bad" ] || fail "rows without repetitions, interval, idle choice or batch: $bad"
bad=$(rows "($(c placement) == \"cross-cpu\") != ($(c vcpu_distance) != \"\" && $(c probe_ns) > 0) { print }")
[ -z "$bad" ] || fail "a distance and probe on every cross-cpu row and no other: $bad"

# The baseline corrects a switch on one CPU, and only there.
[ -n "$(rows "$(c benchmark) == \"ctx.pipe\" && $(c placement) == \"same-cpu\" && $(c metric) == \"switch_corrected\" { print }")" ] ||
	fail "no switch_corrected for ctx.pipe on one CPU"
[ -z "$(rows "$(c benchmark) == \"ctx.pipe\" && $(c placement) == \"cross-cpu\" &&
	($(c metric) == \"switch_corrected\" || $(c metric) == \"baseline\") { print }")" ] ||
	fail "switch_corrected or its baseline written across CPUs, where nothing switches"

# A null system call is timed in batches, a fork alone; the summary says which rows are batched.
[ -n "$(rows "$(c benchmark) == \"limit.syscall\" && $(c batch) > 1 { print }")" ] ||
	fail "limit.syscall is not marked as batched"
[ -n "$(rows "$(c benchmark) == \"create.fork\" && $(c batch) == 1 { print }")" ] ||
	fail "create.fork is not marked as timed alone"
grep -q '^\* .* rows are of batched samples' stdout || fail "the summary does not say which rows are batch means"

# Each cross-cpu repetition has its two probes; each repetition its steal and timed window.
bad=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
	!($col["window_ns"] > 0 && $col["steal_ns"] != "") ||
	($col["placement"] == "cross-cpu") != ($col["probe_before_ns"] > 0 && $col["probe_after_ns"] > 0)' \
	"$run/placement.csv")
[ -z "$bad" ] || fail "placement.csv rows without their window, steal or probes: $bad"

# No machine's paths in meta.json: the program by name, --out relative to where it ran.
line=$(tr -d '\n' <"$run/meta.json" | grep -o '"command_line": \[[^]]*\]')
[[ $line == '"command_line": ["ipcbench", "run", '* ]] || fail "the program is not named alone: $line"
[[ $line == *'"--out", "out"'* ]] || fail "--out is not relative to the working directory: $line"
grep -q '"cpu_idle": {"requested": "awake", "held": ' "$run/meta.json" || fail "meta.json has no idle choice"
grep -q '"repetitions": {"min": 2, "max": 2, "seed": ' "$run/meta.json" || fail "meta.json has no repetitions"
echo "ok: rows carry their intervals, batch, idle choice and probes"
