#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Compare two JSON arrays as multisets of objects (order normalised).
Usage: jsoncmp.py A.json B.json -- exit 0 if equal, else print the differences.

"expires" counts down between the two dumps being compared, so objects are
matched without it and its values must then agree within TOLERANCE seconds."""
import json
import sys
from collections import Counter, defaultdict

TOLERANCE = 2


def load(path):
    with open(path) as f:
        data = json.load(f)
    keys, expires = Counter(), defaultdict(list)
    for o in data:
        if isinstance(o, dict) and isinstance(o.get("expires"), int):
            e = o.pop("expires")
            o["expires"] = "counting"
            expires[json.dumps(o, sort_keys=True)].append(e)
        keys[json.dumps(o, sort_keys=True)] += 1
    return keys, expires


(a, ea), (b, eb) = load(sys.argv[1]), load(sys.argv[2])
bad = [f"expires {sorted(ea[k])} vs {sorted(eb[k])}: {k}" for k in ea
       if any(abs(x - y) > TOLERANCE for x, y in zip(sorted(ea[k]), sorted(eb.get(k, []))))]
if a == b and not bad:
    print(f"equal: {sum(a.values())} objects")
    sys.exit(0)
for k in a - b:
    print("- ours only:", k)
for k in b - a:
    print("+ iproute2 only:", k)
for line in bad:
    print("~", line)
sys.exit(1)
