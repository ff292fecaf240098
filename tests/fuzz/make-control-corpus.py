#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Regenerate tests/fuzz/corpus/control: what real clients write to the daemon.

Usage: make-control-corpus.py FIBMIRROR-BINARY [OUT-DIR]

The well-formed inputs are not written by hand: the real client (the tool's
send_request(), through daemon_forward() and daemon_batch()) talks to a fake
daemon listening where FIBMIRROR_SOCKET_DIR points, which records every byte
of a connection and answers each request with an exit frame. The malformed
ones are those recordings cut, stretched or corrupted, one defect each.
"""
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading

CLIENT_RUNS = {
    "get-v4": ["get", "192.0.2.1"],
    "get-json-from-iif-mark": ["-j", "get", "10.5.1.1", "from", "192.0.2.9", "iif", "v0",
                               "mark", "7"],
    "get-v6-oif": ["-6", "get", "2001:db8:100::1", "oif", "v2", "uid", "1000"],
    "get-fibmatch-connected": ["get", "fibmatch", "connected", "10.1.2.3"],
    "show": ["show"],
    "show-route-table-json-pretty": ["-j", "-p", "-d", "show", "route", "table", "200"],
    "show-rule-v4": ["-4", "show", "rule"],
    "show-nexthop-link-addr": ["show", "nexthop"],
    "show-addr-json": ["-j", "show", "addr"],
    "show-netconf": ["show", "netconf"],
    "gw-dev": ["gw", "192.0.2.254", "dev", "v0"],
    "dev": ["dev", "v2"],
    "stats-json": ["-j", "stats"],
    "monitor-route": ["-j", "monitor", "route", "rule"],
    "save": ["save", "snap.fm"],
    "verify": ["verify"],
    "unknown-option-word": ["show", "frobnicate"],
}
BATCHES = {
    "batch-force": (["-force"], "get 192.0.2.1\nshow rule\nnonsense\n-j get 10.1.1.1\n"),
    "batch-stop": ([], "get 192.0.2.1\nget 999.1.1.1\nshow\n"),
    "batch-quotes": (["-force"], "get \"192.0.2.1\" from '198.51.100.1'\nshow 'route\n# c\n\n"),
    "batch-monitor": (["-force"], "monitor\nstats\nsave /tmp/x\n"),
}


def fake_daemon(srv, record):
    """Record one connection; answer every whole request with exit status 0."""
    conn, _ = srv.accept()
    buf = b""
    while True:
        data = conn.recv(65536)
        if not data:
            break
        record.append(data)
        buf += data
        while len(buf) >= 8:
            (length,) = struct.unpack_from("<I", buf, 4)
            if len(buf) < 8 + length:
                break
            flags = buf[9]
            buf = buf[8 + length:]
            conn.sendall(b"x" + struct.pack("<I", 4) + struct.pack("<I", 0))
            if not flags & 8:  # REQ_BATCH keeps the connection
                conn.close()
                return
    conn.close()


def record(tool, args, stdin=None):
    with tempfile.TemporaryDirectory() as d:
        ino = os.stat("/proc/self/ns/net").st_ino
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(f"{d}/net-{ino}.sock")
        srv.listen(1)
        rec = []
        srv.settimeout(20)
        t = threading.Thread(target=fake_daemon, args=(srv, rec), daemon=True)
        t.start()
        env = dict(os.environ, FIBMIRROR_SOCKET_DIR=d)
        subprocess.run([tool] + args, cwd="/", env=env, input=stdin, capture_output=True,
                       timeout=20, check=False)
        t.join(20)
        srv.close()
        return b"".join(rec)


def request(words, flags=0, family=0):
    body = b"".join(w + b"\0" for w in words)
    return (b"FMQ2" + struct.pack("<IBBH", 4 + len(body), family, flags, len(words)) + body)


def main():
    tool = os.path.abspath(sys.argv[1])
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus", "control")
    os.makedirs(out, exist_ok=True)
    files = {}
    for name, args in CLIENT_RUNS.items():
        files[name] = record(tool, args)
    for name, (opts, text) in BATCHES.items():
        files[name] = record(tool, opts + ["-batch", "-"], text.encode())
    get = files["get-v4"]
    files.update({
        "bad-truncated-header": get[:10],
        "bad-truncated-body": get[:-3],
        "bad-magic": b"FMQ1" + get[4:],
        "bad-length-huge": get[:4] + struct.pack("<I", 0xFFFFFFF0) + get[8:],
        "bad-length-short": get[:4] + struct.pack("<I", 3) + get[8:],
        "bad-argc-zero": get[:10] + b"\0\0" + get[12:],
        "bad-argc-more": get[:10] + struct.pack("<H", 9) + get[12:],
        "bad-no-nul": get[:-1] + b"x",
        "bad-relative-dir": request([b"tmp", b"show"]),
        "bad-dir-only": request([b"/"]),
        "bad-batch-lineno": request([b"/", b"-", b"x12", b"show\n"], flags=8),
        "bad-batch-argc": request([b"/", b"-", b"0"], flags=8),
        "two-requests": get + files["show"],
        "batch-then-command": files["batch-force"] + get,
        "bad-length-over-max": get[:4] + struct.pack("<I", 64 * 1024 + 1) + get[8:],
        "family-bogus": request([b"/", b"get", b"192.0.2.1"], family=99),
    })
    for name, data in files.items():
        if not data:
            sys.exit(f"no bytes recorded for {name}")
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"{len(files)} inputs in {out}")


if __name__ == "__main__":
    main()
