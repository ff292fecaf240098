#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test_forge.sh - forged route messages sent by a privileged process to the
# daemon's sockets change nothing and are counted (reliability.md 4.1, goal B3).
#
# Usage: test_forge.sh PATH_TO_FIBMIRROR PATH_TO_FORGE [COUNT]
#
# A namespace with a veth pair, addresses and a few routes, served by the
# daemon (lib.sh). forge (forge.c) then sends COUNT (default 100000) forged
# RTM_NEWROUTE / RTM_DELROUTE datagrams from a root process, alternating
# unicast to every rtnetlink port of the namespace and multicast to
# RTNLGRP_IPV4_ROUTE.
# The daemon's sockets are connected to the kernel, which refuses forged
# unicast; every delivered datagram must be counted as foreign (all of them
# when the daemon saw no overrun, since multicast is then lossless too), verify
# finds the mirror equal to the kernel, neither the mirror nor the kernel holds
# a forged prefix, and the daemon is still running.
#
# TAP on stdout. Exit 0 pass, 1 fail, 77 skip (not root, no netns support).
set -u
# Checked before lib.sh, which would otherwise make a namespace first.
FORGE=${2:?usage: $0 PATH_TO_FIBMIRROR PATH_TO_FORGE [COUNT]}
COUNT=${3:-100000}
. "$(dirname "$0")/lib.sh"

# A broken set-up must fail the test, not let forge run against it.
set -e
nsip link set lo up
add_veth v0 v1 10.0.0.1/24 10.0.1.1/24
nsip route add 10.10.0.0/16 via 10.0.0.2
nsip route add 10.20.0.0/16 via 10.0.1.2 metric 20
nsip route add 10.30.0.0/24 dev v0 proto static
nsip route add blackhole 10.40.0.0/16
set +e

start_daemon

before=$(stat_of foreign)
ok $? "daemon answers stats (foreign before: $before)"

t0=$(now)
out=$("$FORGE" "$NS" "$COUNT")
rc=$?
t1=$(now)
echo "$out" | grep '^#'
diag "forge took $(echo "$t1 - $t0" | bc) s"
# shellcheck disable=SC2046 # split into words on purpose
set -- $(echo "$out" | grep '^forge:')
# forge: ports P unicast U multicast M refused R stalled S failed F
ports=${3:-0} unicast=${5:-0} multicast=${7:-0} refused=${9:-0} stalled=${11:-0} sendfail=${13:-0}
diag "forge: $ports ports, unicast $unicast, multicast $multicast, refused $refused," \
	"stalled $stalled, failed $sendfail"
# The mirror's sockets are connect()ed to the kernel, so the kernel refuses
# forged unicast (ECONNREFUSED to the sender); multicast cannot be refused and
# must be dropped and counted by the mirror.
[ $rc = 0 ] && [ "$ports" -ge 1 ] && [ $((unicast + refused)) -gt 0 ] && [ "$sendfail" = 0 ] &&
	[ $((unicast + multicast + refused + stalled)) = "$COUNT" ]
ok $? "forged $COUNT datagrams to $ports port(s): $refused unicast refused by the kernel (sockets connected), $unicast unicast and $multicast multicast delivered"

# verify first: its dump also drains forged datagrams queued on the daemon's
# request socket, which are counted there.
fm verify >"$SOCKDIR/verify.out" 2>&1
rc=$?
[ $rc != 0 ] && sed 's/^/# /' "$SOCKDIR/verify.out"
ok $rc "verify: mirror equals kernel"

# Let the daemon catch up: wait until the counter stops moving.
prev=-1
cur=$(stat_of foreign)
i=0
while [ "$cur" != "$prev" ] && [ $i -lt 50 ]; do
	sleep 0.2
	prev=$cur
	cur=$(stat_of foreign)
	i=$((i + 1))
done
foreign=$((cur - before))
overruns=$(stat_of overruns)
resyncs=$(stat_of resyncs)
sent=$((unicast + multicast))
diag "daemon: foreign $foreign (of $sent delivered sends), overruns $overruns, resyncs $resyncs"
if [ "$overruns" = 0 ]; then
	[ "$foreign" -ge "$sent" ]
	ok $? "foreign $foreign >= all $sent forged datagrams sent (no overrun)"
else
	[ "$foreign" -ge "$unicast" ]
	ok $? "foreign $foreign >= $unicast unicast datagrams ($overruns overruns: multicast may drop)"
fi

fm show route table all >"$SOCKDIR/show.out" 2>&1
! grep -Eq '^(203\.0\.113\.|198\.1[89]\.)' "$SOCKDIR/show.out" &&
	grep -q '^local 127\.0\.0\.0/8 dev lo' "$SOCKDIR/show.out" &&
	grep -q '^10\.10\.0\.0/16 via 10\.0\.0\.2' "$SOCKDIR/show.out"
ok $? "mirror: no forged prefix, local 127.0.0.0/8 kept, real routes present"

nsip route show table all >"$SOCKDIR/kernel.out" 2>&1
! grep -Eq '^(203\.0\.113\.|198\.1[89]\.)' "$SOCKDIR/kernel.out" &&
	grep -q '^local 127\.0\.0\.0/8 dev lo' "$SOCKDIR/kernel.out"
ok $? "kernel: unchanged by the forged datagrams"

daemon_alive
ok $? "daemon still running"
finish
