#!/usr/bin/env bash
# Interrupted runs lose nothing and leak nothing. For every group of benchmarks, `ipcbench run
# GROUP.* --quick` is interrupted at a random moment with SIGINT, SIGTERM and SIGKILL; then
# nothing of it may remain: no process of its session (peers, points, servers), no zombie, no
# POSIX shm or mq object, no System V queue, semaphore set or segment, no FIFO, socket or
# temporary directory, no half-written result (each results.csv parses, each meta.json is
# JSON, or they are absent). After SIGKILL, which no program can clean up after, `ipcbench
# clean` must remove what is left and only then must nothing remain.
#
# To look at everything, not only at names ipcbench is known to use, each run gets its own IPC
# namespace and private mounts of /tmp, /dev/shm and /dev/mqueue: whatever is there afterwards
# is the run's. Other tests running at the same time cannot disturb the count. This needs
# root or user namespaces; without them the test is skipped (77), saying so.
#
#   interrupt.sh IPCBENCH [SEED]     (or IPCBENCH_INTERRUPT_SEED): the seed replays the moments
set -euo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
seed=${2:-${IPCBENCH_INTERRUPT_SEED:-$(( $(date +%s) % 100000 ))}}

if [ "${IPCBENCH_INTERRUPT_INNER:-}" != 1 ]; then
        for tool in ps setsid; do
                command -v "$tool" >/dev/null ||
                        { echo "skip: $tool is not installed (procps, util-linux): cannot find the run's processes"; exit 77; }
        done
        if ! command -v unshare >/dev/null; then
                echo "skip: unshare (util-linux) is not installed: cannot give the runs private namespaces"
                exit 77
        fi
        # Root gets the namespaces directly; anyone else through a user namespace, if allowed.
        userns=()
        [ "$(id -u)" = 0 ] || userns=(--map-root-user)
        if ! unshare "${userns[@]}" --ipc --mount true 2>/dev/null; then
                echo "skip: cannot create IPC and mount namespaces here (not root, and user" \
                     "namespaces are off: sysctl kernel.unprivileged_userns_clone / user.max_user_namespaces)"
                exit 77
        fi
        IPCBENCH_INTERRUPT_INNER=1 exec unshare "${userns[@]}" --ipc --mount bash "$0" "$bin" "$seed"
fi

# ---- inside the namespaces: private /tmp, /dev/shm, /dev/mqueue --------------------------------
mount --make-rprivate /
bindir=$(dirname "$bin")
exec 9<"$bindir"        # the build may live under /tmp: keep a way to it, bind it back below
for dir in /tmp /dev/shm; do
        mount -t tmpfs -o mode=1777 tmpfs "$dir"
        case $bindir/ in
        "$dir"/*) mkdir -p "$bindir" && mount -c --bind /proc/self/fd/9 "$bindir" ;;
        esac
done
exec 9<&-
mkdir -p /dev/mqueue
mount -t mqueue mqueue /dev/mqueue
export TMPDIR=/tmp
work=/tmp/interrupt-test
mkdir "$work"
cd "$work"

header="run_id,benchmark,group,mechanism,variant,mode,placement,size_bytes,param,param_value,metric,unit,n,min,p50,p90,p99,p999,max,mean,stddev,repetitions,ci_low,ci_high,batch,cpu_idle,vcpu_distance,probe_ns"
RANDOM=$seed
echo "seed $seed (replay: IPCBENCH_INTERRUPT_SEED=$seed bash $0 $bin)"

# Every process of the run's session (setsid below): whatever it started, however deep, and
# whether or not its parent is still alive, keeps the session id. Points, peers and servers of
# any ipcbench built here are listed too, in case one left the session.
session_processes() {
        local sid=$1
        # ("__" "point": this awk's own command line must not match.)
        ps -e -o pid=,sid=,stat=,args= | awk -v s="$sid" -v b="$bindir/ipcbench-true" \
                '$2 == s || (index($0, "__" "point") && index($0, b))'
}

# What the namespaces hold besides the test's own directory, one line per object.
leftovers() {
        local sid=$1 out=$2
        session_processes "$sid" | awk '{ print ($3 ~ /^Z/ ? "zombie: " : "process: ") $0 }'
        find /dev/shm -mindepth 1 | sed 's/^/shm: /'
        find /dev/mqueue -mindepth 1 | sed 's/^/mq: /'
        local kind
        for kind in msg sem shm; do
                tail -n +2 "/proc/sysvipc/$kind" | sed "s/^/System V $kind: /"
        done
        find /tmp -xdev -mindepth 1 -maxdepth 1 ! -path "$work" ! -path "$(echo "$bindir" | cut -d/ -f1-3)" |
                sed 's/^/tmp: /'
        find "$work" -xdev \( -type p -o -type s \) | sed 's/^/fifo or socket: /'
        # Results: a hidden directory of an unfinished run, or a temporary file, is not a result.
        # A run killed before it made its --out directory has none: nothing to look at there (and
        # find's complaint would end this script, under set -e and pipefail).
        [ ! -d "$out" ] || find "$out" -mindepth 1 \( -name '.*' -o -name '*.tmp.*' \) | sed 's/^/unfinished: /'
}

# Every results.csv under `out` has the header and rows of as many fields; every meta.json is
# JSON. Prints what is wrong.
check_results() {
        local out=$1 f
        for f in $(find "$out" -name results.csv 2>/dev/null); do
                [ "$(head -n 1 "$f")" = "$header" ] || echo "bad header in $f"
                # Fields counted outside double quotes, as csv_field writes them.
                awk -v want=28 '{ n = 1; q = 0
                        for (i = 1; i <= length($0); i++) { c = substr($0, i, 1)
                                if (c == "\"") q = !q; else if (c == "," && !q) n++ }
                        if (n != want || q) { print FILENAME ":" NR ": " n " fields"; exit } }' "$f"
        done
        for f in $(find "$out" -name meta.json 2>/dev/null); do
                if command -v jq >/dev/null; then
                        jq -e . "$f" >/dev/null 2>&1 || echo "$f is not JSON"
                elif command -v python3 >/dev/null; then
                        python3 -m json.tool "$f" >/dev/null 2>&1 || echo "$f is not JSON"
                else
                        [ "$(head -c 1 "$f")" = "{" ] && [ "$(tail -c 2 "$f" | head -c 1)" = "}" ] ||
                                echo "$f is not a JSON object"
                fi
        done
}

# Wait up to `seconds` for the session to empty (an orphan, e.g. a forked child writing its
# region, may take a moment to finish after its parent was killed).
wait_session_gone() {
        local sid=$1 tries=$(( $2 * 10 ))
        while [ "$tries" -gt 0 ] && [ -n "$(session_processes "$sid")" ]; do
                sleep 0.1
                tries=$((tries - 1))
        done
}

# One run of `glob`, sent `signal` after a random moment below max_ms (the moment in
# delay_ms, the run's exit status in status), then every check.
interrupt_once() {
        local signal=$1 glob=$2 max_ms=$3 pid out bad=0 left problems removed
        tried=$((tried + 1))
        rm -f "$work/clean"
        out=$work/out-$tried
        # A random moment: setup, a peer starting, the timed loop, a teardown, or between points.
        delay_ms=$(( RANDOM % max_ms ))
        # A background job of a non-interactive shell starts with SIGINT ignored, where Ctrl-C
        # reaches a program with it at its default: put it back, or a SIGINT that lands before
        # ipcbench installs its handler would be lost.
        env --default-signal=INT setsid "$bin" run "$glob" --quick --duration 0.05 --timeout 10 \
                --out "$out" >"$work/stdout" 2>"$work/stderr" </dev/null &
        pid=$!
        sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
        exec 3>&2 2>/dev/null   # until the run is reaped: no "Killed" line from bash
        kill -s "$signal" "$pid" || true
        # Bounded: a run that ignores the signal is a failure, not a hang of the test.
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then
                echo "FAIL: $glob: the run ignored SIG$signal for 10 s (seed $seed)"
                kill -KILL -- "-$pid" 2>/dev/null || true
                bad=1
        fi
        status=0
        wait "$pid" || status=$?
        # At the moment ipcbench returns, nothing it started may remain, zombies included: not
        # even for the moment PID 1 would take to reap an orphan. (Not after SIGKILL, which
        # leaves ipcbench no moment to reap: its points die after it, checked below.)
        at_return=
        [ "$signal" = KILL ] || at_return=$(session_processes "$pid")
        exec 2>&3 3>&-
        if [ -n "$at_return" ]; then
                echo "FAIL: $glob: SIG$signal after ${delay_ms} ms: when ipcbench returned (exit $status)," \
                     "its session still held (seed $seed):"
                echo "$at_return"
                bad=1
        fi
        # How long a run that finished first took (meta.json's wall_seconds), to aim the next.
        took_ms=$(sed -nE 's/.*"wall_seconds": ([0-9]+)\.([0-9]{3}).*/\1\2/p' "$out"/*/meta.json 2>/dev/null |
                  head -n 1 || true)
        took_ms=$((10#${took_ms:-$delay_ms}))
        case $status in
        130 | 137 | 143) interrupted=$((interrupted + 1)) ;;
        0 | 1)          # finished before the signal (a failed benchmark is not our business): then
                        # it wrote its results
                if ! compgen -G "$out/*/results.csv" >/dev/null; then
                        echo "FAIL: $glob: SIG$signal after ${delay_ms} ms: exit status $status and no results:"
                        cat "$work/stderr"
                        bad=1
                fi ;;
        *) echo "FAIL: $glob: SIG$signal after ${delay_ms} ms: exit status $status"; cat "$work/stderr"
           bad=1 ;;
        esac
        # 130 and nothing said: SIGINT's default action, before ipcbench's handler was in place
        # (nothing had been created yet; the checks below see that nothing was).
        if [ "$status" = 130 ] && [ -s "$work/stderr" ] &&
                ! grep -q "interrupted; no results written" "$work/stderr"; then
                echo "FAIL: $glob: exit 130 without saying the run was interrupted:"; cat "$work/stderr"
                bad=1
        fi
        wait_session_gone "$pid" 5
        if [ "$signal" = KILL ]; then
                left=$(leftovers "$pid" "$out")
                # Processes are not clean's to kill: they must have died with their parent.
                if grep -qE '^(process|zombie): ' <<<"$left"; then
                        echo "FAIL: $glob: SIGKILL after ${delay_ms} ms left processes (seed $seed):"
                        grep -E '^(process|zombie): ' <<<"$left"
                        bad=1
                fi
                if [ -n "$left" ]; then
                        cleaned=$((cleaned + 1))
                        if ! "$bin" clean --out "$out" >"$work/clean" 2>&1; then
                                echo "FAIL: $glob: 'ipcbench clean' failed after SIGKILL (seed $seed):"
                                cat "$work/clean"
                                bad=1
                        fi
                fi
        fi
        problems=$(leftovers "$pid" "$out"; check_results "$out")
        if [ -n "$problems" ]; then
                echo "FAIL: $glob: SIG$signal after ${delay_ms} ms (exit $status) left (seed $seed):"
                echo "$problems"
                [ "$signal" != KILL ] || cat "$work/clean" 2>/dev/null || true
                bad=1
        fi
        leaked=$((leaked + bad))
        removed=
        [ ! -f "$work/clean" ] || removed=$(sed -nE 's/^removed (POSIX shm|POSIX mq|System V queue|FIFO dir|file dir|unfinished run|link) .*/\1/p' \
                  "$work/clean" | sort | uniq -c | awk '{ $1 = $1; print }' | paste -sd, -)
        printf '%-20s SIG%-4s after %4d ms: exit %3d, %s%s\n' "$glob" "$signal" "$delay_ms" "$status" \
                "$([ "$bad" = 0 ] && echo "nothing left" || echo "FAILED")" \
                "${removed:+ (after ipcbench clean removed: $removed)}"
        # Start the next trial from empty namespaces, whatever this one left.
        rm -rf "$out" /dev/shm/* /dev/mqueue/* 2>/dev/null || true
        ipcrm --all >/dev/null 2>&1 || true
}

# A background job of a non-interactive shell is no group leader: setsid makes the session
# in the same process, so the session id is the run's pid.
setsid sleep 2 &
probe=$!
sleep 0.1
[ "$(ps -o sid= -p "$probe" | tr -d ' ')" = "$probe" ] ||
        { echo "FAIL: setsid forked here: the run's session cannot be found"; exit 1; }
kill "$probe"
wait "$probe" 2>/dev/null || true

names=$("$bin" list --names | awk '{ print $1 }')
groups=$(awk '{ split($1, p, "."); if (!seen[p[1]]++) print p[1] }' <<<"$names")
[ -n "$groups" ] || { echo "FAIL: 'ipcbench list --names' gave no benchmark"; exit 1; }
tried=0 leaked=0 interrupted=0 cleaned=0 t0=$SECONDS
for group in $groups; do
        # The whole group with each signal; then SIGKILL, the one that can leave objects,
        # during one benchmark of the group picked at random, so the last ones are hit too.
        members=($(grep "^$group\\." <<<"$names"))
        trials=("INT $group.*" "TERM $group.*" "KILL $group.*" "KILL ${members[RANDOM % ${#members[@]}]}")
        # The one object held for a whole point, not microseconds: its queue must be left by
        # SIGKILL and removed by `ipcbench clean`.
        [ "$group" != ipc ] || ! grep -qx ipc.sysvmq <<<"$names" || trials+=("KILL ipc.sysvmq")
        for trial in "${trials[@]}"; do
                read -r signal glob <<<"$trial"
                # A run that finished before the signal is tried again, the signal within the
                # time it took (iso.* is over in a few milliseconds).
                max_ms=1200
                for _ in 1 2 3; do
                        interrupt_once "$signal" "$glob" "$max_ms"
                        case $status in 0 | 1) max_ms=$((took_ms * 3 / 4 > 1 ? took_ms * 3 / 4 : 1)) ;; *) break ;; esac
                done
        done
done
echo "interruptions tried: $tried (the run interrupted in $interrupted, finished first in" \
     "$((tried - interrupted))); left anything: $leaked; SIGKILL runs that needed" \
     "'ipcbench clean': $cleaned; $((SECONDS - t0)) s"
[ "$leaked" = 0 ] || { echo "FAIL: $leaked interruption(s) left something (seed $seed)"; exit 1; }
# The test proves something only about runs it interrupted: most of them must have been.
groups_n=$(wc -w <<<"$groups")
[ "$interrupted" -ge "$((groups_n * 3))" ] ||
        { echo "FAIL: only $interrupted of $tried runs were interrupted; at least $((groups_n * 3))" \
               "($groups_n groups, 3 of their 4 or 5 trials) must be (seed $seed)"; exit 1; }
echo "ok: no interruption left anything"
