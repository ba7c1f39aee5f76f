#!/usr/bin/env python3
"""Given 'ID PATH' lines (blob id, file path under ROOT), writes the binary payloads of the git
trees that hold those files (ROOT-relative layout) into OUT/tree-NNNNNN, children before parents,
and prints their paths, root last. Both git and accord then ingest the same trees with
`hash-object -t tree -w --stdin-paths`."""
import hashlib, os, sys

def main():
    root, out = sys.argv[1].rstrip("/") + "/", sys.argv[2]
    os.makedirs(out, exist_ok=True)
    tree = {}
    for line in sys.stdin:
        oid, path = line.rstrip("\n").split(" ", 1)
        node = tree
        parts = path[len(root):].split("/")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = oid
    count = [0]
    def write(node):
        entries = []
        for name, child in node.items():
            if isinstance(child, dict):
                entries.append((name + "/", b"40000 " + name.encode() + b"\0" + bytes.fromhex(write(child))))
            else:
                entries.append((name, b"100644 " + name.encode() + b"\0" + bytes.fromhex(child)))
        payload = b"".join(e for _, e in sorted(entries, key=lambda x: x[0].encode()))
        count[0] += 1
        p = os.path.join(out, "tree-%07d" % count[0])
        with open(p, "wb") as f:
            f.write(payload)
        print(p)
        return hashlib.sha256(b"tree %d\0" % len(payload) + payload).hexdigest()
    write(tree)

main()
