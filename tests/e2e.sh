#!/usr/bin/env bash
# End-to-end: scripts/run-all --quick into a temp dir, then check what a user would look at —
# the CSV contract, meta.json, the charts, the lecture table. Usage: tests/e2e.sh BUILD_DIR
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
header='run_id,benchmark,group,mechanism,variant,mode,placement,size_bytes,param,param_value,metric,unit,n,min,p50,p90,p99,p999,max,mean,stddev'
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
grep -qE '^\| *Creation *\| *[^|]+\| *[0-9.]+ (ns|µs|ms|s) *\|' "$run/lecture-table.md" 2>/dev/null ||
	fail "lecture-table.md: expected a Creation row with a figure, found: $(grep -i creation "$run/lecture-table.md" 2>/dev/null | head -n 1)"

if [ "$failures" -gt 0 ]; then
	echo "e2e: $failures check(s) failed" >&2
	exit 1
fi
echo "e2e: ok"
