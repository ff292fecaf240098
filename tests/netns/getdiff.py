#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Differential test of route lookups: `fibmirror get` against `ip route get`.

Usage: getdiff.py FIBMIRROR NETNS SEED COUNT [TARGETED_FILE]

Queries are the targeted ones (one `ip route get` argument list per line, '#'
comments allowed) followed by COUNT random ones drawn from the namespace's own
routes, addresses, devices and rules (seeded: the seed is printed). Each query
is asked of both, with -d -j (fibmirror one process per query, so the
daemon answers each; the kernel all at once through `ip -force -batch`, and
once more right after ours where the two differ, since addresses finishing
DAD change answers over time), and compared on: the error text, type, dst,
gateway/via, dev, prefsrc, table, flags, iif. For a multipath result the
kernel's member choice depends on a hash with a random seed, so its gateway
and device must be one of the live members fibmirror reports (`fibmatch`), and
prefsrc is not compared; with EXACT_MULTIPATH=1 (a known seed is set) the
member must be the same. Prints one line per disagreement and a summary;
exit status 1 if any.
"""
import ipaddress
import os
import json
import random
import subprocess
import sys

FIELDS = ("type", "dst", "gateway", "via", "dev", "prefsrc", "table", "flags", "iif")


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode:
        return {"error": p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "exit %d" % p.returncode}
    try:
        out = json.loads(p.stdout)
    except json.JSONDecodeError:
        return {"error": "bad json: " + p.stdout[:200]}
    return out[0] if isinstance(out, list) and out else {"error": "empty"}


def run_batch(cmd, queries):
    """Each query's result from one `ip -force -batch -` run: successes print
    one JSON line each in order, failures their error and "Command failed
    -:LINE" on stderr."""
    lines = "".join(" ".join(["route", "get", *q]) + "\n" for q in queries)
    p = subprocess.run(cmd + ["-force", "-batch", "-"], input=lines, capture_output=True, text=True)
    errors, last = {}, ""
    for l in p.stderr.splitlines():
        if l.startswith("Command failed -:"):
            errors[int(l.rsplit(":", 1)[1])] = {"error": last or "failed"}
            last = ""
        elif l.strip():
            last = l.strip()
    out = iter(p.stdout.splitlines())
    res = []
    for i in range(1, len(queries) + 1):
        if i in errors:
            res.append(errors[i])
            continue
        try:
            o = json.loads(next(out))
            res.append(o[0] if isinstance(o, list) and o else {"error": "empty"})
        except (StopIteration, json.JSONDecodeError):
            res.append({"error": "no output"})
    return res


def norm(r):
    if "error" in r:
        return {"error": r["error"].replace("RTNETLINK answers: ", "")}
    return {k: r[k] for k in FIELDS if k in r}


class Net:
    """What the namespace holds, for drawing random queries."""

    def __init__(self, ns):
        j = lambda *a: json.loads(subprocess.run(["ip", "-n", ns, "-j", *a], capture_output=True,
                                                 text=True).stdout or "[]")
        self.links = [l["ifname"] for l in j("link", "show")]
        self.addrs = {4: [], 6: []}
        for l in j("addr", "show"):
            for a in l.get("addr_info", []):
                self.addrs[4 if a["family"] == "inet" else 6].append(a["local"])
        self.prefixes = {4: [], 6: []}
        for fam, flag in ((4, "-4"), (6, "-6")):
            for r in j(flag, "route", "show", "table", "all"):
                d = r["dst"]
                if d == "default":
                    d = "0.0.0.0/0" if fam == 4 else "::/0"
                self.prefixes[fam].append(d)
        self.marks = ["0", "7", "0x10", "3"]

    def addr_in(self, fam, rnd):
        if not self.prefixes[fam] or rnd.random() < 0.15:
            bits = 32 if fam == 4 else 128
            if fam == 4:
                return str(ipaddress.IPv4Address(rnd.getrandbits(bits)))
            return str(ipaddress.IPv6Address((0x2001 << 112) | rnd.getrandbits(112)))
        net = ipaddress.ip_network(rnd.choice(self.prefixes[fam]), strict=False)
        host = rnd.getrandbits(net.max_prefixlen - net.prefixlen) if net.prefixlen < net.max_prefixlen else 0
        return str(net.network_address + host)


def random_query(net, rnd):
    fam = 4 if rnd.random() < 0.6 or not net.prefixes[6] else 6
    q = ["-6"] if fam == 6 else []
    q.append(net.addr_in(fam, rnd))
    path = rnd.random()
    if path < 0.25 and net.addrs[fam]:
        q += ["from", rnd.choice(net.addrs[fam] + [net.addr_in(fam, rnd)])]
    elif path < 0.45:
        q += ["from", net.addr_in(fam, rnd), "iif", rnd.choice(net.links)]
    if rnd.random() < 0.2 and "iif" not in q:
        q += ["oif", rnd.choice(net.links)]
    if rnd.random() < 0.3:
        q += ["mark", rnd.choice(net.marks)]
    if rnd.random() < 0.2:
        q += ["tos", rnd.choice(["0x10", "0x14", "0x20", "0x11"])]
    if rnd.random() < 0.2:
        q += ["ipproto", rnd.choice(["tcp", "udp", "icmp"]), "dport", str(rnd.choice([53, 80, 443, 8080]))]
    if rnd.random() < 0.1 and "iif" not in q:
        q += ["uid", str(rnd.choice([0, 100, 150, 1000]))]
    return q


def members(fm, ns, q):
    """The live members fibmirror reports for a multipath match."""
    fam = ["-6"] if q and q[0] == "-6" else []
    args = q[1:] if fam else q
    r = run([fm, "-n", ns, *fam, "-j", "get", *args, "fibmatch"])
    hops = r.get("nexthops", [])
    return [(h.get("gateway") or (h.get("via") or {}).get("host"), h.get("dev"))
            for h in hops if "dead" not in h.get("flags", [])]


def compare(fm, ns, q, kern):
    fam = ["-6"] if q and q[0] == "-6" else []
    args = q[1:] if fam else q
    ours = norm(run([fm, "-n", ns, *fam, "-d", "-j", "get", *args]))
    if ours == norm(kern):
        return None
    # The namespace may have moved on since the batch (DAD ending, say): the
    # kernel's answer of record is the one asked right after ours.
    kern = norm(run(["ip", "-n", ns, *fam, "-d", "-j", "route", "get", *args]))
    if ours == kern:
        return None
    exact = os.environ.get("EXACT_MULTIPATH") == "1"
    live = members(fm, ns, q) if not exact and "error" not in ours and "error" not in kern else []
    if len(live) > 1:
        got = (kern.get("gateway") or (kern.get("via") or {}).get("host"), kern.get("dev"))
        a = {k: v for k, v in ours.items() if k not in ("gateway", "via", "dev", "prefsrc")}
        b = {k: v for k, v in kern.items() if k not in ("gateway", "via", "dev", "prefsrc")}
        if a == b and got in live:
            return None
    return ours, kern


def main():
    fm, ns, seed, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    queries = []
    if len(sys.argv) > 5:
        with open(sys.argv[5]) as f:
            queries = [l.split() for l in f if l.strip() and not l.startswith("#")]
    rnd = random.Random(seed)
    net = Net(ns)
    queries += [random_query(net, rnd) for _ in range(count)]
    by_family = {fam: [q for q in queries if (q[:1] == ["-6"]) == (fam == "-6")] for fam in ("-4", "-6")}
    kern = {}
    for fam, qs in by_family.items():
        args = [q[1:] if fam == "-6" else q for q in qs]
        for q, r in zip(qs, run_batch(["ip", "-n", ns, fam, "-d", "-j"], args)):
            kern[id(q)] = r
    bad = 0
    for q in queries:
        d = compare(fm, ns, q, kern[id(q)])
        if d:
            bad += 1
            if bad <= 30:
                print("# DIFF get %s\n#   ours:   %s\n#   kernel: %s" % (" ".join(q), d[0], d[1]))
    print("# seed %d: %d queries, %d disagreements" % (seed, len(queries), bad))
    sys.exit(1 if bad else 0)


main()
