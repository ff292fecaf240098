# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared set-up for the network-namespace tests: a private namespace with a
# veth pair, a fibmirror daemon serving it, TAP output, cleanup on exit.
# Tests exit 77 (CTest's skip code) where namespaces cannot be made.

FM_BIN=${1:?usage: $0 PATH_TO_FIBMIRROR}
NS=fmt-$$-$RANDOM
T=0
FAILS=0
SOCKDIR=$(mktemp -d)
export FIBMIRROR_SOCKET_DIR=$SOCKDIR
DAEMON_PID=

skip() {
	echo "1..0 # SKIP $*"
	exit 77
}

cleanup() {
	[ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$SOCKDIR"
}
trap cleanup EXIT

[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces"
ip netns add "$NS" 2>/dev/null || skip "cannot create a network namespace"

fm() { "$FM_BIN" -n "$NS" "$@"; }
# The daemon must still be serving: a test must not pass on an on-the-spot mirror.
daemon_alive() { [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; }
nsip() { ip -n "$NS" "$@"; }

ok() {
	T=$((T + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $T - $2"
	else
		echo "not ok $T - $2"
		FAILS=$((FAILS + 1))
	fi
}

diag() { echo "# $*"; }

# Start the daemon and wait until its control socket answers.
start_daemon() {
	"$FM_BIN" -n "$NS" "$@" daemon 2>"$SOCKDIR/daemon.log" &
	DAEMON_PID=$!
	for _ in $(seq 1 200); do
		fm stats >/dev/null 2>&1 && [ -S "$(ls "$SOCKDIR"/*.sock 2>/dev/null | head -1)" ] &&
			return 0
		sleep 0.05
	done
	echo "daemon did not start:"
	cat "$SOCKDIR/daemon.log"
	exit 1
}

# Wait until IPv6 duplicate address detection is over (it adds local routes
# for link-local addresses a second or two after a link comes up).
settle_dad() {
	for _ in $(seq 1 100); do
		[ -z "$(ip -n "$NS" -6 addr show tentative)" ] && return 0
		sleep 0.1
	done
}

# add_veth A B [ADDR_A [ADDR_B]]: a veth pair in the namespace, both ends up,
# with an optional address on each end.
add_veth() {
	nsip link add "$1" type veth peer name "$2" &&
		nsip link set "$1" up && nsip link set "$2" up || return
	[ -z "${3:-}" ] || nsip addr add "$3" dev "$1" || return
	[ -z "${4:-}" ] || nsip addr add "$4" dev "$2"
}

# stat_from JSON FIELD: one scalar of a captured `-j stats` object, so that a
# test can print and check the same snapshot. Flat object only; no python,
# as the storm test polls this every 20 ms against a deadline.
stat_from() {
	local re="\"$2\":([^,}]*)"
	[[ $1 =~ $re ]] && echo "${BASH_REMATCH[1]}"
}

# stat_of FIELD: the daemon's current value.
stat_of() { stat_from "$(fm -j stats)" "$1"; }

now() { date +%s.%N; }

finish() {
	echo "1..$T"
	[ "$FAILS" -eq 0 ]
	exit $?
}
