#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Regenerate routes-1000.save: an `ip route save` file of ~1000 routes of both
# families, made in a throwaway network namespace. Needs root (or CAP_NET_ADMIN
# and CAP_SYS_ADMIN for `ip netns`). The committed file was made with
# iproute2 6.1.0 on Linux 6.18 x86_64 (little-endian: the magic is 24 12 31 45).
#
# `ip route save` writes the 4-byte magic and then the RTM_NEWROUTE messages of
# one family's dump; the IPv6 dump is appended without its own magic, so the
# file is one magic followed by IPv4 then IPv6 messages.
#
# Contents: 2 veth pairs; in table main 600 IPv4 /24s via a gateway, 100 with a
# second metric (aliases), 50 blackhole/unreachable/prohibit, 20 ECMP routes,
# routes with src, tos, mtu and advmss metrics, onlink; 200 IPv6 /48s, 10 IPv6
# ECMP routes, IPv6 reject routes; plus table 100 (via `table all`).
#
# Also writes routes-1000.txt next to it: `ip route show table all` of both
# families, the same routes as text (a test input for the text-list reader).
#
# Usage: sh make-savefile.sh [output]   (default: routes-1000.save here)
set -eu

out=${1:-$(dirname "$0")/routes-1000.save}
ns=fm-savefile-$$
ip netns add "$ns"
trap 'ip netns del "$ns"' EXIT
n() { ip -n "$ns" "$@"; }

n link add v0 type veth peer name v1
n link add v2 type veth peer name v3
for d in lo v0 v1 v2 v3; do n link set "$d" up; done
n addr add 192.0.2.1/24 dev v0
n addr add 198.51.100.1/24 dev v2
n -6 addr add 2001:db8:1::1/64 dev v0 nodad
n -6 addr add 2001:db8:2::1/64 dev v2 nodad

batch=$(mktemp)
trap 'rm -f "$batch"; ip netns del "$ns"' EXIT
{
	i=0
	while [ $i -lt 600 ]; do
		echo "route add 10.$((i / 256)).$((i % 256)).0/24 via 192.0.2.$((2 + i % 200)) dev v0 proto static"
		i=$((i + 1))
	done
	i=0
	while [ $i -lt 100 ]; do
		echo "route add 10.$((i / 256)).$((i % 256)).0/24 via 198.51.100.2 dev v2 metric 200"
		i=$((i + 1))
	done
	i=0
	while [ $i -lt 50 ]; do
		case $((i % 3)) in
		0) t=blackhole ;;
		1) t=unreachable ;;
		*) t=prohibit ;;
		esac
		echo "route add $t 172.16.$i.0/24"
		i=$((i + 1))
	done
	i=0
	while [ $i -lt 20 ]; do
		echo "route add 172.17.$i.0/24 nexthop via 192.0.2.254 dev v0 weight $((1 + i)) nexthop via 198.51.100.254 dev v2"
		i=$((i + 1))
	done
	echo "route add 172.18.0.0/16 via 192.0.2.254 src 192.0.2.1 mtu 1400 advmss 1360"
	echo "route add 172.19.0.0/16 tos 0x10 via 192.0.2.254"
	echo "route add 172.19.0.0/16 via 198.51.100.254"
	echo "route add 172.20.0.0/16 via 203.0.113.1 dev v0 onlink"
	echo "route add default via 192.0.2.254 metric 50"
	i=0
	while [ $i -lt 30 ]; do
		echo "route add 100.64.$i.0/24 via 192.0.2.9 table 100"
		i=$((i + 1))
	done
	i=0
	while [ $i -lt 200 ]; do
		printf 'route add 2001:db8:%x::/48 via 2001:db8:1::%x dev v0 proto bgp\n' $((0x100 + i)) $((2 + i % 100))
		i=$((i + 1))
	done
	i=0
	while [ $i -lt 10 ]; do
		printf 'route add 2001:db8:f%x::/48 nexthop via 2001:db8:1::fe dev v0 nexthop via 2001:db8:2::fe dev v2\n' $i
		i=$((i + 1))
	done
	echo "route add unreachable 2001:db8:dead::/48"
	echo "route add blackhole 2001:db8:beef::/48 metric 10"
	echo "route add 2001:db8:cafe::/48 via 2001:db8:1::fe metric 2048 pref high"
} >"$batch"
ip -n "$ns" -batch "$batch"

tmp6=$(mktemp)
trap 'rm -f "$batch" "$tmp6"; ip netns del "$ns"' EXIT
n -4 route save table all >"$out"
n -6 route save table all >"$tmp6"
tail -c +5 "$tmp6" >>"$out"
txt=${out%.save}.txt
n -4 route show table all >"$txt"
n -6 route show table all >>"$txt"
echo "$out: $(n -4 route show table all | grep -vc '^	') IPv4 + $(n -6 route show table all | grep -vc '^	') IPv6 routes, $(wc -c <"$out") bytes"
