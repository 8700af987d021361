#!/usr/bin/env bash
# Test of scripts/compare-peers with stand-ins for every tool, so that it is fast and its
# figures are known: a fake `ipcbench` (list, and a run that writes a fixed results.csv and
# placement.csv), a fake `perf` that prints a fixed usecs/op (another for -T), a fake
# `sockperf` (a server that only sleeps, a client that prints sockperf's percentiles, one-way
# in usec) and a fake `iperf3` (a server that sleeps, a client that prints -J output). Cases:
#   - all work: perf rows in ns, ratio = ipcbench ÷ perf, thread mode = perf -T; sockperf's
#     median doubled into a round trip in ns, the note saying so; iperf3's
#     end.sum_received.bits_per_second (not sum_sent's) in MB/s; exit 0; no server left;
#   - perf fails: the row keeps the ipcbench figure and says why, without a comma; exit 1;
#     likewise sockperf and iperf3 failing;
#   - no tool installed: the rows say so; exit 0 (a missing tool is not a failure);
#   - the ack server (fake `ipcbench serve` and `load`): its round trip against the same
#     sockperf TCP figure, the note saying its reply is a 57-byte ack; its server killed; load
#     failing: the row keeps sockperf's figure and gives load's error, exit 1; no serve
#     command: no ack row, said on stderr, exit 0;
#   - ctx.pipe not registered, ipc.tcp and ipc.udp are: no peers.csv, peers-net.csv, exit 0;
#   - none registered: says "not built yet", writes neither file, exit 0.
# Usage: tests/test_compare_peers.sh
set -euo pipefail

repo=${REPO:-$(dirname "$0")/..}
repo=$(cd "$repo" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "test_compare_peers: FAIL: $*" >&2; failures=$((failures + 1)); }

# The fake ipcbench: `list --names` from $FAKE_NAMES; `run ... --out DIR` writes DIR/run/ and
# points DIR/latest at it, with ctx.pipe's round trip 3300 ns (thread) and 5500 ns (process);
# `serve` sleeps (its pid in $FAKE_PIDS); `load ... --out FILE` writes load's rows, a round trip
# of 12500 ns at 64 B (FAKE_LOAD_FAIL=1: it fails as on a refused connection); with
# FAKE_NO_SERVE=1 neither command exists (an ipcbench from before them).
mkdir -p "$tmp/build" "$tmp/bin"
cat >"$tmp/build/ipcbench" <<'EOF'
#!/usr/bin/env bash
set -euo pipefail
case $1 in
list) printf '%s\n' "$FAKE_NAMES" ;;
run)
	case " $* " in
	*" --help "*)
		echo "usage: ipcbench run [OPTIONS] [GLOB...]"
		[ "${FAKE_NO_CPU_IDLE:-}" = 1 ] || echo "  --cpu-idle awake|allow   hold CPUs awake (default) or not"
		exit 0 ;;
	esac
	idle=
	while [ $# -gt 0 ]; do
		case $1 in --out) out=$2 ;; --cpu-idle) idle=$2 ;; esac
		shift
	done
	[ "$idle" = allow ] && idle=allowed
	held=free
	for fd in /proc/$$/fd/*; do
		[ "$(readlink -f "$fd")" != "$(readlink -f "$IPCBENCH_PM_QOS_DEV")" ] || held=held
	done
	echo "${idle:-no --cpu-idle} $held" >>"$FAKE_RUNS"
	mkdir -p "$out/run"
	ln -sfn run "$out/latest"
	h=run_id,benchmark,group,mechanism,variant,mode,placement,size_bytes,param,param_value,metric,unit,n,min,p50,p90,p99,p999,max,mean,stddev
	# Across CPUs, ns: ctx.pipe thread and process, ipc.pipe thread and process (64 B), with CPUs
	# awake, then with idle allowed: 1.1x and 1.15x of the fake perf's figures under the same hold.
	awake=(11000 12100 11500 12650) allowed=(55000 66000 57500 69000)
	if [ -n "$idle" ]; then
		# The new columns; with --cpu-idle awake, ctx.pipe across CPUs is measured both ways,
		# and its thread point also in a row with the vCPUs far apart, in fewer repetitions.
		h="$h,repetitions,ci_low,ci_high,batch,cpu_idle,vcpu_distance,probe_ns"
		same=$(printf ',3,,,1,%s,,' "$idle")
		if [ "$idle" = awake ]; then
			cross="r,ctx.pipe,ctx,pipe,,thread,cross-cpu,,working_set_kib,0,rtt,ns,100,1,${awake[0]},,,,,,,3,,,1,awake,near,120
r,ctx.pipe,ctx,pipe,,thread,cross-cpu,,working_set_kib,0,rtt,ns,100,1,20000,,,,,,,2,,,1,awake,far,560
r,ctx.pipe,ctx,pipe,,process,cross-cpu,,working_set_kib,0,rtt,ns,100,1,${awake[1]},,,,,,,3,,,1,awake,near,120
r,ipc.pipe,ipc,pipe,,thread,cross-cpu,64,,,rtt,ns,100,1,${awake[2]},,,,,,,3,,,1,awake,near,120
r,ipc.pipe,ipc,pipe,,process,cross-cpu,64,,,rtt,ns,100,1,${awake[3]},,,,,,,3,,,1,awake,near,120
r,ctx.pipe,ctx,pipe,,thread,cross-cpu,,working_set_kib,0,rtt,ns,100,1,${allowed[0]},,,,,,,3,,,1,allowed,near,120
r,ctx.pipe,ctx,pipe,,process,cross-cpu,,working_set_kib,0,rtt,ns,100,1,${allowed[1]},,,,,,,3,,,1,allowed,near,120"
		else
			cross="r,ctx.pipe,ctx,pipe,,thread,cross-cpu,,working_set_kib,0,rtt,ns,100,1,${allowed[0]},,,,,,,3,,,1,allowed,near,120
r,ctx.pipe,ctx,pipe,,process,cross-cpu,,working_set_kib,0,rtt,ns,100,1,${allowed[1]},,,,,,,3,,,1,allowed,near,120
r,ipc.pipe,ipc,pipe,,thread,cross-cpu,64,,,rtt,ns,100,1,${allowed[2]},,,,,,,3,,,1,allowed,near,120
r,ipc.pipe,ipc,pipe,,process,cross-cpu,64,,,rtt,ns,100,1,${allowed[3]},,,,,,,3,,,1,allowed,near,120"
		fi
	else
		# An ipcbench from before --cpu-idle: the old columns, figures as the hold it ran under.
		[ "$held" = held ] && v=("${awake[@]}") || v=("${allowed[@]}")
		cross="r,ctx.pipe,ctx,pipe,,thread,cross-cpu,,working_set_kib,0,rtt,ns,100,1,${v[0]},,,,,,
r,ctx.pipe,ctx,pipe,,process,cross-cpu,,working_set_kib,0,rtt,ns,100,1,${v[1]},,,,,,
r,ipc.pipe,ipc,pipe,,thread,cross-cpu,64,,,rtt,ns,100,1,${v[2]},,,,,,
r,ipc.pipe,ipc,pipe,,process,cross-cpu,64,,,rtt,ns,100,1,${v[3]},,,,,,"
	fi
	{
		echo "$h"
		echo "r,ctx.pipe,ctx,pipe,,thread,same-cpu,,working_set_kib,0,switch,ns,100,1,1650,,,,,,"
		echo "r,ctx.pipe,ctx,pipe,,thread,same-cpu,,working_set_kib,0,rtt,ns,100,1,3300,,,,,,"
		echo "r,ctx.pipe,ctx,pipe,,process,same-cpu,,working_set_kib,0,rtt,ns,100,1,5500,,,,,,"
		echo "r,create.fork_exec,create,fork_exec,,process,same-cpu,,,,create,ns,100,1,400000,,,,,,"
		echo "r,create.posix_spawn,create,posix_spawn,,process,same-cpu,,,,create,ns,100,1,450000,,,,,,"
		echo "r,create.fork_exec,create,fork_exec,,process,any,,,,create,ns,100,1,1,,,,,,"
		echo "r,ipc.tcp,ipc,tcp,,process,same-cpu,64,,,rtt,ns,100,1,12000,,,,,,"
		echo "r,ipc.tcp,ipc,tcp,,thread,same-cpu,64,,,rtt,ns,100,1,1,,,,,,"
		echo "r,ipc.tcp,ipc,tcp,,process,same-cpu,64,,,throughput,MB/s,100,1,50,,,,,,"
		echo "r,ipc.udp,ipc,udp,,process,same-cpu,64,,,rtt,ns,100,1,9000,,,,,,"
		echo "r,ipc.tcp,ipc,tcp,,process,same-cpu,131072,,,throughput,MB/s,100,1,4400,,,,,,"
		echo "r,ipc.tcp,ipc,tcp,,process,same-cpu,131072,,,rtt,ns,100,1,30000,,,,,,"
	} | awk -v same="${same:-}" 'NR > 1 { $0 = $0 same } 1' >"$out/run/results.csv"
	echo "$cross" >>"$out/run/results.csv"
	# The columns compare-peers reads, by name, and new ones after them.
	printf 'benchmark,mode,placement,cpu_main,cpu_peer,steal_pct\nctx.pipe,thread,same-cpu,0,0,0\nipc.tcp,process,same-cpu,0,0,0\ncreate.fork_exec,process,same-cpu,0,,0\nctx.pipe,thread,cross-cpu,0,1,0\n' >"$out/run/placement.csv"
	;;
serve | load)
	if [ "${FAKE_NO_SERVE:-}" = 1 ]; then echo "ipcbench: unknown command '$1'" >&2; exit 2; fi
	case " $* " in *" --help "*) exit 0 ;; esac
	if [ "$1" = serve ]; then echo $$ >>"$FAKE_PIDS"; exec sleep 60; fi
	if [ "${FAKE_LOAD_FAIL:-}" = 1 ]; then echo "load: connect to 127.0.0.1:1: Connection refused, sorry" >&2; exit 1; fi
	while [ $# -gt 0 ]; do [ "$1" = --out ] && out=$2; shift; done
	{
		echo run_id,benchmark,group,mechanism,variant,mode,placement,size_bytes,param,param_value,metric,unit,n,min,p50,p90,p99,p999,max,mean,stddev
		echo "r,load,server,tcp,closed,n/a,any,64,connections,1,rtt,ns,100,1,12500,,,,,,"
		echo "r,load,server,tcp,closed,n/a,any,64,connections,1,rate,msg/s,1,80000,80000,,,,,,"
	} >"$out"
	;;
esac
EOF
# held: prints "held" if this process has the PM QoS device ($IPCBENCH_PM_QOS_DEV) open, holding
# CPUs awake, else "free". Sourced by the fakes.
cat >"$tmp/bin/held.sh" <<'EOF'
held() {
	local fd
	for fd in /proc/$$/fd/*; do
		if [ "$(readlink -f "$fd")" = "$(readlink -f "$IPCBENCH_PM_QOS_DEV")" ]; then echo held; return; fi
	done
	echo free
}
EOF
# The fake taskset: `-c CPUS CMD...` runs CMD with FAKE_TASKSET_CPUS=CPUS (the fakes see where
# they were pinned, on a machine of any number of CPUs); `-cp PID` prints CPU 0.
cat >"$tmp/bin/taskset" <<'EOF'
#!/usr/bin/env bash
case $1 in
-cp) echo "pid $2's current affinity list: 0" ;;
-pc) echo "$2 $(cat "/proc/$3/comm")" >>"${FAKE_PIN_LOG:-/dev/null}" ;;
-c) cpus=$2; shift 2; FAKE_TASKSET_CPUS=$cpus exec "$@" ;;
*) exit 1 ;;
esac
EOF
# The fake perf, its calls logged in $FAKE_PERF_LOG (CPUs, held or free, -T or not). On one CPU
# 3 µs a round trip with -T (threads), 5 µs without; on two CPUs held awake 10 µs and 11 µs,
# with idle allowed 50 µs and 60 µs. FAKE_PERF_FAIL=1: an error.
cat >"$tmp/bin/perf" <<'EOF'
#!/usr/bin/env bash
if [ "${FAKE_PERF_FAIL:-}" = 1 ]; then echo "perf: no pipes here, sorry" >&2; exit 1; fi
. "$(dirname "$0")/held.sh"
hold=$(held)
case " $* " in *" -T "*) t=-T ;; *) t= ;; esac
echo "${FAKE_TASKSET_CPUS:-unpinned} $hold $t" >>"$FAKE_PERF_LOG"
echo "# Running 'sched/pipe' benchmark:"
# Two workers, as perf has (itself and a child), alive long enough to be pinned one per CPU.
if [[ ${FAKE_TASKSET_CPUS:-} == *,* ]]; then
	sleep 5 & child=$!
	sleep 0.1
	kill "$child"
fi
case ${FAKE_TASKSET_CPUS:-},$hold,$t in
*,*,held,-T) us=10.000000 ;;
*,*,held,) us=11.000000 ;;
*,*,free,-T) us=50.000000 ;;
*,*,free,) us=60.000000 ;;
*,*,-T) us=3.000000 ;;
*) us=5.000000 ;;
esac
printf '\n     Total time: 0.1 [sec]\n\n       %s usecs/op\n          1 ops/sec\n' "$us"
EOF
# The fake sockperf: `server` sleeps (its pid in $FAKE_PIDS, to check it is killed);
# `ping-pong` prints a median one-way latency of 5 µs over TCP, 4 µs over UDP, in sockperf's
# colours; FAKE_SOCKPERF_FAIL=1: an error.
cat >"$tmp/bin/sockperf" <<'EOF'
#!/usr/bin/env bash
. "$(dirname "$0")/held.sh"
case $1 in
server) echo $$ >>"$FAKE_PIDS"; [ "$(held)" = free ] || echo "sockperf server $$" >>"$FAKE_HELD"; exec sleep 60 ;;
esac
if [ "${FAKE_SOCKPERF_FAIL:-}" = 1 ]; then echo "sockperf: ERROR: connect, refused" >&2; exit 1; fi
case " $* " in *" --tcp "*) p50=5.000 ;; *) p50=4.000 ;; esac
printf 'sockperf: \033[2;35m====> avg-latency=9.9 (std-dev=1.0)\033[0m\n'
printf 'sockperf: Summary: Latency is 9.9 usec\n'
printf 'sockperf: ---> percentile 99.000 =   %s\n' 99.000
printf 'sockperf: ---> percentile 50.000 =    %s\n' "$p50"
printf 'sockperf: ---> percentile 25.000 =    %s\n' 1.000
EOF
# The fake iperf3: `-s` sleeps (pid in $FAKE_PIDS); `-c` prints -J output, 32 Gbit/s received
# (4000 MB/s) and a different sum_sent; FAKE_IPERF_FAIL=1: iperf3's JSON error.
cat >"$tmp/bin/iperf3" <<'EOF'
#!/usr/bin/env bash
case " $* " in *" -s "*) echo $$ >>"$FAKE_PIDS"; exec sleep 60 ;; esac
if [ "${FAKE_IPERF_FAIL:-}" = 1 ]; then
	printf '{\n\t"start":\t{},\n\t"error":\t"unable to connect to server: Connection refused, sorry"\n}\n'
	exit 1
fi
printf '{\n\t"end":\t{\n\t\t"sum_sent":\t{\n\t\t\t"bytes":\t1,\n\t\t\t"bits_per_second":\t1e10,\n\t\t\t"sender":\ttrue\n\t\t},\n'
printf '\t\t"sum_received":\t{\n\t\t\t"seconds":\t1,\n\t\t\t"bits_per_second":\t32000000000,\n\t\t\t"sender":\ttrue\n\t\t}\n\t}\n}\n'
EOF
# The fake hyperfine: a median of 500 µs in its --export-csv file; FAKE_HYPERFINE_FAIL=1: an
# error. The program it would start must exist.
cat >"$tmp/bin/hyperfine" <<'EOF'
#!/usr/bin/env bash
if [ "${FAKE_HYPERFINE_FAIL:-}" = 1 ]; then echo "Error: Command terminated with non-zero exit code, sorry" >&2; exit 1; fi
while [ $# -gt 0 ]; do [ "$1" = --export-csv ] && csv=$2; prog=$1; shift; done
[ -x "$prog" ] || { echo "Error: no $prog" >&2; exit 1; }
printf 'command,mean,stddev,median,user,system,min,max\n%s,0.0006,0.0001,0.0005,0.0001,0.0004,0.0004,0.002\n' "$prog" >"$csv"
EOF
printf '#!/bin/sh\n' >"$tmp/build/ipcbench-true"
chmod +x "$tmp/build/ipcbench" "$tmp/build/ipcbench-true" "$tmp/bin/perf" "$tmp/bin/sockperf" "$tmp/bin/iperf3" \
	"$tmp/bin/hyperfine" "$tmp/bin/taskset"
# A PATH without any of the tools: every program of the system's PATH but perf, sockperf and
# iperf3, linked into one place.
mkdir "$tmp/noperf"
IFS=: read -ra dirs <<<"$PATH"
for dir in "${dirs[@]}"; do
	for prog in "$dir"/*; do
		name=${prog##*/}
		case $name in perf | sockperf | iperf3 | hyperfine) continue ;; esac
		[ -e "$tmp/noperf/$name" ] || [ ! -x "$prog" ] || ln -s "$prog" "$tmp/noperf/$name"
	done
done

names=$'create.fork process\ncreate.fork_exec process\ncreate.posix_spawn process\nctx.pipe thread,process\nipc.pipe thread,process\nipc.tcp thread,process\nipc.udp thread,process'
# peers DIR [ENV...]: run compare-peers into DIR, its status in $status. The PM QoS device is a
# plain file, DIR.qos; the fakes log into DIR.runs (ipcbench runs), DIR.perf (perf calls) and
# DIR.held (servers that were started holding it).
peers() {
	local dir=$1
	shift
	mkdir -p "$dir"
	status=0
	: >"$dir.pids"
	: >"$dir.runs"
	: >"$dir.perf"
	: >"$dir.held"
	env IPCBENCH_BUILD_DIR="$tmp/build" FAKE_NAMES="$names" FAKE_PIDS="$dir.pids" \
		IPCBENCH_PM_QOS_DEV="$dir.qos" FAKE_RUNS="$dir.runs" FAKE_PERF_LOG="$dir.perf" FAKE_PIN_LOG="$dir.pins" FAKE_HELD="$dir.held" \
		COMPARE_PEERS_SERVER_WAIT=0.2 "$@" \
		bash "$repo/scripts/compare-peers" "$dir" --quick >"$dir.out" 2>"$dir.err" || status=$?
	local pid
	while read -r pid; do
		! kill -0 "$pid" 2>/dev/null || { fail "$dir: server $pid left running"; kill "$pid"; }
	done <"$dir.pids"
}
# The first 11 columns of a row of peers.csv (cpu_idle, cpu_main and cpu_peer follow them).
first11='BEGIN { OFS = "," } { NF = 11; print }'
row() { awk -F, -v mode="$2" 'NR > 1 && $1 == "pipe round trip" && $2 == mode && $3 == "same-cpu"' "$1/peers.csv" | awk -F, "$first11"; }
spawn_row() { awk -F, -v q="start a program that does nothing ($2)" 'NR > 1 && $1 == q' "$1/peers.csv" | awk -F, "$first11"; }
# cross DIR IDLE MODE BENCHMARK: the whole cross-cpu row.
cross() { awk -F, -v idle="$2" -v mode="$3" -v b="$4" 'NR > 1 && $3 == "cross-cpu" && $12 == idle && $2 == mode && $7 == b' "$1/peers.csv"; }
spawn_note="hyperfine's median wall time from spawning the program to its exit"
fork_note="$spawn_note; hyperfine starts it as posix_spawn does (clone3 CLONE_VM|CLONE_VFORK: no page tables copied)"
net() { awk -F, -v q="$2" 'NR > 1 && $1 == q' "$1/peers-net.csv"; }

# All work.
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
expected="start a program that does nothing (fork+exec),process,same-cpu,hyperfine -N ipcbench-true,500000,ns,create.fork_exec,400000,ns,0.8,$fork_note"
[ "$(spawn_row "$tmp/works" fork+exec)" = "$expected" ] ||
	fail "hyperfine works: fork+exec row: expected '$expected', found '$(spawn_row "$tmp/works" fork+exec)'"
expected="start a program that does nothing (posix_spawn),process,same-cpu,hyperfine -N ipcbench-true,500000,ns,create.posix_spawn,450000,ns,0.9,$spawn_note; both start it the same way"
[ "$(spawn_row "$tmp/works" posix_spawn)" = "$expected" ] ||
	fail "hyperfine works: posix_spawn row: expected '$expected', found '$(spawn_row "$tmp/works" posix_spawn)'"
{ grep -q 'fork+exec.*ipcbench ÷ hyperfine 0.80' "$tmp/works.out" && grep -q 'posix_spawn.*ipcbench ÷ hyperfine 0.90' "$tmp/works.out"; } ||
	fail "hyperfine works: expected both ratios on stdout, found: $(cat "$tmp/works.out")"
[ "$(awk 'END { print NR }' "$tmp/works/peers.csv")" = 13 ] ||
	fail "all work: expected peers.csv with 12 rows (4 on one CPU, 8 across two), found: $(cat "$tmp/works/peers.csv")"
# Columns added at the end: the idle choice and the CPUs of every row.
[ "$(head -n 1 "$tmp/works/peers.csv")" = quantity,mode,placement,peer,peer_value,peer_unit,ipcbench_benchmark,ipcbench_value,ipcbench_unit,ratio,note,cpu_idle,cpu_main,cpu_peer ] ||
	fail "all work: peers.csv header: $(head -n 1 "$tmp/works/peers.csv")"
[ "$(awk -F, 'NR > 1 && $3 == "same-cpu" { print $12 "," $13 "," $14 }' "$tmp/works/peers.csv" | sort -u)" = awake,0,0 ] ||
	fail "all work: rows on one CPU should say awake,0,0: $(cat "$tmp/works/peers.csv")"

# Across two CPUs: perf pinned to the two CPUs ipcbench recorded (0 and 1), with CPUs held awake
# and with idle allowed, against ipcbench's rows of the same idle choice, read by name.
near="ipcbench: vCPUs near (cache-line probe 120 ns)"
check_cross() {  # check_cross DIR IDLE MODE BENCHMARK EXPECTED
	local found
	found=$(cross "$1" "$2" "$3" "$4")
	[ "$found" = "$5" ] || fail "${1##*/}: $2 $3 $4 row: expected '$5', found '$found'"
}
check_cross "$tmp/works" awake thread ctx.pipe "pipe round trip (CPUs awake),thread,cross-cpu,perf bench sched pipe -T,10000,ns,ctx.pipe,11000,ns,1.1,$near in the most repetitions; a far (cache-line probe 560 ns) row: 20000 ns,awake,0,1"
check_cross "$tmp/works" awake process ctx.pipe "pipe round trip (CPUs awake),process,cross-cpu,perf bench sched pipe,11000,ns,ctx.pipe,12100,ns,1.1,$near,awake,0,1"
check_cross "$tmp/works" awake thread ipc.pipe "pipe round trip (CPUs awake),thread,cross-cpu,perf bench sched pipe -T,10000,ns,ipc.pipe,11500,ns,1.15,64-byte messages (perf passes 4 bytes); $near,awake,0,1"
check_cross "$tmp/works" awake process ipc.pipe "pipe round trip (CPUs awake),process,cross-cpu,perf bench sched pipe,11000,ns,ipc.pipe,12650,ns,1.15,64-byte messages (perf passes 4 bytes); $near,awake,0,1"
check_cross "$tmp/works" allowed thread ctx.pipe "pipe round trip (idle allowed),thread,cross-cpu,perf bench sched pipe -T,50000,ns,ctx.pipe,55000,ns,1.1,$near,allowed,0,1"
check_cross "$tmp/works" allowed process ctx.pipe "pipe round trip (idle allowed),process,cross-cpu,perf bench sched pipe,60000,ns,ctx.pipe,66000,ns,1.1,$near,allowed,0,1"
check_cross "$tmp/works" allowed thread ipc.pipe "pipe round trip (idle allowed),thread,cross-cpu,perf bench sched pipe -T,50000,ns,ipc.pipe,,ns,,64-byte messages (perf passes 4 bytes); ipcbench's run has no ipc.pipe cross-cpu row with cpu_idle=allowed: no ratio,allowed,0,1"
grep -q 'pipe round trip (CPUs awake), thread mode, CPUs 0,1: perf bench sched pipe -T 10 µs (mean), ipcbench ipc.pipe 11.5 µs (median), ipcbench ÷ perf 1.15' "$tmp/works.out" ||
	fail "all work: expected the cross-cpu ipc.pipe line on stdout, found: $(cat "$tmp/works.out")"
! grep -q 'beyond the 1.15x target' "$tmp/works.err" ||
	fail "all work: 1.15x is the target, yet stderr says beyond: $(cat "$tmp/works.err")"
# The runs of ctx.pipe (one CPU, two CPUs) and create.* asked for CPUs awake (and ipcbench held
# them itself: nothing held from here), perf
# was held awake on one CPU and across two when asked, and free with idle allowed; no server
# was started holding the device.
[ "$(head -n 3 "$tmp/works.runs" | sort -u)" = "awake free" ] ||
	fail "all work: ipcbench runs: expected each with --cpu-idle awake and nothing held around it, found: $(cat "$tmp/works.runs")"
expected=$'0 held -T
0 held 
0,1 held -T
0,1 held 
0,1 free -T
0,1 free '
[ "$(awk '!seen[$0]++' "$tmp/works.perf")" = "$expected" ] ||
	fail "all work: perf calls (CPUs, hold, -T), in order: expected '$expected', found '$(awk '!seen[$0]++' "$tmp/works.perf")'"
# Across two CPUs each perf run has its two tasks pinned one to each CPU, the first to 0, the
# second to 1: 4 cases of 5 runs (or fewer with --quick), two pins each.
[ "$(cut -d' ' -f1 "$tmp/works.pins" | sort -u)" = "$(printf '0\n1')" ] && [ "$(wc -l <"$tmp/works.pins")" -ge 8 ] ||
	fail "all work: perf's two tasks were not pinned one to each CPU: $(cat "$tmp/works.pins")"
[ ! -s "$tmp/works.held" ] || fail "all work: servers started holding CPUs awake: $(cat "$tmp/works.held")"
[ "$(cat "$tmp/works.qos")" = 0x0 ] || fail "all work: the PM QoS request written: expected '0x0', found '$(cat "$tmp/works.qos")'"

# The device cannot be opened: the rows that wanted CPUs awake say so without figures, the rest
# are measured with idle allowed (ipcbench asked for --cpu-idle allow); not a failure.
peers "$tmp/noqos" PATH="$tmp/bin:$PATH" IPCBENCH_PM_QOS_DEV="$tmp/no/such/dir/qos"
[ "$status" -eq 0 ] || fail "no device: expected exit 0, found $status: $(cat "$tmp/noqos.err")"
qos_why="cannot hold $tmp/no/such/dir/qos: No such file or directory: measured with idle allowed only"
check_cross "$tmp/noqos" awake thread ctx.pipe "pipe round trip (CPUs awake),thread,cross-cpu,perf bench sched pipe -T,,ns,ctx.pipe,,ns,,$qos_why; ipcbench's run has no ctx.pipe cross-cpu row with cpu_idle=awake: no ratio,awake,0,1"
check_cross "$tmp/noqos" allowed process ipc.pipe "pipe round trip (idle allowed),process,cross-cpu,perf bench sched pipe,60000,ns,ipc.pipe,69000,ns,1.15,64-byte messages (perf passes 4 bytes); $near,allowed,0,1"
if [ "$(row "$tmp/noqos" thread)" != 'pipe round trip,thread,same-cpu,perf bench sched pipe -T,3000,ns,ctx.pipe,3300,ns,1.1,' ] ||
	[ "$(awk -F, 'NR > 1 && $3 == "same-cpu" { print $12 }' "$tmp/noqos/peers.csv" | sort -u)" != allowed ]; then
	fail "no device: rows on one CPU should be measured with idle allowed: $(cat "$tmp/noqos/peers.csv")"
fi
[ "$(head -n 3 "$tmp/noqos.runs" | sort -u)" = "allowed free" ] ||
	fail "no device: ipcbench runs: expected --cpu-idle allow, found: $(cat "$tmp/noqos.runs")"
! grep -q held "$tmp/noqos.perf" || fail "no device: perf ran held: $(cat "$tmp/noqos.perf")"
grep -q "cannot hold $tmp/no/such/dir/qos" "$tmp/noqos.err" ||
	fail "no device: expected stderr to say the device cannot be held, found: $(cat "$tmp/noqos.err")"

# An ipcbench from before --cpu-idle: the device is held from here around its runs, and its rows
# (no cpu_idle column) are read as measured with CPUs awake; it has no rows with idle allowed.
peers "$tmp/oldrun" PATH="$tmp/bin:$PATH" FAKE_NO_CPU_IDLE=1
[ "$status" -eq 0 ] || fail "old ipcbench: expected exit 0, found $status: $(cat "$tmp/oldrun.err")"
[ "$(head -n 3 "$tmp/oldrun.runs" | sort -u)" = "no --cpu-idle held" ] ||
	fail "old ipcbench: expected every run held awake from here, found: $(cat "$tmp/oldrun.runs")"
check_cross "$tmp/oldrun" awake thread ctx.pipe "pipe round trip (CPUs awake),thread,cross-cpu,perf bench sched pipe -T,10000,ns,ctx.pipe,11000,ns,1.1,,awake,0,1"
check_cross "$tmp/oldrun" allowed thread ctx.pipe "pipe round trip (idle allowed),thread,cross-cpu,perf bench sched pipe -T,50000,ns,ctx.pipe,,ns,,ipcbench's run has no ctx.pipe cross-cpu row with cpu_idle=allowed: no ratio,allowed,0,1"
[ ! -s "$tmp/oldrun.held" ] || fail "old ipcbench: servers started holding CPUs awake: $(cat "$tmp/oldrun.held")"

[ "$(grep -c . "$tmp/works.pids")" -eq 4 ] ||
	fail "all work: expected 4 servers started (sockperf tcp, udp, iperf3, ipcbench serve), found $(grep -c . "$tmp/works.pids")"
expected="TCP round trip 64 B,process,same-cpu,sockperf ping-pong --tcp -m 64,10000,ns,ipc.tcp,12000,ns,1.2,sockperf's median one-way latency 5.000 usec (half the round trip) x2 = round trip in ns"
[ "$(net "$tmp/works" 'TCP round trip 64 B')" = "$expected" ] ||
	fail "all work: sockperf TCP row: expected '$expected', found '$(net "$tmp/works" 'TCP round trip 64 B')'"
expected="UDP round trip 64 B,process,same-cpu,sockperf ping-pong -m 64,8000,ns,ipc.udp,9000,ns,1.125,sockperf's median one-way latency 4.000 usec (half the round trip) x2 = round trip in ns"
[ "$(net "$tmp/works" 'UDP round trip 64 B')" = "$expected" ] ||
	fail "all work: sockperf UDP row: expected '$expected', found '$(net "$tmp/works" 'UDP round trip 64 B')'"
expected="TCP bandwidth 128 KiB writes,process,same-cpu,iperf3 -c 127.0.0.1 -l 128K,4000,MB/s,ipc.tcp,4400,MB/s,1.1,iperf3's receiver mean 32000000000 bits/s / 8e6 = MB/s"
[ "$(net "$tmp/works" 'TCP bandwidth 128 KiB writes')" = "$expected" ] ||
	fail "all work: iperf3 row: expected '$expected', found '$(net "$tmp/works" 'TCP bandwidth 128 KiB writes')'"
{ grep -q 'ipcbench ÷ sockperf 1.20' "$tmp/works.out" && grep -q 'ipcbench ÷ iperf3 1.10' "$tmp/works.out"; } ||
	fail "all work: expected the sockperf and iperf3 ratios on stdout, found: $(cat "$tmp/works.out")"
ack_note="ack server: each 64-byte request answered by the lecture's 57-byte ack where sockperf echoes its 64 bytes; ipcbench load's median round trip on 1 connection"
expected="TCP round trip 64 B (ack server),process,same-cpu,sockperf ping-pong --tcp -m 64,10000,ns,serve --model epoll + load,12500,ns,1.25,$ack_note"
[ "$(net "$tmp/works" 'TCP round trip 64 B (ack server)')" = "$expected" ] ||
	fail "all work: ack server row: expected '$expected', found '$(net "$tmp/works" 'TCP round trip 64 B (ack server)')'"
grep -q 'TCP round trip 64 B (ack server).*ipcbench ÷ sockperf 1.25' "$tmp/works.out" ||
	fail "all work: expected the ack server's ratio on stdout, found: $(cat "$tmp/works.out")"
! grep -q 'beyond the target' "$tmp/works.err" ||
	fail "all work: 1.25x is within the 1.3x target, yet stderr says beyond: $(cat "$tmp/works.err")"
[ "$(awk 'END { print NR }' "$tmp/works/peers-net.csv")" = 5 ] ||
	fail "all work: expected peers-net.csv with 4 rows, found: $(cat "$tmp/works/peers-net.csv")"

# The load client fails: the ack row keeps sockperf's figure and says why; its server is
# killed all the same (checked by peers()).
peers "$tmp/loadfails" PATH="$tmp/bin:$PATH" FAKE_LOAD_FAIL=1
[ "$status" -eq 1 ] || fail "load fails: expected exit 1, found $status"
expected="TCP round trip 64 B (ack server),process,same-cpu,sockperf ping-pong --tcp -m 64,10000,ns,serve --model epoll + load,,ns,,$ack_note; ipcbench load failed (exit status 1): load: connect to 127.0.0.1:1: Connection refused sorry"
[ "$(net "$tmp/loadfails" 'TCP round trip 64 B (ack server)')" = "$expected" ] ||
	fail "load fails: ack server row: expected '$expected', found '$(net "$tmp/loadfails" 'TCP round trip 64 B (ack server)')'"
[ "$(grep -c . "$tmp/loadfails.pids")" -eq 4 ] ||
	fail "load fails: expected 4 servers started, found $(grep -c . "$tmp/loadfails.pids")"

# An ipcbench without serve and load: no ack row, said on stderr; the other rows as before.
peers "$tmp/noserve" PATH="$tmp/bin:$PATH" FAKE_NO_SERVE=1
[ "$status" -eq 0 ] || fail "no serve: expected exit 0, found $status: $(cat "$tmp/noserve.err")"
grep -q 'no serve or load command yet: no ack server row' "$tmp/noserve.err" ||
	fail "no serve: expected stderr to say there is no ack server row, found: $(cat "$tmp/noserve.err")"
[ -z "$(net "$tmp/noserve" 'TCP round trip 64 B (ack server)')" ] ||
	fail "no serve: expected no ack server row, found one"
[ "$(awk 'END { print NR }' "$tmp/noserve/peers-net.csv")" = 4 ] ||
	fail "no serve: expected peers-net.csv with 3 rows, found: $(cat "$tmp/noserve/peers-net.csv")"

# sockperf and iperf3 fail.
peers "$tmp/netfails" PATH="$tmp/bin:$PATH" FAKE_SOCKPERF_FAIL=1 FAKE_IPERF_FAIL=1
[ "$status" -eq 1 ] || fail "sockperf/iperf3 fail: expected exit 1, found $status"
found=$(net "$tmp/netfails" 'TCP round trip 64 B')
case $found in
'TCP round trip 64 B,process,same-cpu,sockperf ping-pong --tcp -m 64,,ns,ipc.tcp,12000,ns,,sockperf ping-pong --tcp -m 64 failed (exit status 1): sockperf: ERROR: connect refused') ;;
*) fail "sockperf fails: expected the row to keep ipcbench's figure and give sockperf's error, found '$found'" ;;
esac
found=$(net "$tmp/netfails" 'TCP round trip 64 B (ack server)')
case $found in
'TCP round trip 64 B (ack server),process,same-cpu,sockperf ping-pong --tcp -m 64,,ns,serve --model epoll + load,12500,ns,,'*'; sockperf ping-pong --tcp -m 64 failed (exit status 1): sockperf: ERROR: connect refused') ;;
*) fail "sockperf fails: expected the ack server row to keep its figure and give sockperf's error, found '$found'" ;;
esac
found=$(net "$tmp/netfails" 'TCP bandwidth 128 KiB writes')
case $found in
'TCP bandwidth 128 KiB writes,process,same-cpu,iperf3 -c 127.0.0.1 -l 128K,,MB/s,ipc.tcp,4400,MB/s,,iperf3 gave no end.sum_received.bits_per_second: unable to connect to server: Connection refused sorry') ;;
*) fail "iperf3 fails: expected the row to keep ipcbench's figure and give iperf3's error, found '$found'" ;;
esac

# hyperfine fails: the row keeps ipcbench's figure and gives hyperfine's error.
peers "$tmp/hffails" PATH="$tmp/bin:$PATH" FAKE_HYPERFINE_FAIL=1
[ "$status" -eq 1 ] || fail "hyperfine fails: expected exit 1, found $status"
expected='start a program that does nothing (fork+exec),process,same-cpu,hyperfine -N ipcbench-true,,ns,create.fork_exec,400000,ns,,hyperfine failed: Error: Command terminated with non-zero exit code sorry'
[ "$(spawn_row "$tmp/hffails" fork+exec)" = "$expected" ] ||
	fail "hyperfine fails: expected '$expected', found '$(spawn_row "$tmp/hffails" fork+exec)'"

# perf fails.
peers "$tmp/fails" PATH="$tmp/bin:$PATH" FAKE_PERF_FAIL=1
[ "$status" -eq 1 ] || fail "perf fails: expected exit 1, found $status"
found=$(row "$tmp/fails" process)
case $found in
'pipe round trip,process,same-cpu,perf bench sched pipe,,ns,ctx.pipe,5500,ns,,perf bench sched pipe failed: perf: no pipes here sorry') ;;
*) fail "perf fails: expected the row to keep ipcbench's figure and give perf's error, found '$found'" ;;
esac

# No tool is installed.
peers "$tmp/missing" PATH="$tmp/noperf"
[ "$status" -eq 0 ] || fail "perf missing: expected exit 0, found $status: $(cat "$tmp/missing.err")"
found=$(row "$tmp/missing" thread)
case $found in
'pipe round trip,thread,same-cpu,perf bench sched pipe -T,,ns,ctx.pipe,3300,ns,,perf is not installed'*linux-perf*) ;;
*) fail "perf missing: expected a row saying perf is not installed (linux-perf), found '$found'" ;;
esac
case $(spawn_row "$tmp/missing" posix_spawn) in
'start a program that does nothing (posix_spawn),process,same-cpu,hyperfine -N ipcbench-true,,ns,create.posix_spawn,450000,ns,,hyperfine is not installed'*hyperfine*) ;;
*) fail "hyperfine missing: expected a row saying hyperfine is not installed, found '$(spawn_row "$tmp/missing" posix_spawn)'" ;;
esac
for q in 'TCP round trip 64 B' 'UDP round trip 64 B' 'TCP bandwidth 128 KiB writes' 'TCP round trip 64 B (ack server)'; do
	found=$(net "$tmp/missing" "$q")
	case $found in
	*,ipc.*,[0-9]*,*'sockperf is not installed: '*sockperf* | *,ipc.*,[0-9]*,*'iperf3 is not installed: '*iperf3*) ;;
	*',serve --model epoll + load,'[0-9]*,*'sockperf is not installed: '*sockperf*) ;;
	*) fail "tools missing: expected the $q row to keep ipcbench's figure and say the tool is not installed, found '$found'" ;;
	esac
done

# ctx.pipe is not registered, the sockets are.
names=$'create.fork process\nipc.tcp thread,process\nipc.udp thread,process'
peers "$tmp/nopipe" PATH="$tmp/bin:$PATH"
[ "$status" -eq 0 ] || fail "no ctx.pipe: expected exit 0, found $status: $(cat "$tmp/nopipe.err")"
grep -q 'ctx.pipe is not built yet' "$tmp/nopipe.err" ||
	fail "no ctx.pipe: expected 'ctx.pipe is not built yet' on stderr, found: $(cat "$tmp/nopipe.err")"
[ ! -e "$tmp/nopipe/peers.csv" ] || fail "no ctx.pipe: expected no peers.csv, found one"
[ "$(awk 'END { print NR }' "$tmp/nopipe/peers-net.csv" 2>/dev/null)" = 5 ] ||
	fail "no ctx.pipe: expected peers-net.csv with 4 rows, found: $(cat "$tmp/nopipe/peers-net.csv" 2>&1)"

# Nothing to compare is registered.
names='create.fork process'
peers "$tmp/unbuilt" PATH="$tmp/bin:$PATH"
[ "$status" -eq 0 ] || fail "nothing built: expected exit 0, found $status"
grep -q 'not built yet' "$tmp/unbuilt.err" ||
	fail "nothing built: expected 'not built yet' on stderr, found: $(cat "$tmp/unbuilt.err")"
{ [ ! -e "$tmp/unbuilt/peers.csv" ] && [ ! -e "$tmp/unbuilt/peers-net.csv" ]; } ||
	fail "nothing built: expected no peers.csv nor peers-net.csv, found one"

if [ "$failures" -gt 0 ]; then
	echo "test_compare_peers: $failures check(s) failed" >&2
	exit 1
fi
echo "test_compare_peers: ok"
