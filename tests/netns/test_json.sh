#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `fibmirror -j show route|rule|nexthop` carries the same keys and values as
# iproute2's JSON for the same namespace (compared as multisets of objects),
# for a namespace holding every kind of route, rule and nexthop object.
set -u
. "$(dirname "$0")/lib.sh"
CMP="python3 $(dirname "$0")/jsoncmp.py"
D=$SOCKDIR

build_ns() {
	nsip link set lo up
	add_veth v0 v1
	add_veth v2 v3
	nsip addr add 192.0.2.1/24 dev v0
	nsip addr add 192.0.2.5/24 dev v0
	nsip addr add 198.51.100.1/24 dev v2
	nsip addr add 203.0.113.1/32 dev lo
	nsip addr add 2001:db8::1/64 dev v0 nodad
	nsip addr add 2001:db8:2::1/64 dev v2 nodad
	sleep 0.2
	nsip route add default via 192.0.2.254
	nsip route add 10.1.0.0/16 via 192.0.2.2 metric 10
	nsip route add 10.1.0.0/16 via 198.51.100.2 metric 20
	nsip route append 10.1.0.0/16 via 198.51.100.3 metric 20
	nsip route add 10.2.0.0/16 nexthop via 192.0.2.2 weight 1 nexthop via 198.51.100.2 weight 3
	nsip route add 10.3.0.0/16 via 192.0.2.2 tos 0x10 table 100
	nsip route add blackhole 10.4.0.0/16
	nsip route add unreachable 10.5.0.0/16 table 200
	nsip route add prohibit 10.6.0.0/16
	nsip route add throw 10.7.0.0/16 table 100
	nsip route add 10.8.0.0/16 via 192.0.2.2 mtu 1400 advmss 1360 proto static
	nsip route add 10.9.0.0/16 dev v0 scope link src 192.0.2.5
	nsip route add 10.10.0.0/16 via 192.0.2.2 dev v0 onlink
	nsip route add 10.11.0.0/16 via inet6 2001:db8::2 dev v0
	nsip route add local 10.12.0.0/16 dev lo table local
	nsip route add 10.13.0.0/16 via 192.0.2.2 realm 5
	nsip -6 route add default via 2001:db8::fe
	nsip -6 route add 2001:db8:1::/48 via 2001:db8::2 metric 10 pref high
	nsip -6 route add 2001:db8:3::/48 nexthop via 2001:db8::2 nexthop via 2001:db8:2::2
	nsip -6 route add 2001:db8:4::/48 from 2001:db8:99::/64 via 2001:db8::2
	nsip -6 route add blackhole 2001:db8:5::/48
	nsip -6 route add unreachable 2001:db8:6::/48 table 100
	nsip -6 route add 2001:db8:7::/48 via 2001:db8::2 expires 3600
	nsip -6 route add 2001:db8:8::/48 dev v0 mtu 1300
	nsip nexthop add id 1 via 192.0.2.2 dev v0
	nsip nexthop add id 2 via 198.51.100.2 dev v2
	nsip nexthop add id 3 via 2001:db8::2 dev v0
	nsip nexthop add id 4 via 2001:db8:2::2 dev v2
	nsip nexthop add id 5 blackhole
	nsip nexthop add id 6 dev v0
	nsip nexthop add id 10 group 1/2,3
	nsip nexthop add id 11 group 3/4
	nsip nexthop add id 12 group 1/2 type resilient buckets 8 idle_timer 60
	nsip route add 10.20.0.0/16 nhid 1
	nsip route add 10.21.0.0/16 nhid 10
	nsip route add 10.22.0.0/16 nhid 5
	nsip -6 route add 2001:db8:20::/48 nhid 11
	nsip rule add fwmark 7 lookup 100
	nsip rule add from 10.0.0.0/8 to 10.1.0.0/16 iif v0 lookup 200 pref 500
	nsip rule add oif vx table 100
	nsip rule add not fwmark 0x1/0x1 table 200 suppress_prefixlength 0
	nsip rule add pref 100 goto 600
	nsip rule add tos 0x10 ipproto tcp sport 1000-2000 dport 80 uidrange 100-200 table 300
	nsip rule add pref 700 blackhole
	nsip rule add pref 701 unreachable
	nsip rule add pref 702 prohibit
	nsip rule add pref 703 nop
	nsip rule add suppress_ifgroup 5 table main pref 704
	nsip -6 rule add from 2001:db8::/32 lookup 100
	nsip -6 rule add to 2001:db8:5::/48 table 200 pref 600
	settle_dad
}

cmp_json() { # DESC OURS-ARGS -- IP-ARGS
	local desc=$1 ours=$2 theirs=$3 out
	fm $ours >"$D/ours.json" 2>"$D/err" || { ok 1 "$desc: $(cat "$D/err")"; return; }
	nsip $theirs >"$D/theirs.json"
	out=$($CMP "$D/ours.json" "$D/theirs.json")
	local rc=$?
	[ $rc -eq 0 ] || diag "$out"
	ok $rc "$desc ($out)"
}

build_ns
for mode in on-the-spot daemon; do
	[ $mode = daemon ] && start_daemon
	cmp_json "$mode: -j show route = ip -j route show table all" "-j show route" "-j route show table all"
	cmp_json "$mode: -6 -j show route = ip -6 -j route show table all" "-6 -j show route" "-6 -j route show table all"
	cmp_json "$mode: -4 -j show rule = ip -j rule show" "-4 -j show rule" "-j rule show"
	cmp_json "$mode: -6 -j show rule = ip -6 -j rule show" "-6 -j show rule" "-6 -j rule show"
	cmp_json "$mode: -j show nexthop = ip -j nexthop show" "-j show nexthop" "-j nexthop show"
	cmp_json "$mode: -d -j show route = ip -d -j route show table all" "-d -j show route" "-d -j route show table all"
	fm show route >"$D/ours.txt"
	nsip route show table all >"$D/theirs.txt"
	# expires counts down between the two dumps
	diff <(sed "s/expires [0-9]*sec//" "$D/ours.txt" | sort) \
		<(sed "s/expires [0-9]*sec//" "$D/theirs.txt" | sort) >"$D/diff.txt"
	rc=$?
	[ $rc -eq 0 ] || diag "$(head -20 "$D/diff.txt")"
	ok $rc "$mode: show route text = ip route show table all (same lines)"
done

# A reply larger than a client's queue (made 256 KiB here) streams to a
# client that reads; a client that stops reading is dropped after about a
# second, while the others are still answered.
kill "$DAEMON_PID" && wait "$DAEMON_PID" 2>/dev/null
FIBMIRROR_DAEMON_QUEUE=262144 start_daemon
for i in $(seq 0 11999); do
	echo "route add 10.200.$((i / 250)).$((i % 250))/32 dev v0"
done >"$D/many.batch"
nsip -batch "$D/many.batch"
# The daemon has them once its mirror equals a fresh dump (a loaded machine
# may take it more than a moment).
for _ in $(seq 1 100); do
	fm verify >/dev/null 2>&1 && break
	sleep 0.1
done
fm -j show route >"$D/big.json"
fm --no-daemon -j show route >"$D/big-local.json"
# expires counts down between the two dumps
cmp -s <(sed 's/"expires":[0-9]*//g' "$D/big.json") <(sed 's/"expires":[0-9]*//g' "$D/big-local.json")
ok $? "daemon: a $(wc -c <"$D/big.json")-byte reply through a 256 KiB queue, as on the spot"
fm -j show route | { sleep 4; wc -c; } >"$D/slow.txt" 2>&1 &
slow=$!
sleep 0.5
start=$(date +%s%N)
fm stats >/dev/null
took=$((($(date +%s%N) - start) / 1000000))
wait $slow
got=$(tail -1 "$D/slow.txt")
[ "$took" -lt 2500 ] && [ "$got" -lt "$(wc -c <"$D/big.json")" ] && daemon_alive
ok $? "daemon: a client that stops reading is dropped ($got bytes), another answered in $took ms"

# A malformed request (here the protocol of an older client, "FMQ1") gets an
# error line and exit status 1, and the daemon serves on. A batch line
# naming monitor is refused, not run inside the daemon.
python3 - "$(ls "$SOCKDIR"/*.sock | head -1)" >"$D/bad.txt" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b"FMQ1" + struct.pack("<I", 8) + bytes(8))
data = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
frames = []
while len(data) >= 5:
    n = struct.unpack("<I", data[1:5])[0]
    frames.append((chr(data[0]), data[5:5 + n]))
    data = data[5 + n:]
for ch, body in frames:
    print(ch, repr(body.decode() if ch != "x" else struct.unpack("<I", body)[0]))
PY
grep -qxF "e 'Error: malformed request\n'" "$D/bad.txt" && grep -qxF "x 1" "$D/bad.txt" && fm stats >/dev/null
ok $? "daemon: a malformed request is answered with an error line and status 1 ($(tr '\n' ' ' <"$D/bad.txt"))"
printf 'stats\nmo\n' | timeout 10 "$FM_BIN" -n "$NS" -force -batch - >/dev/null 2>"$D/mon.err"
rc=$?
[ $rc -eq 1 ] && grep -q "^Error: monitor does not run in a -batch$" "$D/mon.err" && fm stats >/dev/null
ok $? "daemon: a -batch line 'mo' (monitor) is refused (status $rc), the daemon serves on"
rm -f "$D/rel.snap"
(cd "$D" && "$FM_BIN" -n "$NS" save rel.snap) && [ -s "$D/rel.snap" ] && daemon_alive
ok $? "daemon: a relative 'save' path is the client's directory"
finish
