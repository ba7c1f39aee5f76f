#!/usr/bin/env python3
"""Writes K copies of the 24 fixture contracts (Fixtures/contracts/*.json: drafts, reviews,
signed, executing, closed, with their records), each copy's numbers suffixed -NNN (renewals
pointing at their own copy), as import files of at most 139 copies (3,336 contracts, under the
16 MiB limit of a contract file) in DIR. Usage: fixture_copies.py K DIR; prints the file names."""
import json, os, sys

def main():
    k, out = int(sys.argv[1]), sys.argv[2]
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures", "contracts")
    entries = []
    for f in ["closed.json", "drafts-and-reviews.json", "signed-and-executing.json"]:
        with open(os.path.join(root, f), encoding="utf-8") as fh:
            entries += json.load(fh)
    os.makedirs(out, exist_ok=True)
    for part, first in enumerate(range(0, k, 139)):
        res = []
        for c in range(first, min(k, first + 139)):
            for e in entries:
                e2 = json.loads(json.dumps(e))
                e2["contract"]["number"] += "-%03d" % c
                if e2["contract"].get("renews"):
                    e2["contract"]["renews"] += "-%03d" % c
                res.append(e2)
        path = os.path.join(out, "copies-%d.json" % part)
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(res, fh, ensure_ascii=False)
        print(path)

main()
