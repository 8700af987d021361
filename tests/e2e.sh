#!/usr/bin/env bash
# End-to-end: scripts/run-all --quick into a temp dir, then check what a user would look at —
# the CSV contract, meta.json, the charts, the lecture table, and, for each family the build
# registers, its charts, its lecture row, hyperfine's spawn timings and the comparison with
# perf (peers.csv). Usage: tests/e2e.sh BUILD_DIR
# BUILD_DIR is the already-built tree (ctest's), so run-all's build step does nothing.
set -euo pipefail

build=$(cd "${1:?usage: tests/e2e.sh BUILD_DIR}" && pwd)
repo=${REPO:-$(dirname "$0")/..}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

failures=0
fail() { echo "e2e: FAIL: $*" >&2; failures=$((failures + 1)); }

status=0
IPCBENCH_BUILD_DIR=$build "$repo/scripts/run-all" --quick --out "$tmp" </dev/null || status=$?
[ "$status" -eq 0 ] || fail "scripts/run-all --quick exited $status, expected 0"
run=$tmp/latest
[ -d "$run" ] || { fail "expected a run directory at $run (symlink to it); found none"; exit 1; }

# results.csv: the header is a contract with every reader of the CSV, byte for byte.
header='run_id,benchmark,group,mechanism,variant,mode,placement,size_bytes,param,param_value,metric,unit,n,min,p50,p90,p99,p999,max,mean,stddev,repetitions,ci_low,ci_high,batch,cpu_idle,vcpu_distance,probe_ns'
found=$(head -n 1 "$run/results.csv" 2>/dev/null || true)
[ "$found" = "$header" ] || fail "results.csv header: expected '$header', found '$found'"
for bench in create.pthread create.fork create.vfork create.clone_vm create.posix_spawn create.fork_exec; do
	rows=$(awk -F, -v b="$bench" 'NR > 1 && $2 == b' "$run/results.csv" 2>/dev/null | wc -l)
	[ "$rows" -ge 1 ] || fail "results.csv: expected at least one row of $bench, found $rows"
done

# meta.json must be JSON, not just look like it.
if [ ! -s "$run/meta.json" ]; then
	fail "expected a non-empty meta.json, found none"
elif command -v python3 >/dev/null; then
	python3 -m json.tool "$run/meta.json" >/dev/null 2>"$tmp/json.err" ||
		fail "meta.json does not parse: $(cat "$tmp/json.err")"
else
	{ head -c 1 "$run/meta.json" | grep -q '{' && grep -q '"run_id"' "$run/meta.json"; } ||
		fail "meta.json: expected an object with \"run_id\", found: $(head -c 200 "$run/meta.json")"
fi

for file in plots/creation.svg plots/creation.png hyperfine-exec.csv hyperfine-exec.json lecture-table.md; do
	[ -s "$run/$file" ] || fail "expected a non-empty $file in the run directory, found none"
done
grep -qE '^\| *Creation *\| *[^|]+\| *[0-9.]+ (ns|µs|ms|s)( ±[0-9.]+ %)?†? *\|' "$run/lecture-table.md" 2>/dev/null ||
	fail "lecture-table.md: expected a Creation row with a figure, found: $(grep -i creation "$run/lecture-table.md" 2>/dev/null | head -n 1)"

# The families that land one by one: what must exist is what the build registers (ipc: the
# latency chart at 64 B, the throughput charts per mode, the IPC approaches line of pipe).
# `ipcbench list --names` prints "name modes" per line.
registered() { awk -v b="$1" '$1 == b { found = 1 } END { exit !found }' "$tmp/names"; }
"$build/ipcbench" list --names >"$tmp/names" 2>/dev/null || fail "ipcbench list --names failed"
# A figure with its interval (±N %), marked † when it stayed unstable.
figure='[0-9.]+ (ns|µs|ms|s)( ±[0-9.]+ %)?†?'
if registered ctx.pipe; then
	for file in plots/ctx.svg plots/ctx.png plots/ctx-working-set.png peers.csv; do
		[ -s "$run/$file" ] || fail "ctx.pipe is registered: expected a non-empty $file, found none"
	done
	grep -qE "^\| Context Switching \| one CPU \(same-cpu\), pipe: a switch \| $figure \| $figure \|" "$run/lecture-table.md" ||
		fail "lecture-table.md: expected a Context Switching line with figures, found: $(grep -A1 '^| Context' "$run/lecture-table.md" | head -n 2)"
	peers_header='quantity,mode,placement,peer,peer_value,peer_unit,ipcbench_benchmark,ipcbench_value,ipcbench_unit,ratio,note,cpu_idle,cpu_main,cpu_peer'
	found=$(head -n 1 "$run/peers.csv" 2>/dev/null || true)
	[ "$found" = "$peers_header" ] || fail "peers.csv header: expected '$peers_header', found '$found'"
	# Each row: a figure from ipcbench, and from the tool (perf, hyperfine) with the ratio, or
	# the reason the tool gave none.
	awk -F, 'NR > 1 {
		n[$1]++
		# A figure ipcbench did not measure under that idle choice (ipc.pipe with idle
		# allowed) says so instead.
		if ($8 !~ /^[0-9.]+$/ && $11 !~ /no ratio/) { print "row " NR ": no ipcbench figure: " $0; bad = 1 }
		if ($5 ~ /^[0-9.]+$/ && $8 ~ /^[0-9.]+$/ ? $10 !~ /^[0-9.]+$/ : $11 == "") { print "row " NR ": no ratio and no reason: " $0; bad = 1 }
	} END {
		if (n["pipe round trip"] != 2) { print "expected 2 pipe round trip rows (thread, process), found " n["pipe round trip"] + 0; bad = 1 }
		if (n["start a program that does nothing (fork+exec)"] + n["start a program that does nothing (posix_spawn)"] != 2) {
			print "expected the fork+exec and posix_spawn rows against hyperfine, found " \
				n["start a program that does nothing (fork+exec)"] + n["start a program that does nothing (posix_spawn)"]
			bad = 1
		}
		exit bad
	}' \
		"$run/peers.csv" >"$tmp/peers.err" 2>&1 || fail "peers.csv: $(cat "$tmp/peers.err")"
	grep -q '^## Compared with established tools' "$run/lecture-table.md" ||
		fail "lecture-table.md: expected a 'Compared with established tools' section (peers.csv exists)"
fi
if [ -x "$build/ipcbench-spawn" ]; then
	for file in hyperfine-spawn.csv hyperfine-spawn.json plots/hyperfine-spawn.png; do
		[ -s "$run/$file" ] || fail "ipcbench-spawn is built: expected a non-empty $file, found none"
	done
	head -n 1 "$run/hyperfine-spawn.csv" 2>/dev/null | grep -q ',parameter_kind,parameter_n$' ||
		fail "hyperfine-spawn.csv: expected the columns parameter_kind,parameter_n at the end, found: $(head -n 1 "$run/hyperfine-spawn.csv" 2>/dev/null)"
	rows=$(awk 'END { print NR - 1 }' "$run/hyperfine-spawn.csv" 2>/dev/null || echo 0)
	[ "$rows" -eq 6 ] || fail "hyperfine-spawn.csv: expected 6 rows (threads, processes × 1, 100, 1000), found $rows"
fi
if registered mem.idle; then
	[ -s "$run/plots/memory.png" ] || fail "mem.idle is registered: expected plots/memory.png, found none"
	grep -qE '^\| Overhead \| [^|]+\| [0-9.]+ (KiB|MiB) each \| [0-9.]+ (KiB|MiB) each \|' "$run/lecture-table.md" ||
		fail "lecture-table.md: expected an Overhead row with a slope per thread and per process, found: $(grep '^| Overhead' "$run/lecture-table.md")"
fi
if registered vm.fork_rss; then
	[ -s "$run/plots/fork-rss.png" ] || fail "vm.fork_rss is registered: expected plots/fork-rss.png, found none"
	grep -qE "^\| Virtual Memory \| [^|]+, parent [0-9]+ MiB touched \| $figure \| $figure \|" "$run/lecture-table.md" ||
		fail "lecture-table.md: expected a Virtual Memory row with figures, found: $(grep '^| Virtual' "$run/lecture-table.md")"
fi
if registered vm.cow; then
	[ -s "$run/plots/cow.png" ] || fail "vm.cow is registered: expected plots/cow.png, found none"
fi
if registered iso.crash; then
	grep -qE '^\| Isolation \| [^|]+: a worker crashes \| (dies with it|survives[^|]*) \| (dies with it|survives[^|]*) \| — \|$' "$run/lecture-table.md" ||
		fail "lecture-table.md: expected an Isolation row in words, found: $(grep '^| Isolation' "$run/lecture-table.md")"
fi
if registered ipc.pipe; then
	for file in plots/ipc-latency-64.png plots/ipc-latency-64.svg plots/ipc-throughput-thread.png plots/ipc-throughput-process.png; do
		[ -s "$run/$file" ] || fail "ipc.pipe is registered: expected a non-empty $file, found none"
	done
	rate='[0-9.]+ (MB|GB)/s( ±[0-9.]+ %)? at [0-9]+ (B|KiB|MiB)†?'
	grep -qE "^\| 1\. Pipes \| \`pipe\` \| [^|]+ \| $figure \| $figure \| $rate \| $rate \|$" "$run/lecture-table.md" ||
		fail "lecture-table.md: expected an IPC approaches line for pipe with figures, found: $(grep -A1 '^## IPC' "$run/lecture-table.md"; grep -F "| \`pipe\` |" "$run/lecture-table.md" | head -n 1)"
fi

if [ "$failures" -gt 0 ]; then
	echo "e2e: $failures check(s) failed" >&2
	exit 1
fi
echo "e2e: ok"
