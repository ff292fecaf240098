#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# test_tunrouter - examples/tunrouter routes the packets of a TUN device as
# its namespace would, answers for itself where it must, and tracks routes
# (TAP; needs root, network namespaces and /dev/net/tun).
#
# Usage: test_tunrouter.sh PATH_TO_FIBMIRROR PATH_TO_TUNROUTER
#
#   C (client)                  R (router, $NS)                     F (far side)
#   c0 198.18.9.2 ------------- r0 198.18.9.1   r1 198.18.8.1 ------ f0 198.18.8.2
#      2001:db8:9::2               2001:db8:9::1   2001:db8:8::1        2001:db8:8::2
#                               tun0 <-> tunrouter                   lo 198.18.2.1
#                               lo 198.18.1.1, 2001:db8:1::1            2001:db8:2::1
#
# In R, `iif r0 to <targets> lookup 100` (table 100: default dev tun0) sends
# everything C addresses to the targets below into tun0, ahead of the local
# table (moved from preference 0 to 100), so that even R's own addresses
# reach tunrouter instead of R's kernel. tunrouter routes on the output path
# without an iif, so that rule does not apply to it, and R's main table
# decides:
#   198.18.1.1  2001:db8:1::1  local in R: tunrouter answers the echo request
#   198.18.2.1  2001:db8:2::1  via F: forwarded, F answers
#   198.18.3.x  2001:db8:3::x  unreachable route: ICMP unreachable from tunrouter
#   198.18.4.x  2001:db8:4::x  no route at all: ICMP unreachable (no route)
#   198.18.6.x  2001:db8:6::x  prohibit route: ICMP administratively prohibited
#   198.18.5.1  2001:db8:5::1  via F, --track'ed: the test changes its route
#   198.18.2.129               via F's other address 198.18.8.5, by a rule for
#                              the host's own traffic (`iif lo`), which an
#                              output-path lookup sees and an input-path one
#                              (iif tun0) would not
# Probes are ICMP echo requests sent from C by a small python3 raw-socket
# pinger (no ping on the machine is assumed); it prints what came back:
# "reply FROM", "unreachable CODE FROM", "time-exceeded CODE FROM", "timeout".
# Before tunrouter runs the same probes time out, which shows that every
# answer checked afterwards is tunrouter's.
set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh" # $1: the CLI; makes namespace $NS (R), skips if not root
TR=${2:?usage: $0 PATH_TO_FIBMIRROR PATH_TO_TUNROUTER}
C=$NS-c
F=$NS-f
OUT=$SOCKDIR/tunrouter.out
TR_PID=

# shellcheck disable=SC2317 # run by the EXIT trap
teardown() {
	if [ -n "$TR_PID" ] && kill "$TR_PID" 2>/dev/null; then
		wait "$TR_PID" 2>/dev/null
	fi
	ip netns del "$C" 2>/dev/null
	ip netns del "$F" 2>/dev/null
	cleanup
}
trap teardown EXIT

[ -c /dev/net/tun ] || skip "no /dev/net/tun"
command -v python3 >/dev/null || skip "needs python3"
nsip tuntap add dev tun0 mode tun 2>/dev/null || skip "cannot create a TUN device"
if ! ip netns add "$C" || ! ip netns add "$F"; then
	skip "cannot create network namespaces"
fi

in_ns() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# Errors in the set-up are fatal: the checks below would mean nothing.
setup() {
	local ns
	for ns in "$NS" "$C" "$F"; do
		in_ns "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 || return
		ip -n "$ns" link set lo up || return
	done
	nsip link add r0 type veth peer name c0 netns "$C" &&
		nsip link add r1 type veth peer name f0 netns "$F" || return
	# R: forwards, no source checks, takes its own addresses back from tun0
	# (tunrouter's echo replies and ICMP errors come from them).
	in_ns "$NS" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 &&
		in_ns "$NS" sysctl -qw net.ipv4.conf.tun0.rp_filter=0 \
			net.ipv4.conf.tun0.accept_local=1 || return
	nsip link set r0 up && nsip link set r1 up && nsip link set tun0 up &&
		nsip addr add 198.18.9.1/24 dev r0 && nsip addr add 2001:db8:9::1/64 dev r0 &&
		nsip addr add 198.18.8.1/24 dev r1 && nsip addr add 2001:db8:8::1/64 dev r1 &&
		nsip addr add 198.18.99.1/24 dev tun0 &&
		nsip addr add 2001:db8:99::1/64 dev tun0 &&
		nsip addr add 198.18.1.1/32 dev lo && nsip addr add 2001:db8:1::1/128 dev lo ||
		return
	nsip route add 198.18.2.0/24 via 198.18.8.2 &&
		nsip route add 198.18.5.0/24 via 198.18.8.2 &&
		nsip route add unreachable 198.18.3.0/24 &&
		nsip route add prohibit 198.18.6.0/24 &&
		nsip -6 route add 2001:db8:2::/64 via 2001:db8:8::2 &&
		nsip -6 route add 2001:db8:5::/64 via 2001:db8:8::2 &&
		nsip -6 route add unreachable 2001:db8:3::/64 &&
		nsip -6 route add prohibit 2001:db8:6::/64 || return
	nsip route add default dev tun0 table 100 &&
		nsip -6 route add default dev tun0 table 100 &&
		nsip rule add pref 10 iif r0 to 198.18.0.0/21 lookup 100 &&
		nsip -6 rule add pref 10 iif r0 to 2001:db8::/45 lookup 100 &&
		nsip rule add pref 50 iif lo to 198.18.2.128/25 lookup 150 &&
		nsip route add 198.18.2.128/25 via 198.18.8.5 table 150 &&
		nsip rule add pref 100 lookup local && nsip rule del pref 0 &&
		nsip -6 rule add pref 100 lookup local && nsip -6 rule del pref 0 || return
	ip -n "$C" link set c0 up && ip -n "$C" addr add 198.18.9.2/24 dev c0 &&
		ip -n "$C" addr add 2001:db8:9::2/64 dev c0 &&
		ip -n "$C" route add default via 198.18.9.1 &&
		ip -n "$C" -6 route add default via 2001:db8:9::1 || return
	ip -n "$F" link set f0 up && ip -n "$F" addr add 198.18.8.2/24 dev f0 &&
		ip -n "$F" addr add 2001:db8:8::2/64 dev f0 &&
		ip -n "$F" addr add 198.18.8.5/24 dev f0 &&
		ip -n "$F" addr add 198.18.2.1/32 dev lo &&
		ip -n "$F" addr add 198.18.2.129/32 dev lo &&
		ip -n "$F" addr add 2001:db8:2::1/128 dev lo &&
		ip -n "$F" route add 198.18.9.0/24 via 198.18.8.1 &&
		ip -n "$F" -6 route add 2001:db8:9::/64 via 2001:db8:8::1
}
setup || {
	echo "Bail out! set-up failed"
	exit 1
}

cat >"$SOCKDIR/probe.py" <<'PY'
# probe.py 4|6 DST [TTL [WAIT [TRIES]]]: ICMP echo requests; print the first answer.
import os, select, socket, struct, sys, time

fam, dst = sys.argv[1], sys.argv[2]
ttl = int(sys.argv[3]) if len(sys.argv) > 3 else 64
wait = float(sys.argv[4]) if len(sys.argv) > 4 else 2.0
tries = int(sys.argv[5]) if len(sys.argv) > 5 else 3
ident = os.getpid() & 0xFFFF

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

if fam == "4":
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
    ECHO, REPLY, ERRORS = 8, 0, {3: "unreachable", 11: "time-exceeded"}
else:
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, ttl)
    ECHO, REPLY, ERRORS = 128, 129, {1: "unreachable", 3: "time-exceeded"}

def icmp_of(pkt):  # IPv4 raw sockets deliver the IP header, IPv6 ones do not
    return pkt[(pkt[0] & 15) * 4:] if fam == "4" else pkt

def quoted_echo(icmp):  # the echo request an ICMP error quotes, if it is ours
    q = icmp[8:]
    if fam == "4" and len(q) >= 20:
        q = q[(q[0] & 15) * 4:]
    elif fam == "6" and len(q) >= 40 and q[6] == 58:
        q = q[40:]
    else:
        return False
    return len(q) >= 8 and q[0] == ECHO and struct.unpack("!H", q[4:6])[0] == ident

for seq in range(1, tries + 1):
    msg = struct.pack("!BBHHH", ECHO, 0, 0, ident, seq) + b"tunrouter probe"
    if fam == "4":  # the kernel fills in the ICMPv6 checksum, not the ICMP one
        msg = msg[:2] + struct.pack("!H", csum(msg)) + msg[4:]
    s.sendto(msg, (dst, 0))
    end = time.monotonic() + wait
    while True:
        left = end - time.monotonic()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            break
        pkt, addr = s.recvfrom(65535)
        icmp = icmp_of(pkt)
        if len(icmp) < 8:
            continue
        if icmp[0] == REPLY and struct.unpack("!H", icmp[4:6])[0] == ident:
            print("reply", addr[0])
            sys.exit(0)
        if icmp[0] in ERRORS and quoted_echo(icmp):
            print(ERRORS[icmp[0]], icmp[1], addr[0])
            sys.exit(0)
print("timeout")
PY

probe() { in_ns "$C" python3 "$SOCKDIR/probe.py" "$@" 2>&1; }

# check_probe WANT DESCRIPTION PROBE-ARGS...
check_probe() {
	local want=$1 what=$2 got
	shift 2
	got=$(probe "$@")
	[ "$got" = "$want" ] || diag "probe $*: got '$got', want '$want'"
	[ "$got" = "$want" ]
	ok $? "$what"
}

# Until a line of tunrouter's output matches the extended regex $1 ($2 s).
wait_for() {
	for _ in $(seq 1 $((${2:-5} * 20))); do
		grep -qE -- "$1" "$OUT" && return 0
		sleep 0.05
	done
	return 1
}

count_lines() { grep -cE -- "$1" "$OUT"; }

# Ask for a report (SIGUSR1) until "gateway GW dev r1: routes N" shows N = $2.
# A report ends with its stats line. One can be printed just before the
# events that change the count are applied, so one that is behind is asked
# for again.
gateway_routes_become() {
	local n
	for _ in $(seq 1 50); do
		n=$(count_lines '^stats:')
		kill -USR1 "$TR_PID" 2>/dev/null || return 1
		for _ in $(seq 1 100); do
			[ "$(count_lines '^stats:')" -gt "$n" ] && break
			sleep 0.02
		done
		[ "$(grep "^gateway $1 dev r1:" "$OUT" | tail -1 | cut -d' ' -f6)" = "$2" ] &&
			return 0
		sleep 0.1
	done
	diag "last report for $1: $(grep "^gateway $1 dev r1:" "$OUT" | tail -1)"
	return 1
}

# The value of counter $1 in the last stats line (0 if there is none).
stat_last() {
	local v
	v=$(grep '^stats:' "$OUT" | tail -1 | grep -oE " $1 [0-9]+" | cut -d' ' -f3)
	echo "${v:-0}"
}

# --- without tunrouter, the targets are black holes (tun0 has no reader)
check_probe timeout "control: no answer for a local target without tunrouter" 4 198.18.1.1 64 1 1
check_probe timeout "control: no answer for a forwarded target without tunrouter" 4 198.18.2.1 64 1 1
check_probe timeout "control: no answer for an unreachable target without tunrouter" \
	4 198.18.3.1 64 1 1
check_probe timeout "control: no IPv6 answer without tunrouter" 6 2001:db8:2::1 64 1 1

# --- start it
"$TR" --netns "$NS" --track 198.18.5.1 --track 2001:db8:5::1 tun0 >"$OUT" 2>"$SOCKDIR/err" &
TR_PID=$!
if wait_for '^tunrouter: routing tun0' 10; then
	ok 0 "tunrouter starts on tun0 in the namespace"
else
	ok 1 "tunrouter starts on tun0 in the namespace"
	cat "$SOCKDIR/err"
	echo "Bail out! tunrouter did not start"
	exit 1
fi
grep -qx "track 198.18.5.1: via 198.18.8.2 dev r1" "$OUT" &&
	grep -qx "track 2001:db8:5::1: via 2001:db8:8::2 dev r1" "$OUT"
ok $? "the tracked destinations' decisions are printed at start"

# --- (a) echo requests to an address local in R: tunrouter answers
check_probe "reply 198.18.1.1" "IPv4 echo request to a local address answered" 4 198.18.1.1
check_probe "reply 2001:db8:1::1" "IPv6 echo request to a local address answered" 6 2001:db8:1::1

# --- (b) forwarded to F, whose replies come back
check_probe "reply 198.18.2.1" "IPv4 forwarded to the far side and back" 4 198.18.2.1
check_probe "reply 2001:db8:2::1" "IPv6 forwarded to the far side and back" 6 2001:db8:2::1

# The host's own traffic to 198.18.2.128/25 takes 198.18.8.5 (`iif lo` rule):
# so does the decision tunrouter acts on, as its gateway table shows.
check_probe "reply 198.18.2.129" "IPv4 forwarded by a rule for the host's own traffic" \
	4 198.18.2.129
gateway_routes_become 198.18.8.5 1
ok $? "the decision is the host's output path: an iif lo rule applies (gateway 198.18.8.5)"

# --- (c) failed lookups: the kernel's ICMP errors, from R's address towards C
check_probe "unreachable 1 198.18.9.1" "IPv4 unreachable route: host unreachable" 4 198.18.3.1
check_probe "unreachable 0 198.18.9.1" "IPv4 no route: net unreachable" 4 198.18.4.1
check_probe "unreachable 13 198.18.9.1" "IPv4 prohibit route: administratively prohibited" \
	4 198.18.6.1
check_probe "unreachable 0 2001:db8:9::1" "IPv6 unreachable route: no route" 6 2001:db8:3::1
check_probe "unreachable 0 2001:db8:9::1" "IPv6 no route: no route" 6 2001:db8:4::1
check_probe "unreachable 1 2001:db8:9::1" "IPv6 prohibit route: administratively prohibited" \
	6 2001:db8:6::1

# --- TTL / hop limit: R's kernel leaves 1 of 2, tunrouter may not forward it
check_probe "time-exceeded 0 198.18.9.1" "IPv4 TTL running out in tunrouter: time exceeded" \
	4 198.18.2.1 2
check_probe "time-exceeded 0 2001:db8:9::1" "IPv6 hop limit running out: time exceeded" \
	6 2001:db8:2::1 2
check_probe "reply 198.18.2.1" "IPv4 TTL 3 still gets through" 4 198.18.2.1 3

# --- gateway table: routes via each gateway forwarded through
gateway_routes_become 198.18.8.2 2
ok $? "gateway 198.18.8.2: 2 routes"
gateway_routes_become 2001:db8:8::2 2
ok $? "gateway 2001:db8:8::2: 2 routes"

# --- (d) changes that leave the tracked decisions alone: no track line, and
# the gateway watch counts the new routes (which also shows they were applied)
TRACK0=$(count_lines '^track .* -> ')
nsip route add 198.18.0.0/16 via 198.18.8.4 &&
	nsip -6 route add 2001:db8::/32 via 2001:db8:8::4 &&
	nsip route add 198.18.7.0/24 via 198.18.8.2 &&
	nsip -6 route add 2001:db8:7::/64 via 2001:db8:8::2
ok $? "unrelated route changes made"
gateway_routes_become 198.18.8.2 3
ok $? "gateway 198.18.8.2: a route added via it counts (3)"
gateway_routes_become 2001:db8:8::2 3
ok $? "gateway 2001:db8:8::2: a route added via it counts (3)"
sleep 0.5 # the count shows the changes applied; a watch fires with them
[ "$(count_lines '^track .* -> ')" -eq "$TRACK0" ]
ok $? "no track line for changes that do not change a tracked decision"

# --- (d) the tracked routes change gateway
nsip route replace 198.18.5.0/24 via 198.18.8.3 &&
	nsip -6 route replace 2001:db8:5::/64 via 2001:db8:8::3
ok $? "tracked routes replaced"
wait_for '^track 198\.18\.5\.1: via 198\.18\.8\.2 dev r1 -> via 198\.18\.8\.3 dev r1$'
ok $? "IPv4 track line for the new gateway"
wait_for '^track 2001:db8:5::1: via 2001:db8:8::2 dev r1 -> via 2001:db8:8::3 dev r1$'
ok $? "IPv6 track line for the new gateway"
gateway_routes_become 198.18.8.2 2
ok $? "gateway 198.18.8.2: the replaced route no longer counts (2)"
gateway_routes_become 2001:db8:8::2 2
ok $? "gateway 2001:db8:8::2: the replaced route no longer counts (2)"

# --- (d) deleted: the covering route takes over, then nothing is left
nsip route del 198.18.5.0/24
wait_for '^track 198\.18\.5\.1: via 198\.18\.8\.3 dev r1 -> via 198\.18\.8\.4 dev r1$'
ok $? "IPv4 track line when the covering route takes over"
nsip route del 198.18.0.0/16
wait_for '^track 198\.18\.5\.1: via 198\.18\.8\.4 dev r1 -> error: Network is unreachable$'
ok $? "IPv4 track line when no route is left"
sleep 0.5
[ "$(count_lines '^track 198\.18\.5\.1: .* -> ')" -eq 3 ] &&
	[ "$(count_lines '^track 2001:db8:5::1: .* -> ')" -eq 1 ]
ok $? "each decision change printed exactly once"

# --- the flow cache: a flow routed again is a hit
for _ in 1 2 3; do
	probe 4 198.18.2.1 >/dev/null
done

# --- counters at exit
kill -TERM "$TR_PID"
wait "$TR_PID"
rc=$?
TR_PID=
ok $rc "tunrouter exits cleanly on SIGTERM"
[ -s "$SOCKDIR/err" ] && diag "stderr: $(cat "$SOCKDIR/err")"
diag "$(grep '^stats:' "$OUT" | tail -1)"
[ "$(stat_last forwarded)" -ge 5 ] && [ "$(stat_last local)" -ge 2 ] &&
	[ "$(stat_last unreachable)" -ge 6 ] && [ "$(stat_last time-exceeded)" -ge 2 ]
ok $? "final counters: forwarded, local replies, unreachables, time exceeded"
[ "$(stat_last packets)" -eq $(($(stat_last forwarded) + $(stat_last local) + \
	$(stat_last unreachable) + $(stat_last time-exceeded) + $(stat_last too-big) + \
	$(stat_last dropped))) ]
ok $? "every packet read is counted once by its fate"
[ $(($(stat_last cache-hits) + $(stat_last cache-misses) + $(stat_last cache-bypassed))) \
	-ge "$(stat_last routed)" ] && [ "$(stat_last cache-hits)" -ge 1 ]
ok $? "every packet is routed through the flow cache, and repeated flows hit it"
[ "$FAILS" -eq 0 ] || sed 's/^/# tunrouter: /' "$OUT"
finish
