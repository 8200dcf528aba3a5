#!/usr/bin/env python3
"""Print the differences between two bench runs: compare.py A.json B.json

For every row in either file: the median of each plugin in A and B with the change
in percent, and the nsbridge/reference ratio in A and B. Rows only in one file are
shown with '-' on the other side.
"""

import json
import signal
import sys


def load(path):
    with open(path) as f:
        doc = json.load(f)
    return doc, {row["key"]: row for row in doc["rows"]}


def median(row, side):
    s = row.get(side) if row else None
    return s["median"] if s else None


def fmt(v):
    if v is None:
        return "-"
    return f"{v:.2f}" if abs(v) < 100 else f"{v:.0f}"


def change(a, b):
    if a is None or b is None or a == 0:
        return "-"
    return f"{(b - a) / a * 100:+.0f}%"


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__.strip())
    (doc_a, a), (doc_b, b) = load(argv[0]), load(argv[1])
    print(f"A: {argv[0]}  ({doc_a['meta'].get('started', '?')}, {doc_a['meta'].get('nsbridge', '?')})")
    print(f"B: {argv[1]}  ({doc_b['meta'].get('started', '?')}, {doc_b['meta'].get('nsbridge', '?')})")
    keys = list(a) + [k for k in b if k not in a]
    head = ["scenario", "unit", "nsb A", "nsb B", "chg", "ref A", "ref B", "chg", "ratio A", "ratio B"]
    lines = [head]
    for key in keys:
        ra, rb = a.get(key), b.get(key)
        row = ra or rb
        cells = [row["label"], row["unit"]]
        for side in ("nsbridge", "reference"):
            ma, mb = median(ra, side), median(rb, side)
            cells += [fmt(ma), fmt(mb), change(ma, mb)]
        cells += [fmt(ra and ra.get("ratio")), fmt(rb and rb.get("ratio"))]
        lines.append(cells)
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    for n, line in enumerate(lines):
        print("  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(line)))
        if n == 0:
            print("-" * (sum(widths) + 2 * (len(widths) - 1)))


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet when piped into head
    main(sys.argv[1:])
