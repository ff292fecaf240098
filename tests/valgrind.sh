#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# valgrind memcheck on the CLI (reliability.md N3): offline commands on a
# saved table (tests/data/routes-1000.save, and a snapshot written from
# it), live --no-daemon commands in a private namespace, and the daemon with
# clients asking it, every process under memcheck. A process that reports a
# memory error or a definitely or indirectly lost block exits 99; each one
# must exit with its own status instead. Skipped (77) without valgrind.
#
# Usage: valgrind.sh PATH_TO_FIBMIRROR
# Every fibmirror goes through a wrapper that runs it under valgrind, handed
# to tests/netns/lib.sh as the binary, so its helpers (fm, start_daemon)
# are what run the commands.
set -u
REAL=${1:?usage: $0 PATH_TO_FIBMIRROR}
DATA=$(cd "$(dirname "$0")/data" && pwd)
if ! command -v valgrind >/dev/null; then
	echo "1..0 # SKIP valgrind not installed"
	exit 77
fi
VGDIR=$(mktemp -d)
cat >"$VGDIR/fibmirror" <<EOF
#!/bin/sh
exec valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \\
	--errors-for-leak-kinds=definite,indirect --log-file="$VGDIR/vg.%p.log" "$REAL" "\$@"
EOF
chmod +x "$VGDIR/fibmirror"
. "$(dirname "$0")/netns/lib.sh" "$VGDIR/fibmirror"
trap 'cleanup; rm -rf "$VGDIR"' EXIT

SAVE=$DATA/routes-1000.save
VG_RUNS=0

# vg WANT ARGS...: `fibmirror ARGS` under valgrind exits WANT (its own
# status, so never 99); its valgrind report is printed if it has one.
vg() {
	local want=$1 rc
	shift
	"$FM_BIN" "$@" >/dev/null 2>"$VGDIR/stderr"
	rc=$?
	VG_RUNS=$((VG_RUNS + 1))
	ok "$([ $rc -eq "$want" ] && echo 0 || echo 1)" "fibmirror $* (exit $rc)"
	[ $rc -eq 99 ] && report
}

# Print and forget the valgrind logs written so far.
report() {
	local f
	for f in "$VGDIR"/vg.*.log; do
		[ -s "$f" ] && sed 's/^/# /' "$f"
		rm -f "$f"
	done
}

cat >"$VGDIR/offline.batch" <<EOF
get 100.64.3.7
show route table main
gw 192.0.2.9
get 2001:db8:1::5
stats
EOF

# ------------------------------------------------------------- offline
vg 0 --file "$SAVE" show
vg 0 --file "$SAVE" -j -p show route
vg 0 --file "$SAVE" -6 -d show
vg 0 --file "$SAVE" show rule
vg 0 --file "$SAVE" get 100.64.3.7
vg 0 --file "$SAVE" get fibmatch 10.0.0.1
vg 0 --file "$SAVE" -6 get 2001:db8:1::5
vg 0 --file "$SAVE" -j stats
vg 0 --file "$SAVE" -batch "$VGDIR/offline.batch"
vg 0 --file "$SAVE" save "$VGDIR/snap.fm"
vg 0 --file "$VGDIR/snap.fm" -j show
vg 1 --file "$SAVE" get 999.1.1.1
vg 1 --file /etc/passwd show
vg 1 --file "$SAVE" nosuchcommand

# ---------------------------------------------------------------- live
nsip link set lo up
add_veth v0 v1 10.1.0.1/24 2001:db8:1::1/64
nsip route add 10.100.0.0/16 via 10.1.0.2
nsip nexthop add id 7 via 10.1.0.3 dev v0
nsip route add 10.101.0.0/16 nhid 7
nsip rule add fwmark 3 table 100
cat >"$VGDIR/live.batch" <<EOF
get 10.100.1.1
get 10.101.1.1 mark 3
dev v0
stats
EOF
vg 0 -n "$NS" --no-daemon show
vg 0 -n "$NS" --no-daemon -j show route
vg 0 -n "$NS" --no-daemon show nexthop
vg 0 -n "$NS" --no-daemon show link
vg 0 -n "$NS" --no-daemon show addr
vg 0 -n "$NS" --no-daemon show netconf
vg 0 -n "$NS" --no-daemon show sysctl
vg 0 -n "$NS" --no-daemon get 10.100.1.1
vg 0 -n "$NS" --no-daemon get 10.101.1.1 oif v0
vg 0 -n "$NS" --no-daemon gw 10.1.0.2
vg 0 -n "$NS" --no-daemon verify
vg 0 -n "$NS" --no-daemon -j stats
vg 0 -n "$NS" --no-daemon -batch "$VGDIR/live.batch"

# -------------------------------------------------------------- daemon
start_daemon
vg 0 -n "$NS" get 10.100.1.1
vg 0 -n "$NS" -j show
vg 0 -n "$NS" -batch "$VGDIR/live.batch"
nsip route add 10.102.0.0/16 via 10.1.0.2
vg 0 -n "$NS" stats
kill "$DAEMON_PID"
wait "$DAEMON_PID"
rc=$?
DAEMON_PID=
ok "$([ $rc -eq 0 ] && echo 0 || echo 1)" "the daemon under valgrind ends cleanly (exit $rc)"
[ $rc -eq 99 ] && report
diag "$VG_RUNS commands and a daemon under valgrind memcheck"
finish
