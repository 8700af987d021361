#!/usr/bin/env bash
# Nothing left behind: after a run of every IPC and limit benchmark in both modes, and after a run whose
# points are all killed by the watchdog, no POSIX shm or mq
# object, no System V queue, semaphore set or segment, no FIFO directory, no socket file and
# no process of ours may remain. POSIX queues are only visible where an mqueue filesystem is
# mounted: as root the test mounts one in a private mount namespace (the queues themselves
# are the machine's), else it says it cannot look there.
set -euo pipefail
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

snapshot() {
        {
                echo "shm: $(ls /dev/shm 2>/dev/null | sort | tr '\n' ' ')"
                if [ -d /dev/mqueue ] && mountpoint -q /dev/mqueue 2>/dev/null; then
                        echo "mq: $(ls /dev/mqueue | sort | tr '\n' ' ')"
                fi
                command -v ipcs >/dev/null && echo "sysv: $(ipcs -q -s -m 2>/dev/null | awk '$1 ~ /^0x/ {print $2}' | sort | tr '\n' ' ')"
                echo "tmp: $(ls -d /tmp/ipcbench-* 2>/dev/null | sort | tr '\n' ' ')"
                echo "sockets: $(find /tmp -maxdepth 2 -type s -name '*ipcbench*' 2>/dev/null | sort | tr '\n' ' ')"
        }
}

check() {
        snapshot >"$tmp/before"
        "$bin" run 'limit.*' 'ipc.*' --quick --iterations 20 --out "$tmp/results" >"$tmp/out" 2>"$tmp/err" || {
                echo "FAIL: the run failed"; cat "$tmp/err"; exit 1; }
        # Points killed by the watchdog mid-run: their teardown never runs.
        if "$bin" run 'limit.*' 'ipc.*' --placement same-cpu --mode process --sizes 64 --duration 3 \
                --timeout 0.3 --out "$tmp/results" >"$tmp/out" 2>"$tmp/err"; then
                echo "FAIL: a run whose points all exceed their time limit exited 0"; exit 1
        fi
        grep -q "exceeded its time limit" "$tmp/err" || {
                echo "FAIL: expected points killed by the watchdog:"; cat "$tmp/err"; exit 1; }
        snapshot >"$tmp/after"
        if ! diff -u "$tmp/before" "$tmp/after"; then
                echo "FAIL: the runs left the objects above behind"; exit 1
        fi
        # Only this binary's points (they name the helper beside it): another ipcbench run on
        # the machine is not ours to judge.
        local mine
        mine="__point .* $(cd "$(dirname "$bin")" && pwd)/ipcbench-true "
        if pgrep -f "$mine" >/dev/null; then
                echo "FAIL: point processes still running:"; pgrep -af "$mine"; exit 1
        fi
}

if [ "${1:-}" != "" ] && [ "${IPCBENCH_LEFTOVERS_INNER:-}" = 1 ]; then
        check
        echo "ok: nothing left behind (POSIX queues included)"
        exit 0
fi
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null &&
   unshare -m true 2>/dev/null; then
        # Mount an mqueue filesystem where only this test sees the mount.
        exec unshare -m bash -c 'mount -t mqueue none /dev/mqueue 2>/dev/null ||
                { mkdir -p /dev/mqueue && mount -t mqueue none /dev/mqueue; } &&
                IPCBENCH_LEFTOVERS_INNER=1 exec bash "$0" "$1"' "$0" "$bin"
fi
check
echo "ok: nothing left behind (POSIX queues not visible here: no mqueue mount, not root)"
