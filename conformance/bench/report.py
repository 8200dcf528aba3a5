"""Collects result rows, prints the table and writes the JSON that compare.py reads."""

import json

from benchlib import summary

SIDES = ("nsbridge", "reference")


class Report:
    def __init__(self, meta):
        self.meta = meta
        self.rows = []
        self.notes = []

    def row(self, key, label, unit, values, failures=None):
        """values: {plugin label: [numbers]}; the ratio is nsbridge median / reference median."""
        row = {"key": key, "label": label, "unit": unit}
        for side in SIDES:
            row[side] = summary(values.get(side, []))
        row["ratio"] = _ratio(row["nsbridge"], row["reference"])
        if failures:
            row["failed"] = dict(failures)
        self.rows.append(row)
        _print_row(row)

    def ratio_row(self, key, label, numerator, denominator):
        """Per-plugin ratio of two medians (e.g. ADD at 10,000 taken / ADD at 1 taken)."""
        values = {}
        for side in SIDES:
            top, bottom = summary(numerator.get(side, [])), summary(denominator.get(side, []))
            if top and bottom and bottom["median"] > 0:
                values[side] = [top["median"] / bottom["median"]]
        self.row(key, label, "x", values)

    def note(self, text):
        self.notes.append(text)
        print(f"  note: {text}", flush=True)

    def to_json(self):
        return {"meta": self.meta, "rows": self.rows, "notes": self.notes}

    def write_json(self, path):
        with open(path, "w") as f:
            json.dump(self.to_json(), f, indent=1, sort_keys=True)
            f.write("\n")

    def table(self):
        return format_table(self.rows, self.notes, self.meta)


def _ratio(ours, theirs):
    if ours and theirs and theirs["median"]:
        return ours["median"] / theirs["median"]
    return None


def _fmt(value, unit):
    if value is None:
        return "-"
    if unit in ("count", "KiB"):
        return f"{value:.0f}"
    if unit == "x":
        return f"{value:.2f}x"
    return f"{value:.2f}" if value < 100 else f"{value:.1f}"


def _cells(row):
    cells = [row["label"], row["unit"]]
    for side in SIDES:
        s = row[side]
        if s is None:
            cells += ["FAILED" if side in row.get("failed", {}) else "-", "", ""]
        else:
            partial = "!" if side in row.get("failed", {}) else ""
            cells += [_fmt(s["median"], row["unit"]), _fmt(s["p95"], row["unit"]), f"{s['n']}{partial}"]
    cells.append("-" if row["ratio"] is None else f"{row['ratio']:.2f}")
    return cells


HEADER = ["scenario", "unit", "nsb med", "nsb p95", "n", "ref med", "ref p95", "n", "nsb/ref"]


def format_table(rows, notes=(), meta=None):
    lines = [HEADER] + [_cells(r) for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADER))]
    out = []
    if meta:
        out.append(f"# {meta.get('started', '')}  kernel {meta.get('kernel', '')}  "
                   f"cniVersion {meta.get('cniVersion', '')}")
        out.append(f"# nsbridge: {meta.get('nsbridge', '')}  reference: {meta.get('reference', '')}")
        out.append(f"# {meta.get('cpus', '?')} CPUs, load average {meta.get('loadavg_start', 0):.2f} at start, "
                   f"{meta.get('loadavg_end', float('nan')):.2f} at end; took {meta.get('duration_s', '?')} s")
    for n, line in enumerate(lines):
        text = "  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(line))
        out.append(text.rstrip())
        if n == 0:
            out.append("-" * len(text))
    seen = set()
    for row in rows:
        for side, why in row.get("failed", {}).items():
            if (side, why) not in seen:
                seen.add((side, why))
                out.append(f"! {side} failed in {row['key']} (n with '!' = calls before that): {why}")
    out += [f"note: {n}" for n in notes]
    return "\n".join(out)


def _print_row(row):
    print("  " + " | ".join(c for c in _cells(row) if c != ""), flush=True)
