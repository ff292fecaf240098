#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# `fibmirror -batch` end to end: N `get` lines read from a file, answered and
# printed, timed from process start to exit, against `ip -batch` of the same
# lines (`route get`) in the same run. The namespace is one kept by
# `bench_get --keep` (the full views through 300 gateways) or any other; the
# queries are in-table addresses of its IPv4 main table (a random route,
# random host bits; fixed seed), so every line is answered.
#
# Usage (root): bench/batch_get.sh --netns NAME [--queries N] [--ip-queries N]
#   FIBMIRROR names the binary (default build-bench/tools/fibmirror).
# Measures, each the best of 3:
#   daemon      through the namespace's daemon (started here if none runs,
#               stopped at the end), text output;
#   daemon -j   the same with -j;
#   on the spot --no-daemon: a mirror opened by the batch itself (a full
#               kernel dump, then the lines);
#   ip -batch   the kernel, --ip-queries lines (default 100,000; it is slow),
#               scaled to queries per second.
set -euo pipefail
cd "$(dirname "$0")/.."

ns="" n=1000000 nip=100000
while (($#)); do
	case $1 in
	--netns) ns=$2; shift 2 ;;
	--queries) n=$2; shift 2 ;;
	--ip-queries) nip=$2; shift 2 ;;
	*) echo "usage: $0 --netns NAME [--queries N] [--ip-queries N]" >&2; exit 1 ;;
	esac
done
[ -n "$ns" ] || { echo "usage: $0 --netns NAME [--queries N] [--ip-queries N]" >&2; exit 1; }
fm=$(realpath "${FIBMIRROR:-build-bench/tools/fibmirror}")
tmp=$(mktemp -d)
dpid=""
cleanup() {
	[ -n "$dpid" ] && kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

ip -n "$ns" -4 route show table main >"$tmp/routes"
python3 - "$tmp/routes" "$n" "$tmp/q.batch" <<'PY'
import random, sys
rnd = random.Random(0x5eed2024)
pf = []
for line in open(sys.argv[1]):
    w = line.split()
    if not w or w[0] == "default":
        continue
    p, _, l = w[0].partition("/")
    a = [int(x) for x in p.split(".")]
    pf.append((a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3], int(l or 32)))
with open(sys.argv[3], "w") as f:
    for _ in range(int(sys.argv[2])):
        base, l = rnd.choice(pf)
        v = base | (rnd.getrandbits(32) & ((1 << (32 - l)) - 1))
        f.write("get %d.%d.%d.%d\n" % (v >> 24, v >> 16 & 255, v >> 8 & 255, v & 255))
PY
head -n "$nip" "$tmp/q.batch" | sed 's/^get /route get /' >"$tmp/ip.batch"
echo "namespace $ns: $(wc -l <"$tmp/routes") IPv4 routes; $n queries (in-table, seed 0x5eed2024)"

# A daemon of our own, unless one serves the namespace already (ours then
# exits at once and the batches go to that one).
"$fm" -n "$ns" daemon 2>"$tmp/daemon.log" &
dpid=$!
for _ in $(seq 100); do
	grep -q serving "$tmp/daemon.log" 2>/dev/null && break
	kill -0 "$dpid" 2>/dev/null || { dpid=""; break; } # one runs already
	sleep 0.2
done

best() { # best of 3 wall seconds of "$@" >/dev/null
	local b="" t s e
	for _ in 1 2 3; do
		s=$(date +%s.%N)
		"$@" >/dev/null
		e=$(date +%s.%N)
		t=$(echo "$e - $s" | bc -l)
		if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
	done
	echo "$b"
}
row() { # name seconds lines
	printf "%-12s %9.3f s %12.0f queries/s\n" "$1" "$2" "$(echo "$3 / $2" | bc -l)"
}
printf "%-12s %11s %22s\n" impl "wall" "end to end"
td=$(best "$fm" -n "$ns" -batch "$tmp/q.batch")
row daemon "$td" "$n"
row "daemon -j" "$(best "$fm" -n "$ns" -j -batch "$tmp/q.batch")" "$n"
row "on the spot" "$(best "$fm" -n "$ns" --no-daemon -batch "$tmp/q.batch")" "$n"
ti=$(best ip -n "$ns" -batch "$tmp/ip.batch")
row "ip -batch" "$ti" "$nip"
printf "daemon / ip -batch: %.0fx\n" "$(echo "($n / $td) / ($nip / $ti)" | bc -l)"
