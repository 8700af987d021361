#!/usr/bin/env bash
# The integrity checks are proven by feeding them bad data: with IPCBENCH_TEST_FAULT (see
# bench/fault.h) the sending side corrupts, truncates, drops, duplicates or reorders its third
# message, or the receiver's first receipt is wrong by one, and every point of every family
# that carries messages must then FAIL (exit status 1) with a reason that names what was
# wrong. Without a fault the same points pass (exit 0). Tiny points: about 30 s in all.
#
# Where a fault does not apply to a family, it is left out, and the table below says why.
set -euo pipefail
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
common=(--quick --duration 0.02 --mode both --timeout 5 --out "$tmp/out")
failed=0

fail() {
        echo "FAIL: $*"
        failed=1
}

# expect FAULT WHICH PATTERN RUN-ARGUMENTS...
# Runs the points of RUN-ARGUMENTS under FAULT. WHICH (all, stream or rtt) says which of them
# the fault must fail, each with a reason matching the extended regex PATTERN; the others must
# not fail. The run exits 1 when some point failed, else 0. A point skipped here (a limit of
# this machine) is said, not failed.
expect() {
        local fault=$1 which=$2 pattern=$3 status=0 label targeted want=0 line
        shift 3
        rm -rf "$tmp/out"
        "$bin" run "$@" "${common[@]}" --dry-run 2>/dev/null | sed '$d' >"$tmp/points"
        IPCBENCH_TEST_FAULT=$fault "$bin" run "$@" "${common[@]}" >"$tmp/stdout" 2>"$tmp/stderr" || status=$?
        while IFS= read -r label; do
                case $which:$label in
                all:* | stream:*" stream") targeted=1 ;;
                rtt:*" stream") targeted=0 ;;
                rtt:*) targeted=1 ;;
                *) targeted=0 ;;
                esac
                if grep -qF "ipcbench: skipped $label: " "$tmp/stderr"; then
                        echo "note: $fault: skipped $label"
                        continue
                fi
                line=$(grep -F "ipcbench: FAILED $label: " "$tmp/stderr" || true)
                if [ "$targeted" = 1 ]; then
                        want=1
                        [ -n "$line" ] || { fail "$fault: $label did not fail"; continue; }
                        grep -qE "$pattern" <<<"$line" ||
                                fail "$fault: $label failed, but not naming the fault (/$pattern/): $line"
                elif [ -n "$line" ]; then
                        fail "${fault:-no fault}: $label failed: $line"
                fi
        done <"$tmp/points"
        [ "$status" = "$want" ] || { fail "${fault:-no fault} ($*): exit status $status, expected $want"; cat "$tmp/stderr"; }
        echo "ok: ${fault:-no fault} ($which): $(wc -l <"$tmp/points") points: $*"
}

# The families built on the message layer (bench/msg.c), each a sequence number at the head,
# middle and tail of every message and a receipt (bytes, sum of sequence numbers) per batch
# of a stream. ipc.shm.spin spins: it runs across two CPUs only.
pipe_like=(ipc.pipe ipc.fifo ipc.file)
sockets=(ipc.unix.stream ipc.unix.seqpacket ipc.unix.dgram ipc.tcp ipc.udp)
queues=(ipc.mq ipc.sysvmq)
rings=('ipc.shm.*')
zero_copy=(ipc.vmsplice ipc.cma ipc.memfd)
same=(--placement same-cpu --sizes 64)
cross=(--placement cross-cpu --sizes 64)
two_cpus=$( [ "$(nproc)" -ge 2 ] && echo 1 || echo 0 )
spin() {        # expect ... for ipc.shm.spin, where the machine has two CPUs
        [ "$two_cpus" = 1 ] || { echo "note: one CPU: ipc.shm.spin not tried"; return 0; }
        expect "$@" ipc.shm.spin "${cross[@]}"
}
signals=(--placement same-cpu --sizes 4)   # a signal's payload: one int

# No fault: every point passes.
expect "" none "" "${pipe_like[@]}" "${sockets[@]}" "${queues[@]}" "${rings[@]}" "${zero_copy[@]}" "${same[@]}"
expect "" none "" 'ipc.signal.*' "${signals[@]}"
expect "" none "" ctx.pipe ctx.futex --params 0 --placement same-cpu

# corrupt: a byte in the middle of message 3 changed. Every family.
torn='message 3 arrived torn: sequence 3 at its head, [0-9]+ in its middle, 3 at its tail'
expect corrupt:3 all "$torn" "${pipe_like[@]}" "${sockets[@]}" "${queues[@]}" "${rings[@]}" "${zero_copy[@]}" "${same[@]}"
spin corrupt:3 all "$torn"
# An RT signal's payload (the sequence number) with a high bit flipped.
expect corrupt:3 all 'sequence 3 expected, RT signal with payload 1073741827 received' ipc.signal.rt "${signals[@]}"
# ctx.*: the token of the third round trip (5) changed; the peer says so, or (ctx.futex, whose
# answer word then looks stale to main) main, whichever looks first.
expect corrupt:3 all 'token 1048581 (arrived, expected 5|arrived after 3|came back as [0-9]+, expected 1048582)' \
        ctx.pipe ctx.futex --params 0 --placement same-cpu

# truncate: message 3 one byte short. A byte stream's receiver completes it with the next
# message's first byte (torn); a message socket or queue delivers a short message.
# Not applicable where no length travels with a message: a shared-memory ring slot, a memfd
# region and ipc.cma's buffer are copied whole by the receiver, and ipc.file reads a record of
# fixed size at its place; a short copy there leaves the old last byte, which for a small
# sequence number is the 0 it already was: what `corrupt` covers, not a length. Signals: an
# int cannot be cut.
short='message 3 arrived torn|a (message|datagram) of 63 bytes'
expect truncate:3 all "$short" ipc.pipe ipc.fifo "${sockets[@]}" "${queues[@]}" ipc.vmsplice "${same[@]}"

# drop: message 3 never sent (nor its answer awaited). The next one arrives in its place.
# (ipc.memfd's notification carries the number, and is checked before the region.)
lost='sequence 3 expected, [0-9]+ received|announced message 4, expected 3'
expect drop:3 all "$lost" ipc.pipe ipc.fifo ipc.unix.stream ipc.unix.seqpacket ipc.unix.dgram ipc.tcp \
        "${queues[@]}" "${rings[@]}" "${zero_copy[@]}" "${same[@]}"
spin drop:3 all "$lost"
expect drop:3 all 'sequence 3 expected, RT signal with payload 4 received' ipc.signal.rt "${signals[@]}"
# UDP is lossy by design: a datagram lost in a stream is counted in its "loss", not a failure
# (and message 3 goes in the untimed calibration, whose losses the timed window's loss does not
# count); a round trip cannot complete without its datagram, and fails.
expect drop:3 rtt "$lost" ipc.udp "${same[@]}"
csv=$tmp/out/latest/results.csv
loss=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
                $col["benchmark"] == "ipc.udp" && $col["metric"] == "loss" { n++; if ($col["max"] + 0 > 0) lost++ }
                END { print n + 0, lost + 0 }' "$csv")
[ "${loss%% *}" = 2 ] || fail "drop:3: ipc.udp's two streams must pass, each with its loss (rows, lossy: $loss)"
# ipc.file: the reader waits for record 3 at its place, which never comes: only the watchdog
# (--timeout) ends the point. That is the failure a lost record makes there.
common=(--quick --duration 0.02 --mode thread --timeout 1 --out "$tmp/out")
expect drop:3 all 'exceeded its time limit' ipc.file "${same[@]}"
common=(--quick --duration 0.02 --mode both --timeout 5 --out "$tmp/out")

# duplicate: message 3 sent twice. Not applicable to ipc.file (record 3 is written twice at
# its place and read once: the transport itself absorbs it) and ipc.cma (a repeated "ready"
# word makes the receiver read the sender's buffer early, which may or may not yet hold the
# next message: a race, not a check).
twice='sequence 4 expected, 3 received|announced message 3, expected 4|datagram 3 arrived after 3'
expect duplicate:3 all "$twice" ipc.pipe ipc.fifo "${sockets[@]}" "${queues[@]}" "${rings[@]}" \
        ipc.vmsplice ipc.memfd "${same[@]}"
spin duplicate:3 all "$twice"
expect duplicate:3 all 'sequence 4 expected, RT signal with payload 3 received' ipc.signal.rt "${signals[@]}"

# reorder: message 4 sent before message 3. Not applicable to ipc.file and ipc.cma's stream,
# whose receivers read each message at its place in a ring (the transport puts them back in
# order), nor to ipc.cma's round trip (one buffer: the receiver sees whichever was written
# last). ipc.vmsplice's round trip hands the pipe the same page twice, rewritten in between:
# the receiver sees 3 twice.
swapped='sequence (3 expected, 4|4 expected, 3) received|announced message 4, expected 3|datagram 3 arrived after 4'
expect reorder:3 all "$swapped" ipc.pipe ipc.fifo "${sockets[@]}" "${queues[@]}" "${rings[@]}" \
        ipc.vmsplice ipc.memfd "${same[@]}"
spin reorder:3 all "$swapped"
expect reorder:3 all 'sequence 3 expected, RT signal with payload 4 received' ipc.signal.rt "${signals[@]}"

# receipt: the receiver's first receipt one byte short, for every stream. UDP's and the
# coalescing signals' receipts count what arrived, where fewer is a loss they allow: theirs
# claims one more than was sent.
receipt='the receipt says (63 bytes|2 datagrams arrived, 1 were sent)'
expect receipt:1 stream "$receipt" "${pipe_like[@]}" "${sockets[@]}" "${queues[@]}" "${rings[@]}" \
        "${zero_copy[@]}" "${same[@]}"
spin receipt:1 stream "$receipt"
expect receipt:1 stream 'the receipt says (0 RT signals up to payload 1; 1 were sent|2 signals arrived, 1 were sent)' \
        ipc.signal.rt ipc.signal.coalesce "${signals[@]}"

[ "$failed" = 0 ] || exit 1
echo "ok: every fault failed its points, naming it"
