#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The live mirror against the kernel: for every kind of change, the daemon's
# mirror equals a fresh kernel dump at once (`fibmirror verify`, issued right
# after the change), and no resync was needed to get there.
set -u
. "$(dirname "$0")/lib.sh"

N4=${N4:-100000}
N6=${N6:-20000}
B=$SOCKDIR/batch

setup() {
	nsip link set lo up
	add_veth v0 v1
	add_veth v2 v3
	nsip addr add 192.0.2.1/24 dev v0
	nsip addr add 198.51.100.1/24 dev v2
	nsip addr add 2001:db8::1/64 dev v0 nodad
	nsip addr add 2001:db8:2::1/64 dev v2 nodad
	sleep 0.2
}

# check DESC: verify right after a change; time it; no resync allowed.
check() {
	local t0 t1 out rc
	t0=$(now)
	out=$(fm verify 2>&1)
	rc=$?
	daemon_alive || { rc=1; out="daemon died: $(cat "$SOCKDIR/daemon.log")"; }
	t1=$(now)
	[ $rc -eq 0 ] || diag "$out"
	ok $rc "$1 (verify $(python3 -c "print(round(($t1-$t0)*1000))") ms)"
}

gen() { # gen OP COUNT FAMILY SUFFIX -> batch file
	python3 - "$@" >"$B" <<'PY'
import sys
op, n, fam, suf = sys.argv[1], int(sys.argv[2]), sys.argv[3], " ".join(sys.argv[4:])
for i in range(n):
    if fam == "4":
        print(f"route {op} 10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}/32 {suf}")
    else:
        print(f"route {op} 2001:db8:100:{i >> 16:x}:{i & 0xffff:x}::/80 {suf}")
PY
}

setup
start_daemon

gen add "$N4" 4 via 192.0.2.2 && nsip -batch "$B" && gen add "$N6" 6 via 2001:db8::2 &&
	nsip -batch "$B"
check "add $N4 IPv4 + $N6 IPv6 routes with ip -batch"
gen replace "$N4" 4 via 198.51.100.2 && nsip -batch "$B" &&
	gen replace "$N6" 6 via 2001:db8:2::2 && nsip -batch "$B"
check "replace them all"
gen append 20000 4 via 192.0.2.3 && nsip -batch "$B" &&
	gen append 5000 6 via 2001:db8:2::3 && nsip -batch "$B"
check "append alternatives (IPv4) and ECMP siblings (IPv6)"
gen prepend 20000 4 via 192.0.2.4 metric 0 && nsip -batch "$B"
check "prepend"
gen del "$N4" 4 && nsip -batch "$B" 2>/dev/null
gen del "$N4" 4 && nsip -batch "$B" 2>/dev/null
gen del "$N4" 4 && nsip -batch "$B" 2>/dev/null
gen del "$N6" 6 && nsip -batch "$B" 2>/dev/null
check "delete them all"

nsip route add 10.9.0.0/16 nexthop via 192.0.2.2 weight 1 nexthop via 198.51.100.2 weight 3
nsip -6 route add 2001:db8:9::/48 nexthop via 2001:db8::2 nexthop via 2001:db8:2::2
check "IPv4 and IPv6 multipath add"
nsip -6 route del 2001:db8:9::/48 via 2001:db8::2
nsip route replace 10.9.0.0/16 nexthop via 198.51.100.2 weight 2
check "per-member delete (IPv6) and member removal by replace (IPv4)"
nsip -6 route append 2001:db8:9::/48 via 2001:db8::5
nsip route add 10.10.0.0/16 nexthop via 192.0.2.2 nexthop via 198.51.100.2
nsip -6 route add 2001:db8:10::/48 nexthop via 2001:db8::2 nexthop via 2001:db8:2::2
nsip route add 10.11.0.0/16 via 192.0.2.2 table 100
nsip route add 10.12.0.0/16 via 198.51.100.2 table 200 metric 5
nsip -6 route add 2001:db8:11::/48 via 2001:db8::2 table 100
nsip route add blackhole 10.13.0.0/16 table 100
nsip route add unreachable 10.14.0.0/16
nsip route add prohibit 10.15.0.0/16 table 300
nsip route add 10.16.0.0/16 via 192.0.2.2 tos 0x10
nsip route add 10.17.0.0/16 via 192.0.2.2 mtu 1400 advmss 1360
nsip -6 route add 2001:db8:12::/48 from 2001:db8:99::/64 via 2001:db8::2
nsip -6 route add 2001:db8:13::/48 via 2001:db8::2 pref high
check "routes in several tables, types, tos, metrics, source-specific"

nsip link set v0 down
check "link admin down (silent IPv4 flush, dead multipath members)"
nsip link set v0 up
nsip addr add 2001:db8::1/64 dev v0 nodad # IPv6 drops addresses on down
sleep 0.1
check "link admin up"
nsip link set v1 down
sleep 0.1
check "carrier loss (veth peer down)"
nsip link set v1 up
sleep 0.1
check "carrier back"

nsip route add 10.20.0.0/16 via 198.51.100.2
nsip route add 10.21.0.0/16 via 198.51.100.2 src 198.51.100.1
nsip addr add 198.51.100.7/24 dev v2
nsip addr del 198.51.100.1/24 dev v2
check "primary address removed, secondary promoted or not"
nsip addr flush dev v2 scope global
check "removal of a device's last IPv4 address"
nsip addr add 198.51.100.1/24 dev v2
nsip addr add 2001:db8:2::1/64 dev v2 nodad
sleep 0.1
check "addresses back"

nsip nexthop add id 1 via 192.0.2.2 dev v0
nsip nexthop add id 2 via 198.51.100.2 dev v2
nsip nexthop add id 3 via 2001:db8::2 dev v0
nsip nexthop add id 4 via 2001:db8:2::2 dev v2
nsip nexthop add id 10 group 1/2
nsip nexthop add id 11 group 3/4
nsip nexthop add id 12 blackhole
nsip route add 10.30.0.0/16 nhid 1
nsip route add 10.31.0.0/16 nhid 10
nsip -6 route add 2001:db8:30::/48 nhid 11
nsip route add 10.32.0.0/16 nhid 12
check "nexthop objects, groups and routes using them"
nsip nexthop replace id 1 via 192.0.2.9 dev v0
check "nexthop object replace"
nsip nexthop del id 2
check "nexthop delete: group shrink, routes gone"
nsip link set v0 down
check "link down flushes nexthop objects and their routes"
nsip link set v0 up
sleep 0.1

nsip rule add fwmark 7 lookup 100
nsip rule add from 10.0.0.0/8 iif vx lookup 200 pref 500
nsip rule add to 10.1.0.0/16 oif vy table 100
nsip -6 rule add from 2001:db8::/32 lookup 100
nsip rule add not fwmark 0x1/0x1 table 200 suppress_prefixlength 0
nsip rule add pref 100 goto 600
check "rules: selectors, detached iif/oif, unresolved goto"
nsip link add vx type veth peer name vy
check "rule devices appear (attach)"
nsip rule add pref 600 lookup 300
check "goto resolved"
nsip link del vx
check "rule devices disappear (detach)"
nsip rule del fwmark 7 lookup 100
nsip -6 rule del from 2001:db8::/32 lookup 100
check "rule delete"

nsip link del v2
check "device unregister"

ok "$([ "$(stat_of resyncs)" -eq 0 ] && echo 0 || echo 1)" "no resync was needed ($(stat_of events) events, $(stat_of implicit) implicit changes)"
finish
