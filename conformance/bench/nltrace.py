#!/usr/bin/env python3
"""Summarise an `strace -f -yy` trace: nltrace.py TRACE

Prints one line: syscalls execs nl-sockets route-send route-recv nf-send nf-recv other-send other-recv

strace can name a netlink socket's family (`3<NETLINK:[ROUTE:1234]>`) only for sockets in
its own network namespace; sockets the plugin opens inside the container netns show up as
`3<NETLINK:[inode]>`. Their family is taken from the socket(2) call that created them.
"""

import re
import sys

CALL = re.compile(r"^\d+\s+([a-z_0-9]+)\((.*)$")
RESUMED = re.compile(r"^(\d+)\s+<\.\.\. ([a-z_0-9]+) resumed>(.*)$")
UNFINISHED = re.compile(r"^(\d+)\s+([a-z_0-9]+)\((.*) <unfinished \.\.\.>$")
NAMED = re.compile(r"^\d+<NETLINK:\[([A-Z_0-9]+):\d+\]>")
INODE = re.compile(r"^\d+<NETLINK:\[(\d+)\]>")
CREATED = re.compile(r"= \d+<NETLINK:\[(\d+)\]>")
FAMILY = {"NETLINK_ROUTE": "ROUTE", "NETLINK_NETFILTER": "NETFILTER"}
SEND = ("sendto", "sendmsg", "sendmmsg")
RECV = ("recvfrom", "recvmsg", "recvmmsg")


def summarise(lines):
    inode_family, pending = {}, {}
    counts = {"syscalls": 0, "execs": 0, "sockets": 0}
    io = {(f, d): 0 for f in ("ROUTE", "NETFILTER", "other") for d in ("send", "recv")}
    for line in lines:
        line = line.rstrip("\n")
        m = UNFINISHED.match(line)
        if m:
            pending[m.group(1)] = (m.group(2), m.group(3))
            name, args, rest = m.group(2), m.group(3), ""
        else:
            r = RESUMED.match(line)
            if r:  # completes a call already counted; only socket() results matter here
                name, args = pending.pop(r.group(1), (r.group(2), ""))
                if name == "socket":
                    note_socket(args, r.group(3), inode_family)
                continue
            m = CALL.match(line)
            if not m:
                continue
            name, args, rest = m.group(1), m.group(2), m.group(2)
        counts["syscalls"] += 1
        if name == "execve" and " = -1 " not in line:
            counts["execs"] += 1
        if name == "socket" and "AF_NETLINK" in args:
            counts["sockets"] += 1
            note_socket(args, rest, inode_family)
        direction = "send" if name in SEND else "recv" if name in RECV else None
        if direction and "<NETLINK:" in args.split(",", 1)[0]:
            io[(family_of(args, inode_family), direction)] += 1
    return counts, io


def note_socket(args, result, inode_family):
    created = CREATED.search(result)
    if created:
        proto = next((FAMILY[k] for k in FAMILY if k in args), "other")
        inode_family[created.group(1)] = proto


def family_of(args, inode_family):
    named = NAMED.match(args)
    if named:
        return named.group(1) if named.group(1) in ("ROUTE", "NETFILTER") else "other"
    inode = INODE.match(args)
    return inode_family.get(inode.group(1), "other") if inode else "other"


def main(path):
    with open(path, errors="replace") as f:
        counts, io = summarise(f)
    print(counts["syscalls"], counts["execs"], counts["sockets"],
          io[("ROUTE", "send")], io[("ROUTE", "recv")], io[("NETFILTER", "send")],
          io[("NETFILTER", "recv")], io[("other", "send")], io[("other", "recv")])


if __name__ == "__main__":
    main(sys.argv[1])
