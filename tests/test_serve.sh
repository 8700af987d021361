#!/usr/bin/env bash
# The ack server, `ipcbench serve`, in each of its models: the lecture's exact reply, a stream
# split or merged in any way (the acks' counts add up to what was sent), any bytes, clients that
# vanish or half-close, a thousand clients at once, a client that never reads its acks, the
# connection cap, shutdown by SIGTERM under load, the command line, and a person's line client.
# Usage: test_serve.sh IPCBENCH. Exit 0 pass, 1 fail, 77 skip. Every server listens on a port of
# its own (--port 0, read back from its first line), so this runs beside other tests.
set -uo pipefail
bin=${1:?usage: test_serve.sh IPCBENCH}
command -v python3 >/dev/null || { echo "skip: python3 is needed to drive the sockets"; exit 77; }
tmp=$(mktemp -d)
server_pid=
failures=0

cleanup() {
        # SIGTERM first, so that a process-model server takes its children with it.
        if [ -n "$server_pid" ]; then
                kill -TERM "$server_pid" 2>/dev/null
                sleep 0.2
                kill -KILL "$server_pid" 2>/dev/null
        fi
        rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
        echo "FAIL: $*"
        failures=$((failures + 1))
}

# check WHAT COMMAND...: prints "ok: WHAT", or FAIL with what the command said.
check() {
        local what=$1; shift
        if "$@" >"$tmp/check.log" 2>&1; then
                echo "ok: $what"
        else
                fail "$what"
                sed 's/^/      /' "$tmp/check.log"
        fi
}

cat >"$tmp/client.py" <<'EOF'
"""Socket clients of the ack server; each command exits 0 or says what went wrong."""
import re, resource, selectors, socket, sys, threading, time

ACK = re.compile(rb"Your (\d+) bytes were received, thank you for sending them!")
HOST = "127.0.0.1"


def fail(msg):
    print(msg)
    sys.exit(1)


def connect(port, timeout=10):
    return socket.create_connection((HOST, port), timeout=timeout)


def read_acks(s, total, timeout=10):
    """Reads acks until their counts add up to total; returns the counts."""
    buf, counts, deadline = b"", [], time.monotonic() + timeout
    while sum(counts) < total:
        left = deadline - time.monotonic()
        if left <= 0:
            fail(f"acks for {sum(counts)} of {total} bytes after {timeout} s")
        s.settimeout(left)
        try:
            data = s.recv(65536)
        except socket.timeout:
            continue
        if not data:
            fail(f"the server closed after acks for {sum(counts)} of {total} bytes")
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            m = ACK.fullmatch(line)
            if not m:
                fail(f"not an ack: {line!r}")
            counts.append(int(m.group(1)))
    if sum(counts) != total or buf:
        fail(f"acks for {sum(counts)} bytes, {total} sent; left over: {buf!r}")
    return counts


def exchange(port, payload, timeout=10):
    """Sends payload (from a thread, so that acks are read while it goes) and checks the acks."""
    with connect(port) as s:
        sender = threading.Thread(target=s.sendall, args=(payload,))
        sender.start()
        counts = read_acks(s, len(payload), timeout)
        sender.join()
        return counts


def hello(port):
    want = b"Your 6 bytes were received, thank you for sending them!\n"
    with connect(port) as s:
        for _ in range(2):      # and the connection goes on after the first
            s.sendall(b"hello\n")
            got = b""
            while not got.endswith(b"\n"):
                data = s.recv(100)
                if not data:
                    break
                got += data
            if got != want:
                fail(f"reply {got!r}, want {want!r}")


def split(port):
    parts = [b"Hel", b"lo, ", b"ser", b"ver", b"!\n"]
    with connect(port) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for p in parts:
            s.sendall(p)
            time.sleep(0.03)
        counts = read_acks(s, sum(map(len, parts)))
    if len(counts) < 2:
        fail(f"acks {counts}: the parts were sent apart, expected several")


def big(port):
    counts = exchange(port, bytes(range(256)) * 4096)
    if len(counts) < 2 or max(counts) > 1 << 20:
        fail(f"{len(counts)} acks for 1 MiB, largest {max(counts)}")


def binary(port):
    exchange(port, b"\x00\x00nul\x00" + bytes(range(256)) + "héllo wörld ✓\n".encode() + b"\xff\xfe\x00")


def vanish(port):
    """Clients that go away mid-message, normally or with a reset, while another is connected."""
    with connect(port) as other:
        a = connect(port)
        a.sendall(b"half a mess")
        a.close()
        b = connect(port)
        b.sendall(b"x" * 100000)
        b.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        b.close()       # with unread acks and zero linger: a reset
        time.sleep(0.2)
        other.sendall(b"still there?\n")
        read_acks(other, 13)
    hello(port)


def half_close(port):
    """shutdown(SHUT_WR): the server acks what it got, then closes its side too."""
    with connect(port) as s:
        s.sendall(b"hello\n")
        s.shutdown(socket.SHUT_WR)
        got, deadline = b"", time.monotonic() + 5
        while time.monotonic() < deadline:
            data = s.recv(100)
            if not data:
                break
            got += data
        else:
            fail(f"the server did not close after a half-close; got {got!r}")
    if got != b"Your 6 bytes were received, thank you for sending them!\n":
        fail(f"after a half-close got {got!r}")


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def many(port, n):
    """n clients connected at once, each sends one message and gets its ack; all are held open
    until the last has its ack, so the server serves n at the same time."""
    raise_nofile()
    n, msg = int(n), b"ping\n"
    want = b"Your 5 bytes were received, thank you for sending them!\n"
    sel, socks, got, done = selectors.DefaultSelector(), [], {}, 0
    for _ in range(n):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex((HOST, port))
        sel.register(s, selectors.EVENT_WRITE)
        socks.append(s)
        got[s] = b""
    deadline = time.monotonic() + 30
    while done < n and time.monotonic() < deadline:
        for key, ev in sel.select(timeout=1):
            s = key.fileobj
            if ev & selectors.EVENT_WRITE:
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    fail(f"connect: error {err} after {done} of {n} clients")
                s.send(msg)
                sel.modify(s, selectors.EVENT_READ)
                continue
            data = s.recv(200)
            if not data:
                fail(f"the server closed a client after {done} of {n} acks; it had {got[s]!r}")
            got[s] += data
            if got[s].endswith(b"\n"):
                if got[s] != want:
                    fail(f"reply {got[s]!r}")
                sel.unregister(s)
                done += 1
    for s in socks:
        s.close()
    if done < n:
        fail(f"{done} of {n} clients had their ack within 30 s")


def slow(port):
    """Client A sends without ever reading its acks. Once A's sends stall (or 512 MiB went),
    client B must still be answered at once."""
    a = socket.socket()
    a.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)    # few acks fit at A's end
    a.connect((HOST, port))
    a.setblocking(False)
    block, sent, stalled, start = b"s" * 65536, 0, None, time.monotonic()
    while sent < 512 << 20 and time.monotonic() - start < 20:
        try:
            sent += a.send(block)
            stalled = None
        except BlockingIOError:
            stalled = stalled or time.monotonic()
            if time.monotonic() - stalled > 0.5:
                break
            sel = selectors.DefaultSelector()
            sel.register(a, selectors.EVENT_WRITE)
            sel.select(0.1)
            sel.close()
    if not stalled:
        fail(f"A sent {sent >> 20} MiB without reading an ack and never stalled: "
             "the server keeps reading from a client whose acks pile up")
    t = time.monotonic()
    with connect(port, timeout=5) as b:
        b.sendall(b"hello\n")
        read_acks(b, 6, timeout=3)
    if time.monotonic() - t > 2:
        fail(f"B waited {time.monotonic() - t:.1f} s behind A")
    a.close()
    print(f"A sent {sent >> 20} MiB, {'stalled' if stalled else 'never stalled'}; B answered")


def busy(port, cap):
    cap = int(cap)
    held = [connect(port) for _ in range(cap)]
    for s in held:                       # each is being served, so each counts
        s.sendall(b"hi\n")
        read_acks(s, 3)
    with connect(port) as s:
        got = b""
        while True:
            data = s.recv(200)
            if not data:
                break
            got += data
    want = f"server busy: at most {cap} connections\n".encode()
    if got != want:
        fail(f"connection {cap + 1} got {got!r}, want {want!r}")
    held.pop().close()
    deadline = time.monotonic() + 5     # the slot is free once the server saw the close
    while True:
        with connect(port) as s:
            s.sendall(b"hi\n")
            data = s.recv(200)
        if data.startswith(b"Your 3 bytes"):
            break
        if time.monotonic() > deadline:
            fail(f"after a close, a new client still gets {data!r}")
        time.sleep(0.05)
    for s in held:
        s.close()


def load(port, n, ready_file):
    """n clients sending and reading as fast as they can, until the server goes away."""
    raise_nofile()
    socks = [connect(port) for _ in range(int(n))]
    with open(ready_file, "w") as f:
        f.write("connected\n")
    deadline = time.monotonic() + 20
    while socks and time.monotonic() < deadline:
        for s in list(socks):
            try:
                s.sendall(b"x" * 100)
                if not s.recv(4096):
                    raise ConnectionResetError
            except OSError:
                socks.remove(s)
    for s in socks:
        s.close()


def port_free(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((HOST, port))
        s.listen()
    except OSError as e:
        fail(f"port {port} is still taken: {e}")
    s.close()


cmd, port, *rest = sys.argv[1:]
globals()[cmd](int(port), *rest)
EOF

py() { timeout 60 python3 "$tmp/client.py" "$@"; }

# start_server ARGS...: starts `ipcbench serve --port 0 ARGS` and sets server_pid and port.
start_server() {
        port=
        # Emptied here, not by the background job's redirection: that happens when the job runs,
        # and the loop below could read the previous server's port first (every client of the
        # new server was then refused).
        : >"$tmp/out"
        "$bin" serve --port 0 "$@" >"$tmp/out" 2>"$tmp/err" &
        server_pid=$!
        for _ in $(seq 100); do
                port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\) (model .*)$/\1/p' "$tmp/out")
                [ -n "$port" ] && return 0
                kill -0 "$server_pid" 2>/dev/null || break
                sleep 0.05
        done
        fail "serve $*: no 'listening on 127.0.0.1:PORT (model ...)' line; stdout: $(cat "$tmp/out");" \
             "stderr: $(cat "$tmp/err")"
        return 1
}

# stop_server: SIGTERM; it must exit 0 within 5 s.
stop_server() {
        local rc
        kill -TERM "$server_pid"
        for _ in $(seq 100); do
                kill -0 "$server_pid" 2>/dev/null || break
                sleep 0.05
        done
        if kill -0 "$server_pid" 2>/dev/null; then
                fail "serve: still running 5 s after SIGTERM"
                kill -KILL "$server_pid"
        fi
        wait "$server_pid"
        rc=$?
        server_pid=
        [ "$rc" -eq 0 ] || fail "serve: exit status $rc after SIGTERM, want 0; stderr: $(cat "$tmp/err")"
}

# The server's open descriptors, threads and children.
resources() {
        echo "$(ls "/proc/$server_pid/fd" | wc -l) fds, $(ls "/proc/$server_pid/task" | wc -l) threads," \
             "$(pgrep -P "$server_pid" | wc -l) children"
}

# settled WANT: the resources come back to WANT within 5 s (closed, joined or detached, reaped).
settled() {
        for _ in $(seq 100); do
                [ "$(resources)" = "$1" ] && return 0
                sleep 0.05
        done
        echo "at the start: $1; now: $(resources)"
        return 1
}

# The way a person tries it: a plain line client.
manual() {
        local line
        exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
        echo hello >&3
        read -r -t 5 line <&3
        exec 3>&-
        echo "got: $line"
        [ "$line" = "Your 6 bytes were received, thank you for sending them!" ]
}

# Under load, SIGTERM: exit 0 within 3 s, no thread or child left, the port free again.
sigterm_under_load() {
        local model=$1 children threads t0 rc ms gone
        start_server --model "$model" || return
        rm -f "$tmp/loaded"
        py load "$port" 50 "$tmp/loaded" &
        local load_pid=$!
        for _ in $(seq 100); do [ -e "$tmp/loaded" ] && break; sleep 0.05; done
        sleep 0.3
        children=$(pgrep -P "$server_pid" | tr '\n' ' ')
        threads=$(ls "/proc/$server_pid/task" | wc -l)
        t0=$(date +%s%N)
        kill -TERM "$server_pid"
        for _ in $(seq 60); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.05; done
        if kill -0 "$server_pid" 2>/dev/null; then
                fail "$model: still running 3 s after SIGTERM under load"
                kill -KILL "$server_pid"
        fi
        wait "$server_pid"
        rc=$?
        server_pid=
        ms=$(( ($(date +%s%N) - t0) / 1000000 ))
        wait "$load_pid"
        [ "$rc" -eq 0 ] || fail "$model: exit status $rc after SIGTERM under load; stderr: $(cat "$tmp/err")"
        for pid in $children; do
                kill -0 "$pid" 2>/dev/null && fail "$model: child $pid still alive after the server exited"
        done
        [ "$model" = process ] && [ -z "$children" ] && fail "process: no children seen under load"
        [ "$model" = thread ] && [ "$threads" -lt 50 ] && fail "thread: $threads threads under load of 50"
        gone="${threads} threads and $(echo "$children" | wc -w) children gone"
        check "$model: SIGTERM under load: exit 0 in $ms ms, port free, $gone" py port_free "$port"
}

for model in thread process epoll pool; do
        start_server --model "$model" || continue
        at_start=$(resources)
        check "$model: the lecture's exact reply to 'hello\\n'" py hello "$port"
        check "$model: a message in several sends, acks adding up" py split "$port"
        check "$model: 1 MiB in one write, several acks adding up to 1048576" py big "$port"
        check "$model: NUL and non-ASCII bytes" py binary "$port"
        check "$model: clients closing or reset mid-message; others still served" py vanish "$port"
        check "$model: half-closed client acked, then closed" py half_close "$port"
        check "$model: 1000 concurrent connections, each acked" py many "$port" 1000
        check "$model: a client that never reads does not stall another" py slow "$port"
        check "$model: a line client (bash /dev/tcp) gets the lecture's line" manual "$port"
        check "$model: no descriptor, thread or child left of 1000+ connections" settled "$at_start"
        stop_server

        start_server --model "$model" --max-connections 2 -v || continue
        check "$model: --max-connections 2: a third client is told the server is busy" py busy "$port" 2
        stop_server
        grep -q "refused 127.0.0.1:[0-9]*: 2 connections already" "$tmp/err" ||
                fail "$model: -v did not log the refusal: $(cat "$tmp/err")"

        sigterm_under_load "$model"
done

# The pool's default size is the CPUs the server may run on, not the CPUs online: pinned to one
# CPU (as server.pool's same-cpu points are), it is one thread, the main one, and no more.
if command -v taskset >/dev/null; then
        : >"$tmp/out"     # not by the job's redirection: see start_server
        taskset -c 0 "$bin" serve --port 0 --model pool >"$tmp/out" 2>"$tmp/err" &
        server_pid=$!
        for _ in $(seq 100); do
                grep -q "^listening on" "$tmp/out" && break
                sleep 0.05
        done
        tasks=$(ls "/proc/$server_pid/task" 2>/dev/null | wc -l)
        if grep -q "(model pool, 1 threads)$" "$tmp/out" && [ "$tasks" -eq 1 ]; then
                echo "ok: pool pinned to one CPU: 1 thread"
        else
                fail "pool pinned to one CPU: want '(model pool, 1 threads)' and 1 task; got" \
                     "'$(cat "$tmp/out")', $tasks task(s) ($(nproc --all) CPUs online)"
        fi
        stop_server
fi

# -v logs like the lecture's printf: the peer, each chunk, the close.
if start_server -v; then
        py hello "$port" >/dev/null
        stop_server
        if grep -q "connection from 127.0.0.1:" "$tmp/err" &&
           grep -qF 'recv(): 6 bytes "hello\n"' "$tmp/err" &&
           grep -q "closed: the client finished" "$tmp/err"; then
                echo "ok: -v logs the connection, each chunk and the close"
        else
                fail "-v log: $(cat "$tmp/err")"
        fi
fi

# The command line: bad values name themselves and exit 2; a port in use says so and exits 1.
expect_error() {
        local status=$1 want=$2; shift 2
        "$bin" serve "$@" >"$tmp/o" 2>"$tmp/e"
        local rc=$?
        if [ "$rc" -eq "$status" ] && [ "$(wc -l <"$tmp/e")" -eq 1 ] && grep -qF -- "$want" "$tmp/e" &&
           [ ! -s "$tmp/o" ]; then
                echo "ok: serve $*: exit $status, '$want'"
        else
                fail "serve $*: want exit $status and one line with '$want'; got exit $rc: $(cat "$tmp/e")"
        fi
}
expect_error 2 "--port '70000'" --port 70000
expect_error 2 "--model 'fish': expected thread, process, epoll or pool" --model fish
expect_error 2 "unknown option '--frobnicate'" --frobnicate
expect_error 2 "--bind 'example'" --bind example
expect_error 2 "--max-connections '0'" --max-connections 0
expect_error 2 "--port needs a value" --port
# The whole help first: grep -q would stop reading at the match, and under pipefail the
# writer's EPIPE on the rest of it would fail the line.
if help=$("$bin" serve --help) && grep -q "usage: ipcbench serve" <<<"$help"; then
        echo "ok: serve --help prints the usage, exit 0"
else
        fail "serve --help"
fi
if start_server; then
        expect_error 1 "port $port is in use (EADDRINUSE)" --port "$port"
        stop_server
fi

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
exit 0
