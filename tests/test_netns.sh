#!/usr/bin/env bash
# tests/test_netns.sh IPCBENCH: the ack server and its load client across a real (virtual) link,
# not loopback: two network namespaces joined by a veth pair, `serve --bind 10.200.X.1` in one,
# `load --host 10.200.X.1 --connections 4` in the other. Loopback hides what a link does (a
# real MTU, a route, an address that is not 127.0.0.1); a veth pair is the nearest thing
# without a second machine. X comes from this shell's pid, and the namespaces and interfaces
# are named after it, so runs in parallel do not collide; both namespaces are deleted on every
# exit. Needs root (or CAP_NET_ADMIN and CAP_SYS_ADMIN) and `ip`: without them, or where the
# kernel refuses namespaces or veth, it says "skip: <reason>" and exits 77.
# Exit 0 pass, 1 fail, 77 skip. Finishes in well under 30 s (load runs 1 s, everything else
# has a timeout).
set -uo pipefail
bin=${1:?usage: test_netns.sh path/to/ipcbench}
[ -x "$bin" ] || { echo "FAIL: no executable $bin"; exit 1; }
command -v ip >/dev/null || { echo "skip: no 'ip' command (Debian package iproute2)"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "skip: not root: network namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN"; exit 77; }

x=$(($$ % 250 + 1))              # 10.200.1.0/24 to 10.200.250.0/24
ns_a=ipcbench-a-$$ ns_b=ipcbench-b-$$
# Interface names live in the namespaces (created there directly), at most 15 characters.
if_a=ipbv-a if_b=ipbv-b
server_ip=10.200.$x.1 client_ip=10.200.$x.2
tmp=$(mktemp -d)
server=
made=()
cleanup() {
	# The server first: a namespace whose name is deleted lives on while a process is in it.
	if [ -n "$server" ]; then
		kill "$server" 2>/dev/null
		wait "$server" 2>/dev/null
	fi
	local ns
	for ns in "${made[@]}"; do ip netns delete "$ns" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
failures=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# skip_if STEP CMD...: run CMD; if it fails, the environment does not allow this test.
skip_if() {
	local step=$1 err
	shift
	if ! err=$("$@" 2>&1); then
		echo "skip: $step failed ($(echo "$err" | head -n 1)): network namespaces not permitted here?"
		exit 77
	fi
}
skip_if "ip netns add $ns_a" ip netns add "$ns_a"
made+=("$ns_a")
skip_if "ip netns add $ns_b" ip netns add "$ns_b"
made+=("$ns_b")
skip_if "creating a veth pair" ip link add "$if_a" netns "$ns_a" type veth peer name "$if_b" netns "$ns_b"
skip_if "configuring $ns_a" ip -n "$ns_a" addr add "$server_ip/24" dev "$if_a"
skip_if "configuring $ns_b" ip -n "$ns_b" addr add "$client_ip/24" dev "$if_b"
for ns in "$ns_a" "$ns_b"; do
	skip_if "bringing up lo in $ns" ip -n "$ns" link set lo up
done
skip_if "bringing up $if_a" ip -n "$ns_a" link set "$if_a" up
skip_if "bringing up $if_b" ip -n "$ns_b" link set "$if_b" up

# The server, in namespace a (ip netns exec execs it: $! is the server itself).
ip netns exec "$ns_a" "$bin" serve --bind "$server_ip" --port 0 >"$tmp/serve.out" 2>"$tmp/serve.err" &
server=$!
port=
for _ in $(seq 50); do       # up to 5 s for the "listening on" line
	port=$(sed -n "s/^listening on ${server_ip//./\\.}:\([0-9][0-9]*\) (model .*)\$/\1/p" "$tmp/serve.out")
	[ -n "$port" ] && break
	kill -0 "$server" 2>/dev/null || break
	sleep 0.1
done
if [ -z "$port" ]; then
	fail "serve --bind $server_ip --port 0 in $ns_a printed no 'listening on $server_ip:PORT' line; stdout: $(cat "$tmp/serve.out"); stderr: $(cat "$tmp/serve.err")"
	exit 1
fi
ok "serve listens on $server_ip:$port in $ns_a"

# The link works before the load client is blamed for anything.
# (ping is not always installed: then this is only not said.)
if command -v ping >/dev/null; then
	if ip netns exec "$ns_b" ping -c 1 -W 2 "$server_ip" >/dev/null 2>&1; then
		ok "$ns_b reaches $server_ip over the veth pair (ping)"
	else
		echo "note: ping from $ns_b to $server_ip failed: the link itself may be down"
	fi
fi

# The load client, in namespace b, across the veth pair.
rc=0
timeout 20 ip netns exec "$ns_b" "$bin" load --host "$server_ip" --port "$port" --connections 4 \
	--duration 1 --out "$tmp/results.csv" >"$tmp/load.out" 2>"$tmp/load.err" || rc=$?
if [ "$rc" -eq 0 ]; then
	ok "load --host $server_ip --connections 4 --duration 1 from $ns_b: exit 0"
else
	fail "load from $ns_b to $server_ip:$port: exit $rc$([ "$rc" -eq 124 ] && echo ' (timed out after 20 s)'); stdout: $(cat "$tmp/load.out"); stderr: $(cat "$tmp/load.err")"
fi

# Its rows: at 4 connections, a rate of requests above 0 and round trips as many as requests.
if [ -s "$tmp/results.csv" ]; then
	if awk -F, '
	NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
	$col["param"] == "connections" && $col["param_value"] + 0 == 4 {
		if ($col["metric"] == "rate" && $col["p50"] + 0 > 0) rate = 1
		if ($col["metric"] == "rtt" && $col["n"] + 0 > 0 && $col["p50"] + 0 > 0) rtt = 1
	}
	END { exit !(rate && rtt) }' "$tmp/results.csv"; then
		ok "results rows at connections 4: rate and rtt ($(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
			$c["metric"] == "rate" { printf "%.0f requests/s", $c["p50"] }' "$tmp/results.csv"))"
	else
		fail "expected rate and rtt rows at connections 4 in --out FILE; found: $(cat "$tmp/results.csv")"
	fi
else
	fail "load --out wrote no rows (file empty or absent)"
fi

# The server is still there after the client left, and ends cleanly on SIGTERM.
if kill -0 "$server" 2>/dev/null; then
	kill -TERM "$server"
	src=0
	wait "$server" || src=$?
	server=
	if [ "$src" -eq 0 ]; then ok "serve ended on SIGTERM with status 0"; else fail "serve ended on SIGTERM with status $src"; fi
else
	fail "serve in $ns_a died during the load; stderr: $(cat "$tmp/serve.err")"
	server=
fi

if [ "$failures" -gt 0 ]; then
	echo "test_netns: $failures check(s) failed"
	exit 1
fi
echo "test_netns: ok"
