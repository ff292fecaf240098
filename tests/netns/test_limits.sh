#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Limits (reliability.md F4, F6, B4): a daemon capped with --max-routes keeps
# serving a table five times the cap, flagged incomplete, its memory bounded;
# its control socket admits only its owner, root and (daemon --group) one
# group, answers oversized requests with an error, and is not held up by
# clients that say nothing, send half a request or never read; and a daemon
# ends when its namespace's name is deleted, so it does not keep the
# namespace alive. Times are printed, and bound only by generous no-hang
# deadlines.
set -u
. "$(dirname "$0")/lib.sh"
# The system's python3: other users may not reach one under root's home.
PY=$(command -v /usr/bin/python3 python3 | head -1)
[ -n "$PY" ] || skip "python3 not installed"
command -v setpriv >/dev/null || skip "setpriv (util-linux) not installed"

CAP=1000
NROUTES=5000
HANG=10 # seconds: an answer later than this is a hang

# A raw control-socket client: python3 -c "$CLIENT" SOCKET MODE [SECS] [WORD...]
# (SECS for the waiting modes only).
# Modes: ask (a request; its output, exit with its status, 3 if the daemon
# closed without one, 4 if it could not connect), silent (connect, say
# nothing), half (half a request), noread (a request, never read the reply),
# hugelen (a header claiming 1 GiB), flood (1 MiB of garbage), lag (a
# request, "ready", then nothing read for SECS, then everything), trickle
# (a -batch chunk of WORD "show route" lines, then 4 KiB read every 0.5 s). The waiting modes print "ready"
# once in place, then hold the connection for SECS.
CLIENT='
import os, socket, struct, sys, time
path, mode = sys.argv[1], sys.argv[2]
waits = mode in ("silent", "half", "noread", "lag")
secs = float(sys.argv[3]) if waits else 0
words = [os.getcwd()] + sys.argv[4 if waits else 3 :]
flags = 0
if mode == "trickle":  # a -batch chunk of N "show" lines, JSON: a big answer
    flags = 8 | 1
    words = [words[0], "trickle", "0", "show route\n" * int(words[1])]
body = struct.pack("=BBH", 0, flags, len(words)) + b"".join(w.encode() + b"\0" for w in words)
req = b"FMQ2" + struct.pack("=I", len(body)) + body
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(path)
except OSError as e:
    print("connect:", e.strerror)
    sys.exit(4)
def replies(step=65536, pause=0):
    buf = b""
    while True:
        time.sleep(pause)
        try:
            chunk = s.recv(step)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            return 3
        buf += chunk
        while len(buf) >= 5:
            (n,) = struct.unpack("=I", buf[1:5])
            if len(buf) < 5 + n:
                break
            chan, data, buf = buf[:1], buf[5 : 5 + n], buf[5 + n :]
            if chan == b"x":
                return struct.unpack("=I", data)[0]
            (sys.stdout if chan == b"o" else sys.stderr).write(data.decode(errors="replace"))
def hold(data):
    if data:
        s.sendall(data)
    print("ready", flush=True)
    time.sleep(secs)
    sys.exit(0)
if mode == "silent":
    hold(b"")
if mode == "half":
    hold(req[: len(req) // 2])
if mode == "noread":
    hold(req)
if mode == "lag":
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(req)
    print("ready", flush=True)
    time.sleep(secs)
    sys.stdout = open(os.devnull, "w")  # the FIFO has no reader any more
    s.settimeout(20)  # no end in sight: exit 1 (socket.timeout), not a hang
    sys.exit(replies())
if mode == "trickle":
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(req)
    sys.exit(replies(4096, 0.5))
try:
    if mode == "ask":
        s.sendall(req)
    if mode == "hugelen":
        s.sendall(b"FMQ2" + struct.pack("=I", 1 << 30) + bytes(4))
    if mode == "flood":
        s.sendall(b"\xff" * (1 << 20))
except OSError:
    pass  # the daemon may hang up before reading it all (or at all)
sys.exit(replies())
'
sockpath() { ls "$SOCKDIR"/*.sock | head -1; }
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
elapsed() { echo "$(now) - $1" | bc; }
# timed_ok WHAT ARGS...: `fibmirror ARGS` answers within HANG seconds (time printed).
timed_ok() {
	local what=$1 t0 rc
	shift
	t0=$(now)
	timeout "$HANG" "$FM_BIN" -n "$NS" "$@" >/dev/null 2>&1
	rc=$?
	diag "$what: $(elapsed "$t0") s"
	ok $rc "$what answers"
}

nsip link set lo up
add_veth v0 v1 10.1.0.1/24

# ----------------------------------------------------------- route cap
for i in $(seq 0 $((NROUTES - 1))); do
	echo "route add 10.$((100 + i / 256)).$((i % 256)).0/24 via 10.1.0.2"
done >"$SOCKDIR/routes.batch"
nsip -batch "$SOCKDIR/routes.batch" || skip "cannot add routes"
uncapped=$(fm --no-daemon -j stats)
# A small output queue (the smallest the daemon takes) so that a monitor can
# fall behind, and an answer outgrow it, with a few thousand routes.
QUEUE=131072
FIBMIRROR_DAEMON_QUEUE=$QUEUE start_daemon --max-routes $CAP
st=$(fm -j stats)
routes=$(stat_from "$st" routes)
mem=$(stat_from "$st" mem_bytes)
full_mem=$(stat_from "$uncapped" mem_bytes)
diag "--max-routes $CAP over $(stat_from "$uncapped" routes) routes: $routes kept," \
	"mem_bytes $mem (uncapped $full_mem), daemon VmRSS $(rss_kib "$DAEMON_PID") KiB"
ok "$([ "$(stat_from "$st" incomplete)" = true ] && echo 0 || echo 1)" "the state is flagged incomplete"
ok "$([ "$routes" -le $CAP ] && [ "$routes" -ge $((CAP * 9 / 10)) ] && echo 0 || echo 1)" \
	"routes bounded by the cap ($routes of $CAP)"
# The RIB grows with its routes: a fifth of the routes, at most a third of the bytes.
ok "$([ "$mem" -le $((full_mem / 3)) ] && echo 0 || echo 1)" \
	"memory bounded: $mem bytes, uncapped $full_mem"
# Events beyond the cap: the daemon takes them and stays up.
sed 's/^route add/route del/' "$SOCKDIR/routes.batch" | tail -100 >"$SOCKDIR/del.batch"
nsip -batch "$SOCKDIR/del.batch"
# 300 changes there (via .3) and 300 back (via .2): a replace that changes
# nothing is not even announced.
sed 's/^route add/route replace/' "$SOCKDIR/routes.batch" | head -300 >"$SOCKDIR/back.batch"
sed 's/via 10.1.0.2/via 10.1.0.3/' "$SOCKDIR/back.batch" >"$SOCKDIR/there.batch"
churn() { for _ in $(seq "$1"); do nsip -batch "$SOCKDIR/there.batch"; nsip -batch "$SOCKDIR/back.batch"; done; }
churn 1
out=$(fm get 10.1.0.9 | head -1)
ok $? "queries still answer: $out"
daemon_alive
ok $? "the daemon stays up past the cap (VmRSS $(rss_kib "$DAEMON_PID") KiB)"

# ------------------------------------------------------- control socket
SOCK=$(sockpath)
asnobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
out=$(asnobody "$PY" -c "$CLIENT" "$SOCK" ask stats 2>&1)
ok "$([ $? -eq 4 ] && echo 0 || echo 1)" "another uid cannot connect ($out)"
# Should the modes be loosened by mistake, SO_PEERCRED still refuses it.
chmod 0711 "$SOCKDIR" && chmod 0666 "$SOCK"
out=$(asnobody "$PY" -c "$CLIENT" "$SOCK" ask stats 2>&1)
rc=$?
chmod 0700 "$SOCKDIR" && chmod 0600 "$SOCK"
ok "$([ $rc -eq 3 ] && [ -z "$out" ] && echo 0 || echo 1)" \
	"with the socket mode 0666, another uid is hung up on, unanswered (status $rc)"

for how in hugelen flood; do
	out=$(timeout $HANG "$PY" -c "$CLIENT" "$SOCK" $how 2>&1)
	rc=$?
	ok "$([ $rc -eq 1 ] || [ $rc -eq 3 ] && echo 0 || echo 1)" \
		"oversized request ($how): refused (status $rc: ${out//$'\n'/ })"
done
daemon_alive
ok $? "the daemon is still up"

# Clients that hold their connection and do nothing (FIFOs: "ready" once in place).
mkfifo "$SOCKDIR/f1" "$SOCKDIR/f2" "$SOCKDIR/f3"
"$PY" -c "$CLIENT" "$SOCK" silent 30 >"$SOCKDIR/f1" &
HOLDERS=$!
"$PY" -c "$CLIENT" "$SOCK" half 30 get 10.1.0.9 >"$SOCKDIR/f2" &
HOLDERS="$HOLDERS $!"
"$PY" -c "$CLIENT" "$SOCK" noread 30 show >"$SOCKDIR/f3" &
HOLDERS="$HOLDERS $!"
for f in f1 f2 f3; do read -r _ <"$SOCKDIR/$f"; done
timed_ok "get while a silent, a half-request and a non-reading client are connected" \
	get 10.100.1.1
timed_ok "stats meanwhile" -j stats
# A monitor that never reads, while events flow.
"$PY" -c "$CLIENT" "$SOCK" noread 30 monitor >"$SOCKDIR/f1" &
HOLDERS="$HOLDERS $!"
read -r _ <"$SOCKDIR/f1"
churn 3
timed_ok "get while a monitor does not read" get 10.100.2.1
kill $HOLDERS 2>/dev/null
wait $HOLDERS 2>/dev/null

# A monitor that falls behind is told so at the end of what it gets: never a
# silent gap.
"$PY" -c "$CLIENT" "$SOCK" lag 4 monitor >"$SOCKDIR/f1" 2>"$SOCKDIR/lag.err" &
LAG=$!
read -r _ <"$SOCKDIR/f1"
# 12000 changes, some 600 KB of monitor lines: more than the queue and the
# socket's buffer hold.
churn 20
wait $LAG
rc=$?
sed 's/^/# /' "$SOCKDIR/lag.err" | tail -5
grep -q "monitor fell behind: up to [0-9]* events were not sent" "$SOCKDIR/lag.err"
ok "$([ $? = 0 ] && [ $rc = 3 ] && echo 0 || echo 1)" \
	"a monitor that fell behind gets status $rc and: $(head -c 120 "$SOCKDIR/lag.err")"

# A client that reads an answer bigger than the queue, but slowly: the daemon
# waits for it DRAIN_MAX_MS (3 s) in all, not as long as it keeps reading.
size=$(($(fm -j show route | wc -c) * 30))
t0=$(now)
"$PY" -c "$CLIENT" "$SOCK" trickle 30 >/dev/null 2>"$SOCKDIR/trickle.err" &
TRICKLE=$!
sleep 0.5
timed_ok "stats while a client reads a $size-byte answer 4 KiB every 0.5 s" -j stats
wait $TRICKLE
rc=$?
diag "the slow reader ended after $(elapsed "$t0") s with status $rc"
sed 's/^/# /' "$SOCKDIR/trickle.err"
ok "$([ $rc = 3 ] && echo 0 || echo 1)" "a reader too slow for a $size-byte answer is dropped"

# ------------------------------------------------------------- --group
# A throwaway group: its member is admitted (as primary group through
# SO_PEERCRED, as a supplementary one through SO_PEERGROUPS), others are not.
GRP=fmtg$$
if command -v groupadd >/dev/null && command -v useradd >/dev/null &&
	groupadd "$GRP" 2>/dev/null; then
	useradd -M -N -g "$GRP" -s /usr/sbin/nologin "$GRP" 2>/dev/null
	trap 'userdel "$GRP" 2>/dev/null; groupdel "$GRP" 2>/dev/null; cleanup' EXIT
	gid=$(getent group "$GRP" | cut -d: -f3)
	uid=$(id -u "$GRP")
	kill "$DAEMON_PID" && wait "$DAEMON_PID"
	"$FM_BIN" -n "$NS" daemon --group "$GRP" 2>"$SOCKDIR/daemon.log" &
	DAEMON_PID=$!
	for _ in $(seq 1 200); do
		SOCK=$(sockpath 2>/dev/null) && [ -S "$SOCK" ] && break
		sleep 0.05
	done
	diag "socket $(stat -c '%A %G' "$SOCK"), directory $(stat -c '%A' "$SOCKDIR")"
	asid() { setpriv --reuid="$uid" "$@" -- "$PY" -c "$CLIENT" "$SOCK" ask stats; }
	asid --regid="$gid" --clear-groups >/dev/null 2>&1
	ok $? "--group: a member (primary group) is answered"
	asid --regid=65534 --groups="$gid" >/dev/null 2>&1
	ok $? "--group: a member (supplementary group) is answered"
	out=$(asid --regid=65534 --clear-groups 2>&1)
	ok "$([ $? -eq 4 ] && echo 0 || echo 1)" "--group: a non-member cannot connect ($out)"
	chmod 0666 "$SOCK"
	out=$(asid --regid=65534 --clear-groups 2>&1)
	ok "$([ $? -eq 3 ] && echo 0 || echo 1)" "--group: with the mode 0666, a non-member is hung up on"
	chmod 0660 "$SOCK"
else
	diag "skipped the --group checks: cannot create a group and a user"
fi

# ----------------------------------------------- namespace deleted
t0=$(now)
ip netns del "$NS"
for _ in $(seq 1 $((HANG * 20))); do
	daemon_alive || break
	sleep 0.05
done
daemon_alive
ok "$([ $? -ne 0 ] && echo 0 || echo 1)" "the daemon ends when its netns is deleted"
diag "daemon gone $(elapsed "$t0") s after ip netns del"
wait "$DAEMON_PID"
ok $? "... with status 0: $(tail -1 "$SOCKDIR/daemon.log")"
DAEMON_PID=
ok "$([ -e "$SOCK" ] && echo 1 || echo 0)" "... and its socket removed"
finish
