#!/usr/bin/env bash
# Resource exhaustion is a clear message, not a crash. Under a tiny limit on open files
# (RLIMIT_NOFILE), on processes (RLIMIT_NPROC, which binds only a user other than root: the
# run is made as nobody), on POSIX queues (fs.mqueue.queues_max and msgsize_max, set in a
# private IPC namespace, and RLIMIT_MSGQUEUE), every benchmark the limit stops fails or skips
# with a message that names the limit and how to raise it; none crashes (exit status >= 128, a
# point killed by SIGSEGV/SIGABRT/SIGBUS, a sanitizer report). A part that cannot be set up
# here is skipped, saying why; the open-file part always runs.
set -euo pipefail
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 711 "$tmp"        # nobody must reach its results directory below
failed=0 checked=0
quick=(--quick --timeout 30 --placement same-cpu)

fail() {
        echo "FAIL: $*"
        failed=1
}

# run NAME COMMAND...: the command's status in $status, its stderr in $tmp/NAME.err.
run() {
        local name=$1
        shift
        status=0
        "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null || status=$?
        checked=$((checked + 1))
        if [ "$status" -ge 128 ]; then
                fail "$name: exit status $status: a crash, not a message:"; cat "$tmp/$name.err"
        fi
        if grep -E "AddressSanitizer|LeakSanitizer|ThreadSanitizer|runtime error:|killed by signal (4|6|7|8|11) " \
                "$tmp/$name.err"; then
                fail "$name: the lines above are a crash, not a message"
        fi
}

# expect NAME SYMPTOM NAMING: every FAILED or skipped line that shows SYMPTOM (a regex) must
# also contain NAMING (the limit, as text), and there must be at least one.
expect() {
        local name=$1 symptom=$2 naming=$3 lines bad
        lines=$(grep -E "^ipcbench( serve)?: (FAILED|skipped|fork|pthread_create)" "$tmp/$name.err" |
                grep -E -- "$symptom" || true)
        if [ -z "$lines" ]; then
                fail "$name: expected a benchmark stopped by the limit ($symptom), found none:"
                cat "$tmp/$name.err"; return
        fi
        bad=$(grep -vF -- "$naming" <<<"$lines" || true)
        if [ -n "$bad" ]; then
                fail "$name: these do not name the limit ('$naming'):"; echo "$bad"
        else
                echo "ok: $name: $(wc -l <<<"$lines") point(s) stopped, each naming '$naming'"
        fi
}

# ---- open files ---------------------------------------------------------------------------
# 20: enough for a pipe round trip; not for 64 connections to the ack server (a skip, said
# before the load starts). 8: not even for the start barrier's pipe.
run nofile-20 prlimit --nofile=20:20 -- "$bin" run server.epoll ipc.pipe --params 1,64 --sizes 64 \
        "${quick[@]}" --out "$tmp/r"
expect nofile-20 "open files" "(ulimit -n)"
[ "$status" = 0 ] || fail "nofile-20: a skip is not a failure, but the exit status is $status"
run nofile-8 prlimit --nofile=8:8 -- "$bin" run ipc.pipe ipc.fifo ctx.pipe --mode both --sizes 64 \
        "${quick[@]}" --out "$tmp/r"
expect nofile-8 "Too many open files|open files" "open files (ulimit -n)"
[ "$status" = 1 ] || fail "nofile-8: failed benchmarks must give exit status 1, got $status"

# ---- processes ----------------------------------------------------------------------------
# RLIMIT_NPROC counts the tasks of a user and does not bind root: run as nobody, allowed two
# (the run and its point's process), so that every thread or process a benchmark starts fails.
if [ "$(id -u)" != 0 ]; then
        echo "skip: processes (ulimit -u): needs root, to run as another user the limit binds"
elif ! command -v setpriv >/dev/null || ! id nobody >/dev/null 2>&1; then
        echo "skip: processes (ulimit -u): needs setpriv (util-linux) and the user nobody"
elif ! setpriv --reuid=nobody --regid=nogroup --clear-groups "$bin" --version >/dev/null 2>&1; then
        echo "skip: processes (ulimit -u): nobody cannot run $bin (a directory on the way is closed to others)"
else
        mkdir -m 777 "$tmp/nobody"
        run nproc-2 setpriv --reuid=nobody --regid=nogroup --clear-groups \
                prlimit --nproc=2 -- "$bin" run create.fork create.pthread ipc.pipe iso.crash \
                server.process --params 1 --mode both --sizes 64 "${quick[@]}" --out "$tmp/nobody/r"
        expect nproc-2 "Resource temporarily unavailable|EAGAIN|ulimit -u" "(ulimit -u)"
        [ "$status" = 1 ] || fail "nproc-2: failed benchmarks must give exit status 1, got $status"
fi

# ---- POSIX message queues -----------------------------------------------------------------
# The bytes a user may keep in queues: a limit of this process, settable anywhere.
run mq-bytes prlimit --msgqueue=1000 -- "$bin" run ipc.mq --mode process --sizes 4096 "${quick[@]}" \
        --out "$tmp/r"
expect mq-bytes "mq_open" "(ulimit -q"
# The queue limits are sysctls of an IPC namespace: set in a private one, the machine's stay.
# Root may exceed them (CAP_SYS_RESOURCE): the run is made without that capability.
if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null || ! unshare --ipc true 2>/dev/null ||
   ! command -v setpriv >/dev/null; then
        echo "skip: fs.mqueue sysctls: needs root, unshare and setpriv, to set them in a private IPC namespace"
else
        nocap=(setpriv --bounding-set=-sys_resource)
        run mq-queues unshare --ipc bash -c 'echo 0 >/proc/sys/fs/mqueue/queues_max && exec "$@"' - \
                "${nocap[@]}" "$bin" run ipc.mq --mode process --sizes 64 "${quick[@]}" --out "$tmp/r"
        expect mq-queues "mq_open|queue" "fs.mqueue.queues_max"
        run mq-size unshare --ipc bash -c 'echo 128 >/proc/sys/fs/mqueue/msgsize_max && exec "$@"' - \
                "${nocap[@]}" "$bin" run ipc.mq --mode process --sizes 4096 "${quick[@]}" --out "$tmp/r"
        expect mq-size "message queue" "fs.mqueue.msgsize_max"
        # A queue one message deep is still a queue: the benchmark runs.
        run mq-depth unshare --ipc bash -c 'echo 1 >/proc/sys/fs/mqueue/msg_max && exec "$@"' - \
                "${nocap[@]}" "$bin" run ipc.mq --mode process --sizes 64 "${quick[@]}" --out "$tmp/r"
        [ "$status" = 0 ] || { fail "mq-depth: with fs.mqueue.msg_max=1 ipc.mq must still run:"
                               cat "$tmp/mq-depth.err"; }
        [ "$status" != 0 ] || echo "ok: mq-depth: ipc.mq runs with queues one message deep"
fi

[ "$failed" = 0 ] || { echo "FAIL: see above ($checked limited runs)"; exit 1; }
echo "ok: $checked limited runs, each limit named, no crash"
