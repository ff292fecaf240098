#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test_forge.sh - forged route messages sent by a privileged process to the
# daemon's sockets change nothing and are counted (reliability.md 4.1, goal B3).
#
# Usage: test_forge.sh PATH_TO_FIBMIRROR PATH_TO_FORGE [COUNT]
#
# A namespace with a veth pair, addresses and a few routes; `fibmirror -n NS
# daemon` serves it from a private socket directory (FIBMIRROR_SOCKET_DIR).
# forge (forge.c) then sends COUNT (default 100000) forged RTM_NEWROUTE /
# RTM_DELROUTE datagrams from a root process, alternating unicast to every
# rtnetlink port of the namespace and multicast to RTNLGRP_IPV4_ROUTE.
# The daemon's sockets are connected to the kernel, which refuses forged
# unicast; every delivered datagram must be counted as foreign (all of them
# when the daemon saw no overrun, since multicast is then lossless too), verify
# finds the mirror equal to the kernel, neither the mirror nor the kernel holds
# a forged prefix, and the daemon is still running.
#
# TAP on stdout. Exit 0 pass, 1 fail, 77 skip (not root, no netns support).

FM=$1
FORGE=$2
COUNT=${3:-100000}

if [ -z "$FM" ] || [ -z "$FORGE" ]; then
	echo "Usage: $0 PATH_TO_FIBMIRROR PATH_TO_FORGE [COUNT]" >&2
	exit 2
fi
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP not root"
	exit 77
fi

NS=fmforge-$$
SOCKDIR=
DPID=
n=0
failed=0

# shellcheck disable=SC2317 # called from the trap
cleanup() {
	if [ -n "$DPID" ]; then
		kill "$DPID" 2>/dev/null
		wait "$DPID" 2>/dev/null
	fi
	ip netns del "$NS" 2>/dev/null
	[ -n "$SOCKDIR" ] && rm -rf "$SOCKDIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=1
	fi
}

# stats FIELD: one counter from the daemon's JSON stats.
stats() {
	"$FM" -n "$NS" -j stats | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"
}

if ! ip netns add "$NS" 2>/dev/null; then
	echo "1..0 # SKIP cannot create a network namespace"
	exit 77
fi
SOCKDIR=$(mktemp -d /tmp/fmforge.XXXXXX) || exit 1
export FIBMIRROR_SOCKET_DIR="$SOCKDIR"

set -e
ip -n "$NS" link set lo up
ip -n "$NS" link add v0 type veth peer name v1
ip -n "$NS" addr add 10.0.0.1/24 dev v0
ip -n "$NS" addr add 10.0.1.1/24 dev v1
ip -n "$NS" link set v0 up
ip -n "$NS" link set v1 up
ip -n "$NS" route add 10.10.0.0/16 via 10.0.0.2
ip -n "$NS" route add 10.20.0.0/16 via 10.0.1.2 metric 20
ip -n "$NS" route add 10.30.0.0/24 dev v0 proto static
ip -n "$NS" route add blackhole 10.40.0.0/16
set +e

"$FM" -n "$NS" daemon 2>"$SOCKDIR/daemon.log" &
DPID=$!
SOCK="$SOCKDIR/net-$(stat -L -c %i "/run/netns/$NS").sock"
i=0
while [ ! -S "$SOCK" ] && [ $i -lt 100 ] && kill -0 "$DPID" 2>/dev/null; do
	sleep 0.05
	i=$((i + 1))
done
if [ ! -S "$SOCK" ]; then
	echo "Bail out! daemon did not create $SOCK"
	cat "$SOCKDIR/daemon.log" >&2
	exit 1
fi

echo "1..7"
before=$(stats foreign)
ok $? "daemon answers stats (foreign before: $before)"

t0=$(date +%s.%N)
out=$("$FORGE" "$NS" "$COUNT")
rc=$?
t1=$(date +%s.%N)
echo "$out" | grep '^#'
echo "# forge took $(echo "$t1 - $t0" | bc) s"
# shellcheck disable=SC2046 # split into words on purpose
set -- $(echo "$out" | grep '^forge:')
# forge: ports P unicast U multicast M refused R stalled S failed F
ports=${3:-0} unicast=${5:-0} multicast=${7:-0} refused=${9:-0} stalled=${11:-0} sendfail=${13:-0}
echo "# forge: $ports ports, unicast $unicast, multicast $multicast, refused $refused," \
	"stalled $stalled, failed $sendfail"
# The mirror's sockets are connect()ed to the kernel, so the kernel refuses
# forged unicast (ECONNREFUSED to the sender); multicast cannot be refused and
# must be dropped and counted by the mirror.
[ $rc = 0 ] && [ "$ports" -ge 1 ] && [ $((unicast + refused)) -gt 0 ] && [ "$sendfail" = 0 ] &&
	[ $((unicast + multicast + refused + stalled)) = "$COUNT" ]
ok $? "forged $COUNT datagrams to $ports port(s): $refused unicast refused by the kernel (sockets connected), $unicast unicast and $multicast multicast delivered"

# verify first: its dump also drains forged datagrams queued on the daemon's
# request socket, which are counted there.
"$FM" -n "$NS" verify >"$SOCKDIR/verify.out" 2>&1
rc=$?
[ $rc != 0 ] && sed 's/^/# /' "$SOCKDIR/verify.out"
ok $rc "verify: mirror equals kernel"

# Let the daemon catch up: wait until the counter stops moving.
prev=-1
cur=$(stats foreign)
i=0
while [ "$cur" != "$prev" ] && [ $i -lt 50 ]; do
	sleep 0.2
	prev=$cur
	cur=$(stats foreign)
	i=$((i + 1))
done
foreign=$((cur - before))
overruns=$(stats overruns)
resyncs=$(stats resyncs)
sent=$((unicast + multicast))
echo "# daemon: foreign $foreign (of $sent delivered sends), overruns $overruns, resyncs $resyncs"
if [ "$overruns" = 0 ]; then
	[ "$foreign" -ge "$sent" ]
	ok $? "foreign $foreign >= all $sent forged datagrams sent (no overrun)"
else
	[ "$foreign" -ge "$unicast" ]
	ok $? "foreign $foreign >= $unicast unicast datagrams ($overruns overruns: multicast may drop)"
fi

"$FM" -n "$NS" show route table all >"$SOCKDIR/show.out" 2>&1
! grep -Eq '^(203\.0\.113\.|198\.1[89]\.)' "$SOCKDIR/show.out" &&
	grep -q '^local 127\.0\.0\.0/8 dev lo' "$SOCKDIR/show.out" &&
	grep -q '^10\.10\.0\.0/16 via 10\.0\.0\.2' "$SOCKDIR/show.out"
ok $? "mirror: no forged prefix, local 127.0.0.0/8 kept, real routes present"

ip -n "$NS" route show table all >"$SOCKDIR/kernel.out" 2>&1
! grep -Eq '^(203\.0\.113\.|198\.1[89]\.)' "$SOCKDIR/kernel.out" &&
	grep -q '^local 127\.0\.0\.0/8 dev lo' "$SOCKDIR/kernel.out"
ok $? "kernel: unchanged by the forged datagrams"

kill -0 "$DPID" 2>/dev/null
ok $? "daemon still running"

exit $failed
