#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The mirror needs no privileges: as an unprivileged user (no capabilities,
# so SO_RCVBUFFORCE is refused and SO_RCVBUF is used) it dumps, subscribes,
# follows changes and verifies equal.
set -u
. "$(dirname "$0")/lib.sh"
command -v setpriv >/dev/null || skip "setpriv (util-linux) not installed"

nsip link set lo up
add_veth v0 v1 192.0.2.1/24
nsip route add 10.1.0.0/16 via 192.0.2.2
nsip nexthop add id 1 via 192.0.2.2 dev v0
nsip rule add fwmark 3 table 100

asuser() {
	ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all --bounding-set=-all -- "$FM_BIN" --no-daemon "$@"
}

out=$(asuser verify 2>&1)
ok $? "unprivileged verify: $out"
out=$(asuser -j stats)
rcv=$(stat_from "$out" rcvbuf)
ok "$([ "$rcv" -gt 0 ] && echo 0 || echo 1)" "unprivileged event socket buffer: $rcv bytes (SO_RCVBUF, capped by rmem_max)"
ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	--bounding-set=-all -- "$FM_BIN" --no-daemon -j monitor route >"$SOCKDIR/mon" 2>&1 &
MON=$!
sleep 0.3
nsip route add 10.2.0.0/16 via 192.0.2.2
sleep 0.3
kill $MON
wait $MON 2>/dev/null
grep -q '"dst":"10.2.0.0/16"' "$SOCKDIR/mon"
ok $? "unprivileged monitor sees a new route"
finish
