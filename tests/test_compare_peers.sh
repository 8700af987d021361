#!/usr/bin/env bash
# Test of scripts/compare-peers with stand-ins for both tools, so that it is fast and its
# figures are known: a fake `ipcbench` (list, and a run that writes a fixed results.csv and
# placement.csv) and a fake `perf` that prints a fixed usecs/op (another for -T). Cases:
#   - perf works: both figures in ns, ratio = ipcbench ÷ perf, thread mode = perf -T, exit 0;
#   - perf fails: the row keeps the ipcbench figure and says why, without a comma; exit 1;
#   - perf is not installed: the row says so; exit 0 (a missing tool is not a failure);
#   - ctx.pipe is not registered: says "ctx.pipe is not built yet", writes no peers.csv, exit 0.
# Usage: tests/test_compare_peers.sh
set -euo pipefail

repo=${REPO:-$(dirname "$0")/..}
repo=$(cd "$repo" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "test_compare_peers: FAIL: $*" >&2; failures=$((failures + 1)); }

# The fake ipcbench: `list --names` from $FAKE_NAMES; `run ... --out DIR` writes DIR/run/ and
# points DIR/latest at it, with ctx.pipe's round trip 3300 ns (thread) and 5500 ns (process).
mkdir -p "$tmp/build" "$tmp/bin"
cat >"$tmp/build/ipcbench" <<'EOF'
#!/usr/bin/env bash
set -euo pipefail
case $1 in
list) printf '%s\n' "$FAKE_NAMES" ;;
run)
	while [ $# -gt 0 ]; do [ "$1" = --out ] && out=$2; shift; done
	mkdir -p "$out/run"
	ln -sfn run "$out/latest"
	h=run_id,benchmark,group,mechanism,variant,mode,placement,size_bytes,param,param_value,metric,unit,n,min,p50,p90,p99,p999,max,mean,stddev
	{
		echo "$h"
		echo "r,ctx.pipe,ctx,pipe,,thread,same-cpu,,working_set_kib,0,switch,ns,100,1,1650,,,,,,"
		echo "r,ctx.pipe,ctx,pipe,,thread,same-cpu,,working_set_kib,0,rtt,ns,100,1,3300,,,,,,"
		echo "r,ctx.pipe,ctx,pipe,,process,same-cpu,,working_set_kib,0,rtt,ns,100,1,5500,,,,,,"
	} >"$out/run/results.csv"
	printf 'benchmark,mode,placement,cpu_main,cpu_peer\nctx.pipe,thread,same-cpu,0,0\n' >"$out/run/placement.csv"
	;;
esac
EOF
# The fake perf: 3 µs a round trip with -T (threads), 5 µs without; FAKE_PERF_FAIL=1: an error.
cat >"$tmp/bin/perf" <<'EOF'
#!/usr/bin/env bash
if [ "${FAKE_PERF_FAIL:-}" = 1 ]; then echo "perf: no pipes here, sorry" >&2; exit 1; fi
echo "# Running 'sched/pipe' benchmark:"
case " $* " in *" -T "*) us=3.000000 ;; *) us=5.000000 ;; esac
printf '\n     Total time: 0.1 [sec]\n\n       %s usecs/op\n          1 ops/sec\n' "$us"
EOF
chmod +x "$tmp/build/ipcbench" "$tmp/bin/perf"
# A PATH without any perf: every program of the system's PATH but perf, linked into one place.
mkdir "$tmp/noperf"
IFS=: read -ra dirs <<<"$PATH"
for dir in "${dirs[@]}"; do
	for prog in "$dir"/*; do
		name=${prog##*/}
		[ "$name" = perf ] || [ -e "$tmp/noperf/$name" ] || [ ! -x "$prog" ] || ln -s "$prog" "$tmp/noperf/$name"
	done
done

names=$'create.fork process\nctx.pipe thread,process'
peers() {       # peers DIR [ENV...]: run compare-peers into DIR, its status in $status
	local dir=$1
	shift
	mkdir -p "$dir"
	status=0
	env IPCBENCH_BUILD_DIR="$tmp/build" FAKE_NAMES="$names" "$@" \
		bash "$repo/scripts/compare-peers" "$dir" --quick >"$dir.out" 2>"$dir.err" || status=$?
}
row() { awk -F, -v mode="$2" 'NR > 1 && $2 == mode' "$1/peers.csv"; }

# perf works.
peers "$tmp/works" PATH="$tmp/bin:$PATH"
[ "$status" -eq 0 ] || fail "perf works: expected exit 0, found $status: $(cat "$tmp/works.err")"
expected='pipe round trip,thread,same-cpu,perf bench sched pipe -T,3000,ns,ctx.pipe,3300,ns,1.1,'
[ "$(row "$tmp/works" thread)" = "$expected" ] ||
	fail "perf works: thread row: expected '$expected', found '$(row "$tmp/works" thread)'"
expected='pipe round trip,process,same-cpu,perf bench sched pipe,5000,ns,ctx.pipe,5500,ns,1.1,'
[ "$(row "$tmp/works" process)" = "$expected" ] ||
	fail "perf works: process row: expected '$expected', found '$(row "$tmp/works" process)'"
grep -q 'ipcbench ÷ perf 1.10' "$tmp/works.out" ||
	fail "perf works: expected the ratio on stdout, found: $(cat "$tmp/works.out")"

# perf fails.
peers "$tmp/fails" PATH="$tmp/bin:$PATH" FAKE_PERF_FAIL=1
[ "$status" -eq 1 ] || fail "perf fails: expected exit 1, found $status"
found=$(row "$tmp/fails" process)
case $found in
'pipe round trip,process,same-cpu,perf bench sched pipe,,ns,ctx.pipe,5500,ns,,perf bench sched pipe failed: perf: no pipes here sorry') ;;
*) fail "perf fails: expected the row to keep ipcbench's figure and give perf's error, found '$found'" ;;
esac

# perf is not installed.
peers "$tmp/missing" PATH="$tmp/noperf"
[ "$status" -eq 0 ] || fail "perf missing: expected exit 0, found $status: $(cat "$tmp/missing.err")"
found=$(row "$tmp/missing" thread)
case $found in
'pipe round trip,thread,same-cpu,perf bench sched pipe -T,,ns,ctx.pipe,3300,ns,,perf is not installed'*linux-perf*) ;;
*) fail "perf missing: expected a row saying perf is not installed (linux-perf), found '$found'" ;;
esac

# ctx.pipe is not registered.
names='create.fork process'
peers "$tmp/unbuilt" PATH="$tmp/bin:$PATH"
[ "$status" -eq 0 ] || fail "no ctx.pipe: expected exit 0, found $status"
grep -q 'ctx.pipe is not built yet' "$tmp/unbuilt.err" ||
	fail "no ctx.pipe: expected 'ctx.pipe is not built yet' on stderr, found: $(cat "$tmp/unbuilt.err")"
[ ! -e "$tmp/unbuilt/peers.csv" ] || fail "no ctx.pipe: expected no peers.csv, found one"

if [ "$failures" -gt 0 ]; then
	echo "test_compare_peers: $failures check(s) failed" >&2
	exit 1
fi
echo "test_compare_peers: ok"
