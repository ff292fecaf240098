#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `fibmirror -j monitor` through the daemon: one JSON object per line with
# "event" and "kind", and the changes the kernel made without a message
# (IPv4 routes flushed on link down) marked "implicit".
set -u
. "$(dirname "$0")/lib.sh"
OUT=$SOCKDIR/monitor.out

nsip link set lo up
add_veth v0 v1 192.0.2.1/24
sleep 0.2
start_daemon
"$FM_BIN" -n "$NS" -j monitor route link >"$OUT" &
MON=$!
sleep 0.3
nsip route add 10.1.0.0/16 via 192.0.2.2
nsip route replace 10.1.0.0/16 via 192.0.2.3
nsip route add 10.2.0.0/16 via 192.0.2.2
nsip route del 10.2.0.0/16
nsip link set v0 down
sleep 0.5
kill $MON 2>/dev/null
wait $MON 2>/dev/null

has() { python3 - "$OUT" "$@" <<'PY'
import json, sys
want = dict(a.split("=", 1) for a in sys.argv[2:])
for line in open(sys.argv[1]):
    o = json.loads(line)
    if all(str(o.get(k)).lower() == v.lower() for k, v in want.items()):
        sys.exit(0)
sys.exit(1)
PY
}

python3 -c "import json,sys; [json.loads(l) for l in open('$OUT')]" 2>/dev/null
ok $? "every line is one JSON object ($(wc -l <"$OUT") lines)"
has event=new kind=route dst=10.1.0.0/16 gateway=192.0.2.2
ok $? "route add is {\"event\":\"new\",\"kind\":\"route\",...}"
has event=replace kind=route dst=10.1.0.0/16 gateway=192.0.2.3
ok $? "route replace is \"replace\""
has event=del kind=route dst=10.2.0.0/16
ok $? "route delete is \"del\""
has event=del kind=route dst=10.1.0.0/16 implicit=true
ok $? "the silent flush on link down is a \"del\" marked implicit"
has event=replace kind=link ifname=v0
ok $? "the link change itself is reported"
finish
