#!/usr/bin/env python3
"""Judges nsbridge's JSON parser against Python's json module (JSONDifferentialTests).

stdin: a JSON list of {"doc": <hex of the document>, "ours": <what we printed, or null if we
refused it>}. Each document is parsed here the way our parser (and Go's encoding/json) reads
JSON: no NaN/Infinity, no number beyond a double, integers exact within 64 bits and doubles
beyond, lone surrogates as U+FFFD. Prints one line per disagreement and exits 1 if any.
"""
import json
import math
import sys


def refuse(text):
    raise ValueError(f"not JSON: {text}")


def finite_float(text):
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"out of range: {text}")
    return value


def integer(text):
    value = int(text)
    return value if -2**63 <= value < 2**63 else finite_float(text)


def parse(text):
    return json.loads(text, parse_constant=refuse, parse_float=finite_float, parse_int=integer)


def normalized(value):
    if isinstance(value, str):
        return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in value)
    if isinstance(value, list):
        return [normalized(item) for item in value]
    if isinstance(value, dict):
        return {normalized(key): normalized(item) for key, item in value.items()}
    return value


REFUSED = object()


def main():
    disagreements = 0
    cases = json.load(sys.stdin)
    for case in cases:
        document = bytes.fromhex(case["doc"]).decode("utf-8", errors="replace")
        try:
            theirs = normalized(parse(document))
        except (ValueError, RecursionError):
            theirs = REFUSED
        ours = case["ours"]
        if (theirs is REFUSED) != (ours is None):
            print(f"accept/reject differ: ours {'accepts' if ours is not None else 'refuses'}: {document!r}")
            disagreements += 1
        elif ours is not None and parse(ours) != theirs:
            print(f"values differ: {document!r}: ours {ours!r}")
            disagreements += 1
    print(f"{len(cases)} documents, {disagreements} disagreements", file=sys.stderr)
    sys.exit(1 if disagreements else 0)


main()
