#!/usr/bin/env bash
# Nothing a run starts outlives it, even when it is interrupted while a create.* point has a
# helper (ipcbench-true) running: the point's process group is killed, its helper becomes an
# orphan, and without a subreaper it would sit as a zombie under PID 1 after ipcbench returned
# (for as long as PID 1 takes to reap it). The run is interrupted while its points spawn, and
# at the very moment ipcbench returns no process of its session may remain, zombies included.
#
#   reap.sh IPCBENCH [TRIALS]
set -euo pipefail
bin=$1 trials=${2:-12}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
command -v setsid >/dev/null || { echo "skip: setsid (util-linux) is not installed"; exit 77; }

# Every process of a session, zombies included ("Z" state).
session() {
        ps -e -o pid=,sid=,stat=,args= | awk -v s="$1" '$2 == s'
}

failed=0 interrupted=0
for trial in $(seq "$trials"); do
        # A background job of a non-interactive shell ignores SIGINT: put it back.
        env --default-signal=INT setsid "$bin" run 'create.fork_exec' 'create.posix_spawn' 'create.vfork' \
                --quick --duration 2 --timeout 10 --out "$tmp/out" >/dev/null 2>"$tmp/err" </dev/null &
        pid=$!
        # Into the timed loop of a point (startup and calibration take some 100 ms), at a
        # moment that differs from trial to trial.
        sleep "0.$((3 + trial % 6))"
        kill -INT "$pid"
        status=0
        wait "$pid" || status=$?
        left=$(session "$pid")
        [ "$status" = 130 ] && interrupted=$((interrupted + 1))
        if [ -n "$left" ]; then
                echo "FAIL: trial $trial: when ipcbench returned (exit $status), its session still held:"
                echo "$left"
                failed=1
                # Give PID 1 time, so the next trial starts from an empty session.
                for _ in $(seq 50); do [ -z "$(session "$pid")" ] && break; sleep 0.1; done
        fi
done
# The test means something only if the runs were interrupted while their points ran.
[ "$interrupted" -ge $((trials * 3 / 4)) ] ||
        { echo "FAIL: only $interrupted of $trials runs were interrupted (exit 130)"; failed=1; }
[ "$failed" = 0 ] || exit 1
echo "ok: $interrupted of $trials runs interrupted mid-point; nothing of theirs outlived ipcbench"
