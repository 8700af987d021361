#!/usr/bin/env bash
# The objects a run creates, watched with strace while it runs: the benchmarks that make named
# objects (ipc.fifo, ipc.file, ipc.mq, ipc.sysvmq, ipc.shm.futex, ipc.memfd), as threads and as
# processes, and the result files. Another local user must not be able to guess a name and take
# it first, nor slip in a symlink:
#   - every file, FIFO and POSIX shm or mq object is created with O_EXCL (or mknod, which never
#     opens an existing one) and mode 0600; every directory outside the results tree is 0700
#   - every POSIX shm and mq name has a random part of 16 hex digits besides the pid
#   - a System V queue is made with IPC_EXCL or IPC_PRIVATE, mode 0600
#   - nothing in /tmp or /dev/shm is opened by path unless with O_NOFOLLOW or inside a
#     directory this run made 0700 (mkdtemp)
# Each kind must be seen at least once, or its benchmark must have said why it skipped.
# Usage: names.sh IPCBENCH. Exit 0 pass, 1 fail, 77 skip (no strace, or tracing not allowed).
set -uo pipefail
bin=${1:?usage: names.sh IPCBENCH}
command -v strace >/dev/null || { echo "skip: strace is not installed (apt-get install strace)"; exit 77; }
strace -f -qq -o /dev/null true 2>/dev/null || { echo "skip: strace cannot trace here (ptrace not allowed)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

calls=openat,open,creat,mkdir,mkdirat,mknod,mknodat,mq_open,msgget,memfd_create,symlink,symlinkat
# Only the calls above stop the run (seccomp-bpf), where strace has it: the run stays quick.
filter=--seccomp-bpf
strace -f "$filter" -o /dev/null true 2>/dev/null || filter=
benches=(ipc.fifo ipc.file ipc.mq ipc.sysvmq ipc.shm.futex ipc.memfd)
# -ff: one file per process, so no call is split across lines by another's. LeakSanitizer
# cannot work under ptrace: off for this run (leaks are the other tests' business).
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -ff $filter -qq -s 512 -e trace="$calls" -o "$tmp/trace" \
        "$bin" run --quick --mode both --placement same-cpu --sizes 64 --iterations 200 --no-stream \
        --out "$tmp/results" "${benches[@]}" >"$tmp/run.out" 2>&1
rc=$?
if [ "$rc" -ne 0 ]; then
        echo "FAIL: the traced run: exit $rc"
        sed 's/^/      /' "$tmp/run.out"
        exit 1
fi
cat "$tmp"/trace.* >"$tmp/calls"

# One verdict line per call that breaks a rule, then "seen KIND N" for each kind met.
awk -v results="$tmp/results" '
# 16 hex digits, spelt out: mawk, the awk of Debian, has no {16}.
BEGIN { for (i = 0; i < 16; i++) hex16 = hex16 "[0-9a-f]" }
function path_of(line) { return match(line, /"[^"]*"/) ? substr(line, RSTART + 1, RLENGTH - 2) : "" }
function bad(why) { print "BAD " why ": " $0; }
function seen(kind) { count[kind]++ }
/ = -1 / { next }               # failed calls create nothing
{ p = path_of($0) }
# First pass: the directories this run made 0700 (mkdtemp), whichever process made them.
NR == FNR { if (/^mkdir(at)?\(/ && /, 0700\)/) private[p] = 1; next }
/^(openat|open|creat)\(/ {
        in_results = index(p, results) == 1
        if ($0 ~ /O_CREAT/ || /^creat\(/) {
                if ($0 !~ /O_EXCL/) bad("created without O_EXCL")
                if ($0 !~ /, 0600\)/) bad("created with a mode other than 0600")
                if (p ~ /^\/dev\/shm\/ipcbench-shm-/) {
                        seen("shm")
                        if (p !~ ("^/dev/shm/ipcbench-shm-[0-9]+-" hex16 "$")) bad("shm name without a random part")
                } else if (in_results) {
                        seen("result file")
                } else if (p ~ /\/ipcbench-file-[^\/]*\/to-(peer|main)$/) {
                        seen("file")
                }
        }
        # Opened by path where others may write: a directory of ours, or no symlink followed.
        if (p ~ /^\/(tmp|dev\/shm)\// && !in_results && $0 !~ /O_NOFOLLOW/) {
                dir = p; sub(/\/[^\/]*$/, "", dir)
                if (!(dir in private)) bad("opened in a shared directory without O_NOFOLLOW")
        }
        next
}
/^mkdir(at)?\(/ {
        if (index(p, results) == 1) next        # the results tree is meant to be readable
        if ($0 !~ /, 0700\)/) bad("a directory not 0700")
        if (p ~ /ipcbench-fifo-/) seen("FIFO dir")
        if (p ~ /ipcbench-file-/) seen("file dir")
        next
}
/^mknod(at)?\(/ {
        if ($0 !~ /S_IFIFO\|0600/) bad("a FIFO not 0600")
        dir = p; sub(/\/[^\/]*$/, "", dir)
        if (!(dir in private)) bad("a FIFO outside a directory of ours")
        seen("FIFO")
        next
}
/^mq_open\(/ {
        if ($0 !~ /O_CREAT/) next
        seen("mq")
        if ($0 !~ /O_EXCL/) bad("a queue created without O_EXCL")
        if ($0 !~ /, 0600,/) bad("a queue not 0600")
        if (p !~ ("^ipcbench-[0-9]+-" hex16 "-to-(peer|main)$")) bad("an mq name without a random part")
        next
}
/^msgget\(/ {
        if ($0 !~ /IPC_CREAT/) next
        seen("System V queue")
        if ($0 !~ /IPC_EXCL/ && $0 !~ /IPC_PRIVATE/) bad("a System V queue by key without IPC_EXCL")
        if ($0 !~ /\|0600\)/) bad("a System V queue not 0600")
        next
}
/^memfd_create\(/ { seen("memfd"); next }
/^symlink(at)?\(/ {
        if (index($0, results) == 0) bad("a symlink outside the results")
        next
}
END { for (k in count) print "seen " k " " count[k] }
' "$tmp/calls" "$tmp/calls" >"$tmp/verdict"

if grep -q '^BAD' "$tmp/verdict"; then
        echo "FAIL: objects created against the rules:"
        grep '^BAD' "$tmp/verdict" | sort | uniq -c | sed 's/^/      /'
        failures=$((failures + 1))
else
        echo "ok: $(grep -c . "$tmp/calls") traced calls: every object O_EXCL and 0600, directories 0700," \
             "random names, nothing opened through a symlink in /tmp or /dev/shm"
fi

# Each kind met, or its benchmark skipped with a reason.
check_seen() {
        local kind=$1 bench=$2 n
        n=$(awk -v k="$kind" '$0 == "seen " k " " $NF { print $NF }' "$tmp/verdict")
        if [ -n "$n" ]; then
                echo "ok: $bench: $kind created $n time(s) as above"
        elif grep -q "$bench.*skip" "$tmp/run.out"; then
                echo "note: $bench skipped here: $(grep -m 1 "$bench.*skip" "$tmp/run.out")"
        else
                echo "FAIL: $bench ran but no $kind creation was traced: the test no longer sees it"
                failures=$((failures + 1))
        fi
}
check_seen "FIFO dir" ipc.fifo
check_seen FIFO ipc.fifo
check_seen "file dir" ipc.file
check_seen file ipc.file
check_seen mq ipc.mq
check_seen "System V queue" ipc.sysvmq
check_seen shm ipc.shm.futex
check_seen memfd ipc.memfd
check_seen "result file" "the results"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
exit 0
