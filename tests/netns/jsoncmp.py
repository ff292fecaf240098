#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Compare two JSON arrays as multisets of objects (order normalised).
Usage: jsoncmp.py A.json B.json -- exit 0 if equal, else print the differences."""
import json
import sys
from collections import Counter


def canon(path):
    """Objects as sorted-key strings; "expires" counts down between the two
    dumps, so it is kept to within 2 seconds (rounded to even seconds)."""
    with open(path) as f:
        data = json.load(f)
    out = Counter()
    for o in data:
        if isinstance(o, dict) and isinstance(o.get("expires"), int):
            o["expires"] = "~%d" % (round(o["expires"] / 4) * 4)
        out[json.dumps(o, sort_keys=True)] += 1
    return out


a, b = canon(sys.argv[1]), canon(sys.argv[2])
if a == b:
    print(f"equal: {sum(a.values())} objects")
    sys.exit(0)
for k in (a - b):
    print("- ours only:", k)
for k in (b - a):
    print("+ iproute2 only:", k)
sys.exit(1)
