#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The silent-change matrix beyond test_sync.sh: promote_secondaries,
# nexthop_compat_mode=0 (no per-route messages on nexthop replace/delete) and
# skip_notify_on_dev_down=1 (no IPv6 route deletes on link down/unregister).
# The daemon's mirror must equal a fresh dump right after each change.
set -u
. "$(dirname "$0")/lib.sh"
add_veth v0 v1 192.0.2.1/24
add_veth v2 v3 198.51.100.1/24
nsip addr add 2001:db8::1/64 dev v0 nodad
nsip addr add 2001:db8:2::1/64 dev v2 nodad
settle_dad
start_daemon
chk() { out=$(fm verify 2>&1); rc=$?; [ $rc -eq 0 ] || diag "$out"; ok $rc "$1"; }
ip netns exec "$NS" sysctl -qw net.ipv4.conf.v0.promote_secondaries=1
nsip addr add 192.0.2.7/24 dev v0
nsip addr add 192.0.2.8/24 dev v0
nsip route add 10.1.0.0/16 via 192.0.2.2 src 192.0.2.7
nsip addr del 192.0.2.1/24 dev v0
chk "promote_secondaries"
ip netns exec "$NS" sysctl -qw net.ipv4.nexthop_compat_mode=0
nsip nexthop add id 1 via 198.51.100.2 dev v2
nsip route add 10.2.0.0/16 nhid 1
nsip -6 route add 2001:db8:5::/48 nhid 1 2>/dev/null
nsip nexthop add id 3 via 2001:db8:2::2 dev v2
nsip -6 route add 2001:db8:6::/48 nhid 3
nsip nexthop replace id 1 via 198.51.100.3 dev v2
chk "compat_mode=0 nexthop replace"
nsip nexthop del id 3
chk "compat_mode=0 nexthop delete (IPv6 routes silently?)"
ip netns exec "$NS" sysctl -qw net.ipv6.route.skip_notify_on_dev_down=1
nsip -6 route add 2001:db8:7::/48 via 2001:db8:2::2
nsip -6 route add 2001:db8:8::/48 nexthop via 2001:db8:2::2 nexthop via 2001:db8::2
nsip link set v2 down
chk "skip_notify_on_dev_down=1, link down"
nsip link set v2 up
nsip addr add 2001:db8:2::1/64 dev v2 nodad
chk "link up"
nsip link del v2
chk "unregister with skip_notify"
# Linkwatch reports carrier changes late (a bridge's at most once a second)
# and merges an off and an on that come close into one notice of the final
# state, which the kernel applies whatever came before (NETDEV_CHANGE:
# linkdown set or cleared on every hop, nexthop objects flushed). Routes added
# in between arrive with the flag of the moment: port down-route-up leaves
# routes announced linkdown on a bridge whose carrier never visibly left;
# port up-route-down leaves nexthop objects and unflagged routes on one whose
# carrier never visibly came back. The mirror must agree after both.
nsip link add br0 type bridge
add_veth v4 v5
nsip link set v4 master br0
nsip link set br0 up
nsip addr add 203.0.113.1/24 dev br0
nsip addr add 2001:db8:b::1/64 dev br0 nodad
for i in $(seq 1 40); do
	printf 'link set v5 down\nroute add 10.9.%d.0/24 via 203.0.113.2 dev br0\n' "$i"
	printf 'route add 2001:db8:9:%x::/64 via 2001:db8:b::2 dev br0\nlink set v5 up\n' "$i"
done >"$SOCKDIR/flap-on.batch"
nsip -force -batch "$SOCKDIR/flap-on.batch" >/dev/null 2>&1
sleep 1.2 # linkwatch's notice of the final state
chk "carrier off and on merged by linkwatch (routes added between)"
for i in $(seq 1 40); do
	printf 'link set v5 up\nroute add 10.10.%d.0/24 via 203.0.113.2 dev br0\n' "$i"
	printf 'nexthop add id %d via 203.0.113.2 dev br0\nroute add 10.11.%d.0/24 nhid %d\n' \
		"$((100 + i))" "$i" "$((100 + i))"
	printf 'route add 2001:db8:a:%x::/64 via 2001:db8:b::2 dev br0\nlink set v5 down\n' "$i"
done >"$SOCKDIR/flap-off.batch"
nsip -force -batch "$SOCKDIR/flap-off.batch" >/dev/null 2>&1
sleep 1.2
chk "carrier on and off merged by linkwatch (routes, nexthops added between)"
nsip link set v5 up
sleep 1.2
chk "carrier back"
echo "# stats: $(fm -j stats)"
finish
