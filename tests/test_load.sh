#!/usr/bin/env bash
# tests/test_load.sh IPCBENCH: `ipcbench load` against a small python3 ack server of its own
# (one thread, selectors: 1000 connections need no 1000 threads), which can also misbehave on
# purpose (wrong counts, a line that is no ack, closing mid-request, slow or no acks), and, when
# `ipcbench serve` exists, against the real server too. Ports are bound to 0 and read back, so
# runs in parallel do not collide. Exit 0 pass, 1 fail, 77 skip.
set -uo pipefail
bin=${1:?usage: test_load.sh path/to/ipcbench}
command -v python3 >/dev/null || { echo "skip: python3 is not installed"; exit 77; }
tmp=$(mktemp -d)
pids=()
cleanup() {
        local pid
        for pid in "${pids[@]}"; do
                kill "$pid" 2>/dev/null
                wait "$pid" 2>/dev/null
        done
        rm -rf "$tmp"
}
trap cleanup EXIT
failures=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

cat >"$tmp/ack_server.py" <<'EOF'
# A lecture ack server, or a faulty one: python3 ack_server.py MODE; prints its port.
import selectors, socket, sys, time

mode = sys.argv[1]
sel = selectors.DefaultSelector()
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(4096)
sel.register(listener, selectors.EVENT_READ)
print(listener.getsockname()[1], flush=True)
received = {}

def ack(n):
        return b"Your %d bytes were received, thank you for sending them!\n" % n

while True:
        for key, _ in sel.select():
                s = key.fileobj
                if s is listener:
                        c, _ = listener.accept()
                        c.setblocking(True)     # recv only when readable; acks are small
                        # Without it Nagle holds back the last ack of a 1 MiB request until the
                        # client's delayed ack: 40 ms per request, correct but slow.
                        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                        sel.register(c, selectors.EVENT_READ)
                        received[c] = 0
                        continue
                try:
                        data = s.recv(65536)
                except OSError:
                        data = b""
                if not data:
                        sel.unregister(s)
                        s.close()
                        continue
                received[s] += len(data)
                if mode == "close" and received[s] > 100:
                        sel.unregister(s)       # mid-request: this chunk is never acked
                        s.close()
                        continue
                if mode == "mute":
                        continue
                if mode == "sleep":
                        time.sleep(0.05)
                reply = {"plus1": ack(len(data) + 1), "junk": b"HELLO THERE\n"}.get(mode, ack(len(data)))
                try:
                        s.sendall(reply)
                except OSError:
                        sel.unregister(s)
                        s.close()
EOF

# start_fake MODE: start the python server; its port in $port.
start_fake() {
        local out=$tmp/port.$1
        python3 "$tmp/ack_server.py" "$1" >"$out" &
        pids+=($!)
        for _ in $(seq 100); do
                port=$(head -n 1 "$out")
                [ -n "$port" ] && return 0
                sleep 0.05
        done
        echo "FAIL: the python ack server ($1) did not start"
        exit 1
}

# start_real: `ipcbench serve --port 0 --model epoll`; its port in $port, or 1 if it did not start.
start_real() {
        : >"$tmp/serve.out"       # not by the job's redirection, which may come after the loop reads
        "$bin" serve --port 0 --model epoll >"$tmp/serve.out" 2>&1 &
        pids+=($!)
        for _ in $(seq 100); do
                port=$(sed -n 's/.*listening on [^ ]*:\([0-9][0-9]*\).*/\1/p' "$tmp/serve.out" | head -n 1)
                [ -n "$port" ] && return 0
                sleep 0.05
        done
        echo "FAIL: ipcbench serve did not say where it listens: $(head -n 3 "$tmp/serve.out")"
        failures=$((failures + 1))
        return 1
}

# load ARGS...: run the client; exit status in $rc, output in $tmp/out and $tmp/err.
load() {
        "$bin" load "$@" >"$tmp/out" 2>"$tmp/err"
        rc=$?
}

# field CSV METRIC COLUMN: a column (by header name) of the row of METRIC.
field() {
        awk -F, -v metric="$2" -v column="$3" '
                NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
                $col["metric"] == metric { print $col[column] }' "$1"
}

ms() { awk -v ns="$1" 'BEGIN { print int(ns / 1e6) }'; }

requests_reported() { awk '$1 == "requests" { print $2 }' "$tmp/out"; }

# closed_loop LABEL PORT CONNECTIONS: 2000 requests, counted and rated.
closed_loop() {
        load --port "$2" --connections "$3" --requests 2000 --warmup 0.1 --out "$tmp/c.csv"
        local n rate
        n=$(requests_reported)
        rate=$(field "$tmp/c.csv" rate p50 2>/dev/null)
        if [ "$rc" -eq 0 ] && [ "$n" = 2000 ] && awk -v r="${rate:-0}" 'BEGIN { exit !(r > 0) }'; then
                ok "$1: closed loop, $3 connection(s): 2000 requests, $(printf '%.0f' "$rate") requests/s"
        else
                fail "$1: closed loop, $3 connection(s): exit $rc, requests '$n', rate '$rate':" \
                     "$(cat "$tmp/err")"
        fi
}

# expect_failure LABEL TEXT ARGS...: exit 1 and one stderr line containing TEXT.
expect_failure() {
        local label=$1 want=$2
        shift 2
        load "$@"
        if [ "$rc" -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -qF -- "$want" "$tmp/err"; then
                ok "$label: exit 1: $(cat "$tmp/err")"
        else
                fail "$label: want exit 1 and one line with '$want'; got exit $rc: $(cat "$tmp/err")"
        fi
}

# expect_usage TEXT ARGS...: exit 2, one stderr line containing TEXT, nothing on stdout.
expect_usage() {
        local want=$1
        shift
        load "$@"
        if [ "$rc" -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -qF -- "$want" "$tmp/err" &&
           [ ! -s "$tmp/out" ]; then
                ok "load $*: exit 2: $(cat "$tmp/err")"
        else
                fail "load $*: want exit 2 and one line with '$want'; got exit $rc: $(cat "$tmp/err")"
        fi
}

# --- usage ---
load --help
[ "$rc" -eq 0 ] && grep -q -- "--rate" "$tmp/out" && ok "--help: usage, exit 0" || fail "--help: exit $rc"
expect_usage "'0'" --connections 0
expect_usage "'x'" --size x
expect_usage "'70000'" --port 70000
expect_usage "--rate" --rate fast
expect_usage "not both" --duration 1 --requests 10
expect_usage "'--bogus'" --bogus
(ulimit -n 64 && "$bin" load --connections 1000 >"$tmp/out" 2>"$tmp/err")
rc=$?
if [ "$rc" -eq 2 ] && grep -q "ulimit -n" "$tmp/err" && grep -q "64" "$tmp/err"; then
        ok "1000 connections under 'ulimit -n 64': exit 2: $(cat "$tmp/err")"
else
        fail "1000 connections under 'ulimit -n 64': want exit 2 naming the limit; got $rc: $(cat "$tmp/err")"
fi

# --- a refused connection: a port that was free a moment ago ---
free_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
expect_failure "refused" "127.0.0.1:$free_port" --port "$free_port" --requests 1

# --- the python server ---
start_fake ok
fake=$port
closed_loop python "$fake" 1
closed_loop python "$fake" 64

header=run_id,benchmark,group,mechanism,variant,mode,placement,size_bytes,param,param_value
header+=,metric,unit,n,min,p50,p90,p99,p999,max,mean,stddev,repetitions,ci_low,ci_high,batch,cpu_idle
header+=,vcpu_distance,probe_ns
if [ "$(head -n 1 "$tmp/c.csv")" = "$header" ] &&
   [ "$(cut -d, -f11,12 "$tmp/c.csv" | tail -n +2 | tr '\n' ' ')" = "rtt,ns throughput,MB/s rate,msg/s " ] &&
   [ "$(cut -d, -f2-10 "$tmp/c.csv" | sort -u | grep -vc '^benchmark')" = 1 ] &&
   grep -q "^[0-9-]*,load,server,tcp,closed,n/a,any,64,connections,64,rtt,ns,2000," "$tmp/c.csv"; then
        ok "--out: contract header, rows rtt (ns), throughput (MB/s), rate (msg/s)"
else
        fail "--out: the CSV is not as the contract says:"
        cat "$tmp/c.csv"
fi

load --port "$fake" --size 1M --requests 20 --warmup 0
# The python server reads at most 64 KiB at a time: every 1 MiB request comes back as 16 or more acks.
if [ "$rc" -eq 0 ] && [ "$(requests_reported)" = 20 ]; then
        ok "1 MiB requests, acked in chunks of at most 64 KiB: 20 requests, summed right"
else
        fail "1 MiB requests: exit $rc, requests '$(requests_reported)': $(cat "$tmp/err")"
fi

load --port "$fake" --connections 4 --rate 2000 --duration 1 --warmup 0.2 --out "$tmp/o.csv"
n=$(requests_reported)
if [ "$rc" -eq 0 ] && [ -n "$n" ] && [ "$n" -ge 1800 ] && [ "$n" -le 2200 ] &&
   grep -q "^  schedule" "$tmp/out"; then
        ok "open loop --rate 2000 --duration 1: $n requests;" \
           "$(sed -n 's/^  schedule *//p' "$tmp/out" | cut -d'(' -f1)"
else
        fail "open loop --rate 2000 --duration 1: exit $rc, requests '$n': $(cat "$tmp/err")"
fi

load --port "$fake" --connections 1000 --requests 5000 --warmup 0
if [ "$rc" -eq 0 ] && [ "$(requests_reported)" = 5000 ]; then
        ok "1000 connections to the python server: 5000 requests"
else
        fail "1000 connections to the python server: exit $rc: $(cat "$tmp/err")"
fi

# --- faulty servers ---
start_fake plus1
expect_failure "a server acking n+1" "acked 65 bytes of a 64-byte request" --port "$port" --requests 10
start_fake junk
expect_failure "a server sending a line that is no ack" "not an ack: 'HELLO THERE'" \
        --port "$port" --requests 10
start_fake close
expect_failure "a server closing mid-request" "closed the connection" --port "$port" --requests 10 --warmup 0
start_fake mute
expect_failure "a server that never acks, --timeout 0.5" "no complete ack within 0.5 s" \
        --port "$port" --requests 1 --timeout 0.5

# Coordinated omission: the server takes 50 ms per ack, one at a time (20/s at most), while 40
# requests/s are due. Latency counted from the schedule must show the queue growing: p50 at
# least the 50 ms of service, the worst far beyond it (the last requests wait about a second).
start_fake sleep
load --port "$port" --connections 2 --rate 40 --duration 1 --warmup 0 --out "$tmp/slow.csv"
p50=$(field "$tmp/slow.csv" rtt p50)
max=$(field "$tmp/slow.csv" rtt max)
if [ "$rc" -eq 0 ] && awk -v p="${p50:-0}" -v m="${max:-0}" 'BEGIN { exit !(p >= 50e6 && m > 100e6) }'; then
        ok "open loop against a 20/s server at 40/s: p50 $(ms "$p50") ms, max $(ms "$max") ms" \
           "(the queue shows)"
else
        fail "open loop against a slow server: exit $rc, p50 '$p50' ns, max '$max' ns: $(cat "$tmp/err")"
fi

# --- the real server, if it is there ---
if "$bin" serve --help >/dev/null 2>&1; then
        if start_real; then
                closed_loop "ipcbench serve" "$port" 1
                closed_loop "ipcbench serve" "$port" 64
                load --port "$port" --size 1M --requests 20 --warmup 0
                [ "$rc" -eq 0 ] && [ "$(requests_reported)" = 20 ] &&
                        ok "ipcbench serve: 1 MiB requests" ||
                        fail "ipcbench serve: 1 MiB requests: exit $rc: $(cat "$tmp/err")"
                load --port "$port" --connections 1000 --requests 5000 --warmup 0
                [ "$rc" -eq 0 ] && [ "$(requests_reported)" = 5000 ] &&
                        ok "ipcbench serve: 1000 connections" ||
                        fail "ipcbench serve: 1000 connections: exit $rc: $(cat "$tmp/err")"
        fi
else
        echo "note: 'ipcbench serve --help' fails: tested against the python server only"
fi

[ "$failures" -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
exit 0
