#!/usr/bin/env bash
# ipc.file.fsync measures fdatasync only where there is a disk under it: on a tmpfs (the default
# /dev/shm) the point is skipped, saying why and what to give instead; with --dir on a disk it
# runs. Usage: file_fsync.sh IPCBENCH. Exit 0 pass, 1 fail, 77 skip (neither case testable here).
set -uo pipefail
bin=${1:?usage: file_fsync.sh IPCBENCH}
tmp=$(mktemp -d)
disk_dir=
trap 'rm -rf "$tmp" ${disk_dir:+"$disk_dir"}' EXIT
cd "$tmp" || exit 1
failures=0
tested=0

fail() {
        echo "FAIL: $*"
        failures=$((failures + 1))
}

# fsync_run [--dir DIR]: one short point, its stderr in err, its rows in rows.
fsync_run() {
        rm -rf out
        "$bin" run --quick --mode thread --placement same-cpu --sizes 64 --no-stream --duration 0.02 \
                --out out "$@" ipc.file.fsync >stdout 2>err
        local rc=$?
        grep -h "^[^,]*,ipc\.file\.fsync," out/latest/results.csv >rows 2>/dev/null
        return $rc
}

reason="fdatasync on a tmpfs (/dev/shm) writes nothing to a disk; give --dir on a disk to measure it"
if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
        tested=1
        if fsync_run && grep -qF "skipped ipc.file.fsync thread same-cpu 64 B: $reason" err &&
           [ ! -s rows ]; then
                echo "ok: on /dev/shm (tmpfs) the point is skipped: $reason"
        else
                fail "on /dev/shm: want exit 0, a skip saying '$reason', no row; got: $(cat err) rows: $(cat rows)"
        fi
fi

# The description says it too.
if "$bin" list ipc.file.fsync >list && grep -q "tmpfs" list && grep -q -- "--dir" list; then
        echo "ok: ipcbench list says a tmpfs is skipped and --dir measures a disk"
else
        fail "ipcbench list ipc.file.fsync does not mention the tmpfs and --dir: $(cat list)"
fi

# On a disk it measures: /var/tmp, where it is not a tmpfs or ramfs.
if disk_dir=$(mktemp -d /var/tmp/ipcbench-fsync-test.XXXXXX 2>/dev/null) &&
   ! [[ $(stat -f -c %T "$disk_dir") =~ ^(tmpfs|ramfs)$ ]]; then
        tested=1
        if fsync_run --dir "$disk_dir" && grep -q ',rtt,ns,' rows && ! grep -q "skipped" err; then
                echo "ok: with --dir on a disk ($(stat -f -c %T "$disk_dir")) the point is measured"
        else
                fail "with --dir $disk_dir: want an rtt row and no skip; got: $(cat err) rows: $(cat rows)"
        fi
else
        echo "note: /var/tmp is not on a disk here; the --dir case is not tested"
fi

[ "$tested" -eq 1 ] || { echo "skip: neither /dev/shm is a tmpfs nor /var/tmp a disk"; exit 77; }
[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
exit 0
