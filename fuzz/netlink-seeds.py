#!/usr/bin/env python3
"""Writes real rtnetlink replies as seeds for the netlink fuzz target: link, address and route
dumps (plain and AF_BRIDGE) and an error with an extended ACK, taken in whatever network
namespace this runs in. Run it inside a throwaway namespace with a bridge and a veth on it:
    fuzz/netlink-seeds.py fuzz/corpus/netlink
"""
import os, socket, struct, sys

NETLINK_EXT_ACK = 11
RTM_NEWLINK, RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE = 16, 18, 22, 26
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP, NLM_F_CREATE, NLM_F_EXCL = 1, 4, 0x300, 0x400, 0x200


def request(kind, flags, payload, sequence):
    return struct.pack("=IHHII", 16 + len(payload), kind, flags, sequence, 0) + payload


def attribute(kind, value):
    raw = struct.pack("=HH", 4 + len(value), kind) + value
    return raw + b"\0" * (-len(raw) % 4)


def replies(sock, message):
    sock.send(message)
    datagrams = []
    while True:
        data = sock.recv(65536)
        datagrams.append(data)
        kind = struct.unpack_from("=H", data, 4)[0]
        if kind in (2, 3) or not (struct.unpack_from("=H", data, 6)[0] & 2):  # ERROR, DONE, not multi
            return datagrams


def main(directory):
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    sock.setsockopt(270, NETLINK_EXT_ACK, 1)  # SOL_NETLINK
    sock.bind((0, 0))
    ifinfo = lambda family=0: struct.pack("=BxHiII", family, 0, 0, 0, 0)
    asks = {
        "links": request(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, ifinfo(), 1),
        "bridge-ports": request(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, ifinfo(7) + attribute(29, struct.pack("=I", 2)), 2),
        "addresses": request(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, struct.pack("=BBBBI", 0, 0, 0, 0, 0), 3),
        "routes4": request(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, struct.pack("=BBBBBBBBI", 2, 0, 0, 0, 0, 0, 0, 0, 0), 4),
        "routes6": request(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, struct.pack("=BBBBBBBBI", 10, 0, 0, 0, 0, 0, 0, 0, 0), 5),
        "error-ext-ack": request(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
                                 ifinfo() + attribute(3, b"seed0\0") + attribute(18, attribute(1, b"no-such-kind\0")), 6),
    }
    for name, message in asks.items():
        for index, datagram in enumerate(replies(sock, message)):
            with open(os.path.join(directory, f"{name}-{index}"), "wb") as seed:
                seed.write(datagram)


if __name__ == "__main__":
    main(sys.argv[1])
