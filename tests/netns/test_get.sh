#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `fibmirror get` (through the daemon, changes applied while it runs) against
# `ip route get`, scenario by scenario: targeted queries for each behaviour
# plus random ones drawn from the namespace (getdiff.py; fixed seed, printed).
# RANDOM_QUERIES (default 1000) sets the random queries per scenario.
set -u
. "$(dirname "$0")/lib.sh"
DIFF="python3 $(dirname "$0")/getdiff.py"
N=${RANDOM_QUERIES:-1000}
SEED=${SEED:-20261122}
Q=$SOCKDIR/queries
nsx() { ip netns exec "$NS" "$@"; }

# phase DESC: ask the targeted queries in $Q and N random ones.
phase() {
	local out rc
	out=$($DIFF "$FM_BIN" "$NS" "$SEED" "${COUNT:-$N}" "$Q" 2>&1)
	rc=$?
	echo "$out" | grep '^#'
	ok $rc "$1 ($(echo "$out" | tail -1 | sed 's/^# //'))"
	SEED=$((SEED + 1))
}

base() {
	nsip link set lo up
	add_veth v0 v1 192.0.2.1/24
	add_veth v2 v3 198.51.100.1/24
	nsip addr add 2001:db8::1/64 dev v0 nodad
	nsip addr add 2001:db8:2::1/64 dev v2 nodad
	nsip addr add 203.0.113.1/32 dev lo
	nsip addr add 192.0.2.9/24 dev v0
	nsip addr add 10.99.0.1/16 dev v2 scope link
	nsip route add default via 192.0.2.254
	nsip -6 route add default via 2001:db8::fe
	settle_dad
}

base
start_daemon

cat >"$Q" <<'EOF'
198.51.100.7
192.0.2.1
192.0.2.9
192.0.2.255
192.0.2.77
203.0.113.1
127.0.0.1
0.0.0.0
255.255.255.255
224.0.0.1
224.0.0.251
239.1.2.3
10.99.3.4
8.8.8.8 from 192.0.2.9
8.8.8.8 from 192.0.2.77
8.8.8.8 from 203.0.113.1
8.8.8.8 from 10.99.0.1
8.8.8.8 from 127.0.0.1
198.51.100.7 from 192.0.2.1
192.0.2.9 from 198.51.100.1
10.99.3.4 from 192.0.2.1
8.8.8.8 from 224.0.0.1
8.8.8.8 oif v2
8.8.8.8 oif v3
8.8.8.8 oif nosuchdev
-6 2001:db8::5
-6 2001:db8::1
-6 2001:db8:2::7
-6 2001:4860::1
-6 fe80::1
-6 fe80::1 oif v2
-6 ff02::1
-6 ::1
-6 2001:4860::1 oif v2
-6 2001:4860::1 from 2001:db8:2::1 oif v2
EOF
phase "addresses, connected, default, local, broadcast, multicast, oif"

nsip route add 10.1.0.0/16 via 192.0.2.2 metric 10
nsip route add 10.1.0.0/16 via 198.51.100.2 metric 20
nsip route add 10.1.0.0/16 via 198.51.100.3 metric 5 tos 0x10
nsip route add 10.1.1.0/24 via 198.51.100.4
nsip route add unreachable 10.2.0.0/16
nsip route add 10.2.0.0/16 via 192.0.2.2 metric 20
nsip route add blackhole 10.3.0.0/16
nsip route add prohibit 10.4.0.0/16
nsip route add 10.5.0.0/16 dev lo
nsip route add anycast 10.6.0.1 dev v0 table local
nsip route add throw 10.7.0.0/16
nsip route add 10.8.0.0/16 via 192.0.2.2 src 192.0.2.9
nsip route add 10.9.0.0/16 via 198.51.100.2 onlink dev v2
nsip route add 10.10.0.0/16 via inet6 2001:db8::2 dev v0
nsip -6 route add 2001:db8:10::/48 via 2001:db8::2 metric 10
nsip -6 route add 2001:db8:10::/48 via 2001:db8:2::2 metric 5 pref low
nsip -6 route add 2001:db8:11::/48 via 2001:db8::2 pref low
nsip -6 route append 2001:db8:11::/48 dev v2 pref high
nsip -6 route add unreachable 2001:db8:12::/48
nsip -6 route add blackhole 2001:db8:13::/48
nsip -6 route add prohibit 2001:db8:14::/48
nsip -6 route add 2001:db8:15::/48 from 2001:db8:99::/64 via 2001:db8::2
nsip -6 route add 2001:db8:15::/48 via 2001:db8:2::2
nsip -6 route add 2001:db8:16::/48 via 2001:db8::2 expires 1
nsip -6 route add 2001:db8:17::/48 via 2001:db8::2 src 2001:db8::1
# An error route and a unicast one of the same metric (`append`): a packet
# received on the unicast route's device scores it higher, others get the
# error.
nsip -6 route add unreachable 2001:db8:18::/48 metric 1024
nsip -6 route append 2001:db8:18::/48 via 2001:db8:2::2 metric 1024
sleep 1.2
cat >"$Q" <<'EOF'
10.1.2.3
10.1.2.3 tos 0x10
10.1.2.3 tos 0x14
10.1.2.3 tos 0x20
10.1.1.1
10.1.1.1 tos 0x10
10.1.2.3 oif v2
10.1.2.3 oif v0
10.2.0.1
10.2.0.1 oif v0
10.3.0.1
10.3.0.1 oif v2
10.4.0.1
10.5.1.1
10.6.0.1
10.7.0.1
10.8.0.1
10.9.0.1
10.10.0.1
-6 2001:db8:10::1
-6 2001:db8:11::1
-6 2001:db8:12::1
-6 2001:db8:13::1
-6 2001:db8:14::1
-6 2001:db8:15::1
-6 2001:db8:15::1 from 2001:db8:99::5
-6 2001:db8:15::1 from 2001:db8::1
-6 2001:db8:16::1
-6 2001:db8:17::1
-6 2001:db8:10::1 oif v0
-6 2001:db8:10::1 from 2001:db8:2::5 iif v2
-6 2001:db8:11::1 from 2001:db8::5 iif v0
-6 2001:db8:11::1 iif v2
-6 2001:db8:12::1 from 2001:db8::5 iif v0
-6 2001:db8:13::1 from 2001:db8::5 iif v2
-6 2001:db8:17::1 from 2001:db8::5 iif v2
-6 2001:db8::1 from 2001:db8:2::5 iif v2
-6 2001:db8:2::7 from 2001:db8::5 iif v0
-6 2001:4860::1 from 2001:db8::5 iif v0
-6 2001:4860::1 iif v2
-6 2001:db8:18::1
-6 2001:db8:18::1 from 2001:db8::5 iif v2
-6 2001:db8:18::1 from 2001:db8::5 iif v0
-6 2001:db8:18::1 iif v2
EOF
phase "route types, tos before metric, metric order, onlink, via inet6, v6 pref, subtrees, expiry, IPv6 input"

# What the kernel remembers for good. With the three initial rules and no
# local route ever added, a received packet's source is checked only against
# our addresses (fib_validate_source()'s shortcut): a broadcast source
# passes. Once a local route came and went (fib_has_custom_local_routes) the
# check takes the reverse route, of type broadcast here: Invalid argument.
# Once a rule came and went (fib_has_custom_rules) local and main are apart:
# a local route is reported as table local, not main.
sysctls="net.ipv4.ip_forward net.ipv4.conf.all.rp_filter net.ipv4.conf.v0.rp_filter"
saved=$(for s in $sysctls; do echo "$s=$(nsx sysctl -n "$s")"; done)
nsx sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.v0.rp_filter=0
sleep 1.1 # sysctls are polled once a second
cat >"$Q" <<'EOF'
198.51.100.7 from 192.0.2.255 iif v0
198.51.100.7 from 198.51.100.255 iif v0
198.51.100.7 from 192.0.2.9 iif v0
198.51.100.7 from 192.0.2.2 iif v0
192.0.2.1
203.0.113.1
EOF
COUNT=0 phase "source check with the initial rules and no local route added: our addresses"
nsip route add local 10.77.0.0/16 dev lo
nsip route del local 10.77.0.0/16 dev lo
COUNT=0 phase "a local route came and went: the source check takes the reverse route"
nsip rule add from 192.0.2.77 lookup main pref 100
nsip rule del pref 100
phase "a rule came and went: local and main stay apart"
# shellcheck disable=SC2086 # one assignment per word
nsx sysctl -qw $saved
sleep 1.1

nsip rule add fwmark 7 lookup 100
nsip rule add fwmark 0x10/0x10 lookup 101 pref 1001
nsip route add 10.20.0.0/16 via 198.51.100.2 table 100
nsip route add default via 198.51.100.254 table 101
nsip rule add from 192.0.2.9 lookup 102 pref 1100
nsip route add default via 192.0.2.253 table 102
nsip rule add to 10.21.0.0/16 lookup 103 pref 1200
nsip route add 10.21.0.0/16 via 198.51.100.5 table 103
nsip rule add iif lo to 10.22.0.0/16 unreachable pref 1300
nsip rule add iif v1 to 10.22.0.0/16 prohibit pref 1301
nsip rule add oif v2 to 10.23.0.0/16 blackhole pref 1400
nsip rule add tos 0x10 to 10.24.0.0/16 lookup 100 pref 1500
nsip route add 10.24.0.0/16 via 198.51.100.6 table 100
nsip rule add ipproto tcp dport 80 to 10.25.0.0/16 lookup 100 pref 1600
nsip rule add sport 1000-2000 to 10.25.0.0/16 prohibit pref 1601
nsip route add 10.25.0.0/16 via 198.51.100.7 table 100
nsip rule add uidrange 100-200 to 10.26.0.0/16 lookup 100 pref 1700
nsip route add 10.26.0.0/16 via 198.51.100.8 table 100
nsip rule add not fwmark 3 to 10.27.0.0/16 lookup 100 pref 1800
nsip route add 10.27.0.0/16 via 198.51.100.9 table 100
nsip rule add to 10.28.0.0/16 goto 1950 pref 1900
nsip rule add to 10.28.0.0/16 unreachable pref 1901
nsip rule add to 10.28.0.0/16 lookup 100 pref 1950
nsip route add 10.28.0.0/16 via 198.51.100.10 table 100
nsip rule add to 10.29.0.0/16 goto 1990 pref 1980
nsip rule add to 10.29.0.0/16 prohibit pref 1981
nsip rule add to 10.30.0.0/16 nop pref 2000
nsip rule add to 10.30.0.0/16 lookup 999 pref 2001
nsip rule add to 10.31.0.0/16 lookup 100 pref 2100
nsip route add throw 10.31.0.0/16 table 100
nsip rule add lookup main suppress_prefixlength 0 pref 2200
nsip rule add to 10.32.0.0/16 lookup 104 pref 2300
nsip route add default via 198.51.100.11 table 104
nsip link set v2 group 5
nsip rule add to 10.33.0.0/16 lookup 100 suppress_ifgroup 5 pref 2400
nsip route add 10.33.0.0/16 via 198.51.100.12 table 100
nsip rule add iif vx lookup 100 pref 2500
nsip -6 rule add from 2001:db8::/64 lookup 100 pref 1000
nsip -6 route add 2001:db8:20::/48 via 2001:db8:2::9 table 100
nsip -6 rule add fwmark 7 lookup 101 pref 1001
nsip -6 route add default via 2001:db8:2::fe table 101
nsip -6 rule add tos 0x10 lookup 101 pref 1002
nsip -6 rule add to 2001:db8:21::/48 prohibit pref 1003
cat >"$Q" <<'EOF'
10.20.0.1
10.20.0.1 mark 7
10.20.0.1 mark 0x30
8.8.8.8 mark 0x10
8.8.8.8 from 192.0.2.9
10.21.1.1
10.22.0.1
10.22.0.1 from 192.0.2.2 iif v1
10.23.0.1 oif v2
10.23.0.1
10.24.0.1 tos 0x10
10.24.0.1 tos 0x11
10.24.0.1 tos 0x30
10.25.0.1 ipproto tcp dport 80
10.25.0.1 ipproto udp dport 80
10.25.0.1 sport 1500
10.25.0.1 dport 80
10.26.0.1 uid 150
10.26.0.1 uid 201
10.26.0.1
10.27.0.1
10.27.0.1 mark 3
10.28.0.1
10.29.0.1
10.30.0.1
10.31.0.1
10.32.0.1
8.8.8.8
10.33.0.1
10.33.0.1 oif v0
-6 2001:db8:20::1
-6 2001:db8:20::1 from 2001:db8::1
-6 2001:4860::1 mark 7
-6 2001:4860::1 tos 0x10
-6 2001:4860::1 tos 0x13
-6 2001:db8:21::1
EOF
phase "rules: every selector and action, goto, nop, missing table, throw, suppress"
nsip link add vx type veth peer name vy
phase "rule iif device appears"
nsip link del vx

nsip route add 10.40.0.0/16 nexthop via 192.0.2.2 weight 1 nexthop via 198.51.100.2 weight 3
nsip -6 route add 2001:db8:40::/48 nexthop via 2001:db8::2 nexthop via 2001:db8:2::2
nsip nexthop add id 1 via 192.0.2.2 dev v0
nsip nexthop add id 2 via 198.51.100.2 dev v2
nsip nexthop add id 3 via 2001:db8::2 dev v0
nsip nexthop add id 4 via 2001:db8:2::2 dev v2
nsip nexthop add id 5 blackhole
nsip -6 nexthop add id 6 blackhole
nsip nexthop add id 10 group 1/2
nsip nexthop add id 11 group 3/4
nsip nexthop add id 12 group 1/2 type resilient buckets 8
nsip route add 10.41.0.0/16 nhid 1
nsip route add 10.42.0.0/16 nhid 10
nsip route add 10.43.0.0/16 nhid 5
nsip route add 10.44.0.0/16 nhid 12
nsip -6 route add 2001:db8:41::/48 nhid 3
nsip -6 route add 2001:db8:42::/48 nhid 11
nsip -6 route add 2001:db8:43::/48 nhid 6
cat >"$Q" <<'EOF'
10.40.1.1
10.40.1.1 oif v2
10.41.1.1
10.42.1.1
10.42.1.1 oif v2
10.43.1.1
10.44.1.1
-6 2001:db8:40::1
-6 2001:db8:41::1
-6 2001:db8:42::1
-6 2001:db8:43::1
EOF
for pol in 0 1; do
	nsx sysctl -qw net.ipv4.fib_multipath_hash_policy=$pol net.ipv6.fib_multipath_hash_policy=$pol
	phase "multipath and nexthop objects, hash policy $pol (random seed: any live member)"
done
# With a known seed the member choice itself must agree.
nsip route add 10.45.0.0/16 nexthop via 192.0.2.2 weight 3 nexthop via 192.0.2.3 \
	nexthop via 198.51.100.2 weight 2 nexthop via 198.51.100.3
nsip -6 route add 2001:db8:45::/48 nexthop via 2001:db8::2 nexthop via 2001:db8::3 \
	nexthop via 2001:db8:2::2 nexthop via 2001:db8:2::3
for i in $(seq 1 200); do
	echo "10.45.$((i % 250)).$((i * 7 % 250)) from $(case $((i % 3)) in 0) echo 192.0.2.1 ;; 1) echo 192.0.2.9 ;; *) echo 198.51.100.1 ;; esac)"
	echo "10.45.$((i % 250)).$((i * 3 % 250)) ipproto tcp sport $((1000 + i)) dport 80"
	echo "-6 2001:db8:45::$i from 2001:db8::$((i % 9 + 1))"
	echo "-6 2001:db8:45::$i ipproto udp sport $((2000 + i)) dport 53"
	echo "10.40.$i.1"
	echo "-6 2001:db8:40::$i"
	echo "10.42.$i.1"
done >"$Q"
nsx sysctl -qw net.ipv4.fib_multipath_hash_seed=1234567
for pol in 0 1; do
	nsx sysctl -qw net.ipv4.fib_multipath_hash_policy=$pol net.ipv6.fib_multipath_hash_policy=$pol
	sleep 1.1 # sysctls are polled once a second
	EXACT_MULTIPATH=1 COUNT=0 phase "multipath member choice with a known seed, hash policy $pol"
done
nsx sysctl -qw net.ipv4.fib_multipath_hash_seed=0

nsx sysctl -qw net.ipv4.ip_forward=1
nsx sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.v0.rp_filter=0
cat >"$Q" <<'EOF'
10.20.0.1 from 192.0.2.2 iif v0
198.51.100.7 from 192.0.2.2 iif v0
192.0.2.7 from 192.0.2.2 iif v0
192.0.2.1 from 192.0.2.2 iif v0
192.0.2.255 from 192.0.2.2 iif v0
255.255.255.255 from 192.0.2.2 iif v0
224.0.0.1 from 192.0.2.2 iif v0
198.51.100.7 from 192.0.2.9 iif v0
198.51.100.7 from 127.0.0.1 iif v0
198.51.100.7 from 0.0.0.0 iif v0
127.0.0.1 from 192.0.2.2 iif v0
198.51.100.7 from 198.51.100.50 iif v0
198.51.100.7 from 8.8.8.8 iif v0
10.3.0.1 from 192.0.2.2 iif v0
-6 2001:db8:2::7 from 2001:db8::5 iif v0
-6 2001:db8::1 from 2001:db8::5 iif v0
-6 ::1 from 2001:db8::5 iif v0
-6 fe80::1 from fe80::2 iif v0
EOF
phase "input path, forwarding on, rp_filter 0"
nsx sysctl -qw net.ipv4.conf.all.rp_filter=1
phase "input path, rp_filter strict"
nsx sysctl -qw net.ipv4.conf.all.rp_filter=2
phase "input path, rp_filter loose"
nsx sysctl -qw net.ipv4.ip_forward=0 net.ipv4.conf.all.rp_filter=0
phase "input path, forwarding off"

nsx sysctl -qw net.ipv4.conf.v2.ignore_routes_with_linkdown=1
nsip link set v3 down
sleep 0.2
cat >"$Q" <<'EOF'
10.1.2.3
10.1.1.1
10.40.1.1
10.42.1.1
198.51.100.7
-6 2001:db8:2::7
-6 2001:db8:40::1
EOF
phase "carrier loss with ignore_routes_with_linkdown on one device"
nsip link set v3 up
nsip link set v0 down
sleep 0.2
phase "link admin down"
nsip link set v0 up
nsip addr add 2001:db8::1/64 dev v0 nodad
sleep 0.2
phase "link admin up"
nsip addr del 198.51.100.1/24 dev v2
phase "address removal"

# A device with no address at all: the kernel's source is 0.0.0.0, which
# `ip route get` does not print (RTA_PREFSRC only when it differs from the
# requested source).
nsip link add vn type veth peer name vm
nsip link set vn up
nsip link set vm up
nsip route add 100.64.0.0/16 dev vn
nsip route add 100.65.0.0/16 via 100.64.0.1 dev vn
cat >"$Q" <<'EOF'
100.64.1.1
100.65.1.1
100.64.1.1 oif vn
8.8.8.8 oif vn
100.64.1.1 from 192.0.2.9
EOF
phase "a device without addresses"
nsip link del vn

# A 100k-route table (BIG routes): overlapping prefixes of many lengths over
# several gateways and both devices, some with tos and metrics.
BIG=${GET_BIG:-100000}
python3 - "$BIG" >"$SOCKDIR/big.batch" <<'PY'
import random, sys
rnd = random.Random(4242)
gws = ["192.0.2.%d" % i for i in range(2, 60)] + ["198.51.100.%d" % i for i in range(2, 60)]
seen = set()
while len(seen) < int(sys.argv[1]):
    plen = rnd.choice([8, 12, 16, 18, 20, 22, 24, 24, 24, 24, 26, 28, 32])
    a = rnd.getrandbits(32) & (0xffffffff << (32 - plen)) & 0xffffffff
    if a >> 24 in (0, 10, 127, 192, 198, 203) or a >> 28 >= 14:
        continue
    p = "%d.%d.%d.%d/%d" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255, plen)
    if p in seen:
        continue
    seen.add(p)
    extra = rnd.choice(["", "", "", " metric 50", " tos 0x10"])
    print("route add %s via %s%s" % (p, rnd.choice(gws), extra))
PY
nsip addr add 198.51.100.1/24 dev v2 # removed by the previous phase
nsip -batch "$SOCKDIR/big.batch"
ok $? "$BIG routes loaded with ip -batch"
: >"$Q"
phase "a $BIG-route table"

# -batch: the same answers, in one process, as `ip -batch` gives them.
cat >"$Q" <<'EOF2'
8.8.8.8
192.0.2.1
192.0.2.255
10.1.2.3 tos 0x10
10.2.0.1
10.20.0.1 mark 7
10.26.0.1 uid 150
203.0.113.1 from 192.0.2.9
-6 2001:db8:10::1
-6 2001:db8:15::1 from 2001:db8:99::5
EOF2
sed 's/^-6 \(.*\)/get \1/; s/^\([^g]\)/get \1/' "$Q" >"$SOCKDIR/ours.batch"
sed 's/^get /route get /' "$SOCKDIR/ours.batch" >"$SOCKDIR/ip.batch"
# Standard output must be identical; the errors must be the same lines.
"$FM_BIN" -n "$NS" -force -batch "$SOCKDIR/ours.batch" >"$SOCKDIR/ours.out" 2>"$SOCKDIR/ours.err"
ip -n "$NS" -force -batch "$SOCKDIR/ip.batch" >"$SOCKDIR/ip.out" 2>"$SOCKDIR/ip.err"
sed -i 's|Command failed .*:|Command failed FILE:|' "$SOCKDIR/ours.err" "$SOCKDIR/ip.err"
cat "$SOCKDIR/ours.err" >>"$SOCKDIR/ours.out"
cat "$SOCKDIR/ip.err" >>"$SOCKDIR/ip.out"
diff "$SOCKDIR/ours.out" "$SOCKDIR/ip.out" >"$SOCKDIR/batch.diff"
rc=$?
[ $rc -eq 0 ] || diag "$(head -20 "$SOCKDIR/batch.diff")"
ok $rc "-batch output equals ip -batch output ($(wc -l <"$SOCKDIR/ours.out") lines)"

# The batch above went through the daemon, in chunks. The same batch run on
# the spot must print the same; a batch of many chunks must number its
# failing lines and stop at the first one without -force, through the daemon
# as on the spot; a relative "save" is the client's; "stats" shows the
# daemon's event count, which a fresh mirror would not have.
"$FM_BIN" -n "$NS" --no-daemon -force -batch "$SOCKDIR/ours.batch" >"$SOCKDIR/local.out" 2>"$SOCKDIR/local.err"
sed -i 's|Command failed .*:|Command failed FILE:|' "$SOCKDIR/local.err"
cat "$SOCKDIR/local.err" >>"$SOCKDIR/local.out"
cmp -s "$SOCKDIR/local.out" "$SOCKDIR/ours.out"
ok $? "-batch on the spot prints what the daemon printed"
python3 - "$SOCKDIR/many.batch" <<'PY'
import random, sys
rnd = random.Random(77)
with open(sys.argv[1], "w") as f:
    for i in range(1, 30001):
        if i in (9001, 17777, 29999):
            f.write("get 1.2.3.4.5\n")
        elif i % 1000 == 0:
            f.write("# comment\n" if i % 2000 else "\n")
        else:
            f.write("get %d.%d.%d.%d\n" % (rnd.randrange(1, 224), rnd.randrange(256), rnd.randrange(256), rnd.randrange(1, 255)))
PY
# Which random lines fail depends on the tables the phases above left; the
# injected ones always do. On the spot is the reference.
for force in -force ""; do
	"$FM_BIN" -n "$NS" $force -batch "$SOCKDIR/many.batch" >"$SOCKDIR/d.out" 2>"$SOCKDIR/d.err"
	drc=$?
	"$FM_BIN" -n "$NS" --no-daemon $force -batch "$SOCKDIR/many.batch" >"$SOCKDIR/l.out" 2>"$SOCKDIR/l.err"
	lrc=$?
	failed=$(grep -c '^Command failed' "$SOCKDIR/d.err")
	if [ -n "$force" ]; then
		first=$(grep -m1 '^Command failed' "$SOCKDIR/d.err")
		grep -q "many.batch:9001$" "$SOCKDIR/d.err" && grep -q "many.batch:17777$" "$SOCKDIR/d.err" &&
			grep -q "many.batch:29999$" "$SOCKDIR/d.err"
	else
		[ "$failed" -eq 1 ] && [ "$(grep '^Command failed' "$SOCKDIR/d.err")" = "$first" ]
	fi
	rc=$?
	[ $rc -eq 0 ] && [ $drc -eq 1 ] && [ $lrc -eq 1 ] && cmp -s "$SOCKDIR/d.out" "$SOCKDIR/l.out" &&
		cmp -s "$SOCKDIR/d.err" "$SOCKDIR/l.err"
	rc=$?
	[ $rc -eq 0 ] || diag "status $drc/$lrc, $failed failed, first: $(grep -m1 '^Command failed' "$SOCKDIR/d.err")"
	ok $rc "-batch ${force:-without -force} of 30000 lines through the daemon: $(grep -c ' dev ' "$SOCKDIR/d.out") answers, $failed failed lines, as on the spot"
done
printf 'save fm-batch-save.snap\nstats\n' >"$SOCKDIR/save.batch"
rm -f "$SOCKDIR/fm-batch-save.snap"
(cd "$SOCKDIR" && "$FM_BIN" -n "$NS" -batch save.batch) >"$SOCKDIR/save.out"
[ -s "$SOCKDIR/fm-batch-save.snap" ] && daemon_alive &&
	awk '$1 == "events" { exit !($2 > 0) }' "$SOCKDIR/save.out"
ok $? "-batch served by the daemon (events $(awk '$1 == "events" {print $2}' "$SOCKDIR/save.out")), a relative save lands in the client's directory"
# The daemon answers every client's `get` through one flow cache; the batches
# above asked it the same 9000 flows twice, so it hit (or, the flows being
# random, its bypass took them), and `stats` shows its counters.
s=$(fm -j stats)
hits=$(stat_from "$s" cache_out_hit) slow=$(stat_from "$s" cache_out_slow) byp=$(stat_from "$s" cache_bypassed)
[ "$(stat_from "$s" caches)" = 1 ] && [ "${slow:-0}" -gt 0 ] && [ $((${hits:-0} + ${byp:-0})) -gt 0 ]
ok $? "the daemon's gets go through its flow cache ($hits hits, $slow misses, $byp bypassed)"
finish
