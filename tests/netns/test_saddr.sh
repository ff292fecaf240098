#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Source address selection against the kernel: what lk_saddr4()/lk_saddr6()
# choose for a device and destination must be the prefsrc that
# `ip -j route get` prints (kernel-semantics.md §3.3, §3.4, §5.4, §8).
#
# The namespace gets devices with many address shapes: IPv4 primaries and
# secondaries of host/link/site/numeric/global scope, a point-to-point
# address, lo with a global address, devices without IPv4 or IPv6; IPv6
# global/ULA/6to4/Teredo/ORCHID/site-local addresses, deprecated ones
# (preferred_lft 0), temporary ones (mngtmpaddr), a DAD-failed one, tentative
# and optimistic ones (on a device without carrier), only-link-local devices.
# Part of it is random from a fixed seed (SEED=..., printed).
#
# IPv4: each query is a /32 or /24 route without `src` whose prefsrc the
# kernel computes as inet_select_addr(dev, gateway, route scope): device routes
# of every scope (gateway 0), and `via G dev D onlink` routes of scope
# universe/site/100 with G near the device's subnets or random. Plus the
# on-link fallback and local multicast with `oif`: inet_select_addr(oif, 0,
# link). IPv6: `ip -6 route get DST oif D` with a default route through every
# device, prefsrc = ipv6_dev_get_saddr(D, DST); destinations near the
# addresses, from every label class, link-local and multicast of several
# scopes; and the device's own addresses without oif (rule 1).
#
# Two mirrors answer: one opened after the set-up (addresses in dump order),
# one opened before it (addresses inserted as events arrive). Phases:
#  1 everything as set up;
#  2 lo loses its global IPv4 address (the fallback walks the other devices);
#  3 conf/all/use_tempaddr=2 and conf/all/use_oif_addrs_only=1, which the
#    kernel does not apply to existing devices: the answers must not change;
#  4 (informational, never fails) the per-device use_tempaddr=2 and
#    use_oif_addrs_only=1, which the mirror cannot see: the divergences are
#    counted and printed.
#
# Usage: test_saddr.sh FIBMIRROR [SADDR_PROBE]
set -u
. "$(dirname "$0")/lib.sh"

PROBE=${2:-${SADDR_PROBE:-$(dirname "$FM_BIN")/../tests/netns/saddr_probe}}
SEED=${SEED:-$(date +%s)}
[ -x "$PROBE" ] || skip "no saddr_probe at $PROBE"
command -v python3 >/dev/null || skip "needs python3"

diag "seed $SEED (rerun with SEED=$SEED)"

# The Python driver prints "ok<TAB>what", "fail<TAB>what", "todo<TAB>what"
# (a known problem outside source selection: reported, not failed) and "#"
# notes; everything else is passed through.
while IFS=$'\t' read -r verdict what; do
	case $verdict in
	ok) ok 0 "$what" ;;
	fail) ok 1 "$what" ;;
	todo)
		T=$((T + 1))
		echo "not ok $T - $what # TODO mirror built from events (rib/link.c, canon.c)"
		;;
	*) echo "$verdict${what:+ $what}" ;;
	esac
done < <(python3 - "$NS" "$PROBE" "$SEED" <<'PY'
import ipaddress, json, random, subprocess, sys, time

NS, PROBE, SEED = sys.argv[1], sys.argv[2], int(sys.argv[3])
rnd = random.Random(SEED)


def note(msg):
    print("#", msg, flush=True)


def ip(*args, check=True):
    r = subprocess.run(["ip", "-n", NS] + list(args), capture_output=True, text=True)
    if check and r.returncode:
        note("ip %s: %s" % (" ".join(args), r.stderr.strip()))
    return r


def sysctl(name, val):
    subprocess.run(["ip", "netns", "exec", NS, "sysctl", "-qw", "%s=%s" % (name, val)],
                   check=True)


class Probe:
    def __init__(self):
        self.p = subprocess.Popen([PROBE, NS], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True, bufsize=1)

    def ask(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        return self.p.stdout.readline().strip()

    def close(self):
        self.p.stdin.close()
        self.p.wait()


# ------------------------------------------------------------------ set-up
# Probe B sees the whole set-up as events.
late = None
early = Probe()

DEVS = ["x1", "x2", "x3", "x4", "x5", "x6"]
ip("link", "set", "lo", "up")
for i, d in enumerate(DEVS, 1):
    ip("link", "add", d, "type", "veth", "peer", "name", "y%d" % i)
    ip("link", "set", d, "up")
    if d != "x6":
        ip("link", "set", "y%d" % i, "up")  # y6 stays down: x6 has no carrier
sysctl("net.ipv6.conf.x3.disable_ipv6", 1)
sysctl("net.ipv6.conf.y3.disable_ipv6", 1)
sysctl("net.ipv6.conf.x6.optimistic_dad", 1)
for d in ["x5", "y5"]:
    sysctl("net.ipv6.conf.%s.use_tempaddr" % d, 1)  # temporaries exist, public preferred

A4 = [  # (device, address, extra args)
    ("lo", "192.0.2.1/32", []),
    ("x1", "10.1.1.1/24", ["scope", "link"]),
    ("x1", "10.1.0.1/24", []),
    ("x1", "10.1.0.2/24", []),  # secondary
    ("x1", "172.16.1.1/16", []),
    ("x1", "10.1.2.1/24", ["scope", "host"]),
    ("x2", "10.2.0.1/24", ["scope", "link"]),
    ("x2", "10.2.9.1/32", ["scope", "host"]),
    ("x4", "10.4.0.1/24", ["scope", "site"]),
    ("x4", "10.4.1.1/24", ["scope", "100"]),
    ("x4", "10.4.2.1/24", []),
    ("x4", "10.4.2.7/24", []),  # secondary
    ("x4", "10.44.0.1", ["peer", "10.45.0.0/24"]),
    ("y4", "10.4.2.9/24", ["scope", "link"]),
]
SCOPES = ["global", "site", "100", "link", "host"]
for d in ["x5", "x6", "y5"]:
    for _ in range(rnd.randint(4, 9)):
        net = rnd.choice(["10.5.0.0/16", "10.5.1.0/24", "10.6.0.0/24", "172.20.0.0/14",
                          "192.168.%d.0/24" % rnd.randint(0, 3)])
        n = ipaddress.ip_network(net)
        host = n.network_address + rnd.randint(1, n.num_addresses - 2)
        plen = rnd.choice([n.prefixlen, n.prefixlen, 32, max(8, n.prefixlen - 4)])
        A4.append((d, "%s/%d" % (host, plen), ["scope", rnd.choice(SCOPES)]))
for d, a, extra in A4:
    ip("addr", "add", a, "dev", d, *extra)

A6 = [
    ("lo", "2001:db8:ff::1/128", []),
    ("lo", "fd00:ff::1/128", []),
    ("x1", "2001:db8:1::1/64", ["nodad"]),
    ("x1", "fd00:1::1/64", ["nodad"]),
    ("x1", "2001:db8:1:1::1/64", ["nodad", "preferred_lft", "0"]),
    ("y1", "2001:db8:1::99/64", ["nodad"]),
    ("x4", "2002:c000:204::1/48", ["nodad"]),
    ("x4", "2001:0:4::1/64", ["nodad"]),
    ("x4", "2001:10:4::1/64", ["nodad"]),
    ("x4", "3ffe:4::1/64", ["nodad"]),
    ("x4", "fec0:4::1/64", ["nodad"]),
    ("x4", "fd00:4::1/64", ["nodad", "preferred_lft", "0"]),
    ("x5", "2001:db8:5:7::1/64", ["mngtmpaddr", "valid_lft", "7200", "preferred_lft", "3600"]),
    ("x6", "2001:db8:6::1/64", []),  # tentative forever: no carrier
    ("x6", "2001:db8:6:1::1/64", ["optimistic"]),
    ("x6", "fd00:6::1/64", ["nodad"]),
]
P6 = ["2001:db8:5::", "2001:db8:5:1::", "2001:db8::", "fd00:5::", "fd00:5:0:1::",
      "2002:c000:205::", "2001:0:5::", "2001:10:5::", "3ffe:5::", "fec0:5::", "2001:db8:f00d::"]
for d in ["x5", "y5", "x2"]:
    for _ in range(rnd.randint(3, 8) if d != "x2" else 0):
        base = int(ipaddress.IPv6Address(rnd.choice(P6)))
        addr = ipaddress.IPv6Address(base + rnd.getrandbits(64) * rnd.choice([1, 1 << 16]))
        extra = ["nodad"] + (["preferred_lft", "0"] if rnd.random() < 0.25 else [])
        A6.append((d, "%s/%d" % (addr, rnd.choice([48, 56, 64, 64, 64, 96, 112, 127, 128])),
                   extra))
for d, a, extra in A6:
    ip("-6", "addr", "add", a, "dev", d, *extra)
# The same address with DAD on x1 while y1 already holds it: dadfailed.
ip("-6", "addr", "add", "2001:db8:1::99/64", "dev", "x1")

# A default route through every device for IPv6 `oif` queries.
for i, d in enumerate(DEVS + ["y1", "y5"]):
    ip("-6", "route", "add", "default", "dev", d, "metric", str(100 + i), check=False)

# IPv4 query routes: (route args, probe query).
Q4 = []
k = kd = 0
for d in ["lo"] + DEVS + ["y4", "y5"]:
    nets = [ipaddress.ip_interface(a.split()[0]).network for dd, a, _ in A4 if dd == d]
    for s in ["0", "200", "100", "253", "254"]:  # device routes: gateway 0
        kd += 1
        dst = "198.18.%d.0/24" % kd
        if ip("route", "add", dst, "dev", d, "scope", s, check=False).returncode == 0:
            Q4.append((dst.replace(".0/24", ".1"), None, "4 %s 0.0.0.0 %s" % (d, s)))
    if d == "lo":
        continue
    for j in range(40):  # onlink gateways near the device's subnets, or anywhere
        k += 1
        if nets and rnd.random() < 0.7:
            n = rnd.choice(nets)
            g = n.network_address + rnd.randint(1, max(1, n.num_addresses - 2))
        else:
            g = ipaddress.IPv4Address(rnd.choice([0x0a000000, 0xac100000, 0xc0a80000]) +
                                      rnd.getrandbits(16))
        s = rnd.choice(["0", "0", "200", "100"])
        dst = "198.19.%d.%d" % (k // 250, k % 250 + 1)
        if ip("route", "add", dst, "via", str(g), "dev", d, "onlink", "scope", s,
              check=False).returncode == 0:
            Q4.append((dst, None, "4 %s %s %s" % (d, g, s)))
    # No route at all: the on-link fallback; local multicast with oif.
    Q4.append(("203.0.113.%d" % (k % 250), d, "4 %s 0.0.0.0 253" % d))
    Q4.append(("224.0.0.%d" % (k % 200 + 20), d, "4 %s 0.0.0.0 253" % d))


def settle():
    """Wait for DAD, except on x6 (no carrier) and the dadfailed address."""
    for _ in range(100):
        out = ip("-6", "-o", "addr", "show", "tentative").stdout
        left = [l for l in out.splitlines() if " x6 " not in l and "dadfailed" not in l]
        if not left:
            return
        time.sleep(0.1)
    note("still tentative: %s" % left)


settle()
time.sleep(0.3)


def q6_list():
    """(destination, oif, probe device) for IPv6."""
    out = []
    addrs = {}
    for line in ip("-6", "-o", "addr", "show").stdout.splitlines():
        f = line.split()
        addrs.setdefault(f[1], []).append(ipaddress.ip_interface(f[3]))
    for d in ["x1", "x2", "x4", "x5", "x6", "y1", "y5"]:
        dsts = []
        every = [a for l in addrs.values() for a in l]
        for _ in range(25):  # near an existing address, at a random depth
            a = rnd.choice(every)
            depth = rnd.randint(0, 128)
            v = int(a.ip) ^ (rnd.getrandbits(128) >> depth)
            dsts.append(ipaddress.IPv6Address(v))
        for p in P6 + ["2001:db8:1::", "2001:db8:6::", "fd00:1::", "2002::", "3ffe::",
                       "2001:10::", "fec0::"]:
            dsts.append(ipaddress.IPv6Address(int(ipaddress.IPv6Address(p)) +
                                              rnd.getrandbits(64)))
        dsts += [ipaddress.IPv6Address(x) for x in
                 ["fe80::1234", "fe80::99:1", "ff02::1", "ff02::1:2", "ff05::2", "ff0e::101",
                  "ff08::5", "::ffff:192.0.2.7", "::1.2.3.4", "2001:db8:1::99"]]
        local = {str(a.ip) for a in every}
        for x in dsts:
            if str(x) not in local:
                out.append((str(x), d, d))
    # Rule 1: a device's own addresses, without oif (the route is the local
    # one; the kernel asks about the address's device).
    for d, l in addrs.items():
        for a in l:
            if not a.ip.is_link_local:
                out.append((str(a.ip), None, d))
    return out


def kernel(dst, oif):
    args = ["-j", "route", "get", dst] + (["oif", oif] if oif else [])
    r = ip(*args, check=False)
    if r.returncode:
        return None, "error: " + r.stderr.strip()
    j = json.loads(r.stdout)[0]
    return j.get("dev"), j.get("prefsrc", "none")


def run_phase(name, probes, q4, q6, informational=False):
    cases = []
    for dst, oif, q in q4:
        cases.append((dst, oif, q))
    for dst, oif, dev in q6:
        cases.append((dst, oif, "6 %s %s" % (dev, dst)))
    answers = {}
    for pname, p in probes:
        p.ask("sync")
        answers[pname] = [p.ask(q) for _, _, q in cases]
    agree = {pname: [0, 0, 0, 0] for pname, _ in probes}  # v4 ok, v4 n, v6 ok, v6 n
    bad = {pname: [] for pname, _ in probes}
    skipped = 0
    for i, (dst, oif, q) in enumerate(cases):
        dev, want = kernel(dst, oif)
        if dev is None and "Invalid argument" in want and q.startswith("4") and \
                all(answers[pn][i].startswith("127.") for pn, _ in probes):
            # A loopback source on another device: __mkroute_output refuses
            # the route, so the kernel prints no prefsrc. We chose 127.x too.
            note("%s: %s: source 127.x on a non-loopback device, kernel EINVAL" % (name, q))
            dev, want = "?", answers[probes[0][0]][i]
        if dev is None:
            skipped += 1
            note("%s: kernel refused %s%s: %s" % (name, dst, " oif " + oif if oif else "", want))
            continue
        fam6 = q.startswith("6")
        for pname, _ in probes:
            got = answers[pname][i]
            a = agree[pname]
            a[3 if fam6 else 1] += 1
            if got == want:
                a[2 if fam6 else 0] += 1
            else:
                bad[pname].append("%s (kernel: %s dev %s%s): ours %s, kernel %s" %
                                  (q, dst, dev, " oif " + oif if oif else "", got, want))
    for pname, _ in probes:
        a = agree[pname]
        what = "%s, %s: IPv4 %d/%d agree, IPv6 %d/%d agree" % (name, pname, a[0], a[1],
                                                               a[2], a[3])
        for b in bad[pname][:12]:
            note(b)
        if informational:
            note("informational: " + what)
        else:
            print("%s\t%s" % (verdict(pname, not bad[pname]), what), flush=True)
    if skipped:
        note("%s: %d queries the kernel refused" % (name, skipped))


late = Probe()
LATE, EARLY = "mirror opened after set-up", "mirror opened before set-up"
probes = [(LATE, late), (EARLY, early)]


def verdict(pname, good):
    """The early mirror's address lists come from events, which the kernel
    sends in another order than it links addresses (DAD), or not at all (an
    optimistic address without carrier): known, reported as TODO."""
    return "ok" if good else ("todo" if pname == EARLY else "fail")


for pname, p in probes:
    n = p.ask("verify")
    print("%s\t%s: mirror equals the kernel (%s differences)" % (verdict(pname, n == "0"),
                                                                 pname, n), flush=True)

flags = ip("-6", "-o", "addr", "show").stdout
for f in ["deprecated", "temporary", "dadfailed", "optimistic", "tentative"]:
    print("%s\tset-up has %s IPv6 addresses" % ("ok" if f in flags else "fail", f), flush=True)

Q6 = q6_list()
run_phase("phase 1", probes, Q4, Q6)

ip("addr", "del", "192.0.2.1/32", "dev", "lo")
run_phase("phase 2 (lo without a global IPv4 address)", probes, Q4, [])

sysctl("net.ipv6.conf.all.use_tempaddr", 2)
sysctl("net.ipv6.conf.all.use_oif_addrs_only", 1)
run_phase("phase 3 (conf/all/use_tempaddr=2, use_oif_addrs_only=1)", probes, [], Q6)
sysctl("net.ipv6.conf.all.use_tempaddr", 0)
sysctl("net.ipv6.conf.all.use_oif_addrs_only", 0)

sysctl("net.ipv6.conf.x5.use_tempaddr", 2)
sysctl("net.ipv6.conf.y5.use_tempaddr", 2)
sysctl("net.ipv6.conf.x1.use_oif_addrs_only", 1)
sysctl("net.ipv6.conf.x2.use_oif_addrs_only", 1)
run_phase("phase 4 (per-device use_tempaddr=2, use_oif_addrs_only=1; not mirrored)",
          [probes[0]], [], Q6, informational=True)

for _, p in probes:
    p.close()
PY
)
finish
