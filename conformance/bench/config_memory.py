#!/usr/bin/env python3
"""Peak RSS of one ADD fed a netconf of about 4 MiB (the stdin cap), for each shape of padding.

The ADD names a network namespace that does not exist, so it fails with code 8 right after the
configuration is decoded, touching nothing on the host. Prints one line per shape: the bytes
sent, `/usr/bin/time -f %M` of the plugin, and the first bytes of its answer. A normal ADD to
the same missing namespace comes first, for the baseline. See PERFORMANCE.md, "Memory of a
large configuration". Usage: config_memory.py [BINARY]   (default .build/release/nsbridge)
"""
import os
import subprocess
import sys

LIMIT = 4 << 20
HEAD = '{"cniVersion":"1.0.0","name":"memory","type":"nsbridge","bridge":"memtest0"'
SHAPES = {  # name: (open, item(i), close)
    "integers": ("[", lambda i: "1", "]"),
    "one string": ('"', lambda i: "a", '"'),
    "keys": ("{", lambda i: f'"k{i}":1', "}"),
    "empty objects": ("[", lambda i: "{}", "]"),
    "short strings": ("[", lambda i: '"ab"', "]"),
    "nesting": ("", None, ""),
}


def padded(shape):
    opening, item, closing = SHAPES[shape]
    if item is None:  # deeper than the parser allows: refused with code 6 after the read
        depth = (LIMIT - len(HEAD) - 8) // 2
        return HEAD + ',"pad":' + "[" * depth + "]" * depth + "}"
    parts, size, i = [], len(HEAD) + len(',"pad":') + len(opening) + len(closing) + 1, 0
    separator = "" if opening == '"' else ","
    while True:
        piece = (separator if i else "") + item(i)
        if size + len(piece) > LIMIT:
            break
        parts.append(piece)
        size += len(piece)
        i += 1
    return HEAD + ',"pad":' + opening + "".join(parts) + closing + "}"


def measure(binary, text):
    env = {"CNI_COMMAND": "ADD", "CNI_CONTAINERID": "memory", "CNI_NETNS": "/run/netns/nsbridge-no-such-netns",
           "CNI_IFNAME": "eth0", "CNI_PATH": "/usr/lib/cni", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
    run = subprocess.run(["/usr/bin/time", "-f", "%M", binary], input=text.encode(), env=env, capture_output=True)
    return run.stderr.decode().split()[-1], run.stdout[:80]


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../.build/release/nsbridge")
    for shape in ["normal"] + list(SHAPES):
        text = HEAD + "}" if shape == "normal" else padded(shape)
        peak, answer = measure(binary, text)
        print(f"{shape:14} {len(text):8} bytes  peak {peak:>6} KiB  {answer!r}")


if __name__ == "__main__":
    main()
