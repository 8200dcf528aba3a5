"""The kernel's own share of one bridge attachment, timed with bare rtnetlink: the floor under
any bridge plugin's ADD at a given number of attached containers.

One floor probe does what every bridge plugin must have the kernel do for a container, and
nothing else (no process start, no IPAM, no addresses, no routes, no nftables):

1. one RTM_NEWLINK that creates a veth pair, its host end up and on the bridge, its peer in the
   container's netns (as nsbridge asks for it);
2. one RTM_NEWLINK inside the container's netns that brings the peer up;
3. a wait until the host end is running (carrier and operational state), which is when the
   bridge has enabled the port.

The pair is then deleted, untimed. Comparing this floor at 1 and at N attached shows how much
of a plugin's growth is the kernel's walks over the bridge's ports and the node's namespaces.
"""

import fcntl
import os
import socket
import struct
import time

from benchlib import BenchError

RTM_NEWLINK, RTM_DELLINK, NLMSG_ERROR = 16, 17, 2
NLM_F_REQUEST, NLM_F_ACK, NLM_F_EXCL, NLM_F_CREATE = 0x1, 0x4, 0x200, 0x400
IFLA_IFNAME, IFLA_MASTER, IFLA_LINKINFO, IFLA_NET_NS_FD = 3, 10, 18, 28
IFLA_INFO_KIND, IFLA_INFO_DATA, VETH_INFO_PEER = 1, 2, 1
IFF_UP, IFF_RUNNING = 0x1, 0x40
SIOCGIFFLAGS = 0x8913
RUNNING_TIMEOUT_S = 3.0


def _attribute(kind, payload):
    length = 4 + len(payload)
    return struct.pack("HH", length, kind) + payload + b"\0" * (-length % 4)


def _ifinfo(index=0, flags=0, change=0):
    return struct.pack("BxHiII", socket.AF_UNSPEC, 0, index, flags, change)


def _name(text):
    return _attribute(IFLA_IFNAME, text.encode() + b"\0")


class _RouteSocket:
    """One rtnetlink socket in the netns current when it is made; requests wait for their ack."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
        self.sock.bind((0, 0))
        self.seq = 0

    def request(self, kind, flags, body):
        self.seq += 1
        header = struct.pack("IHHII", 16 + len(body), kind, flags | NLM_F_REQUEST | NLM_F_ACK, self.seq, 0)
        self.sock.send(header + body)
        while True:
            data = self.sock.recv(65536)
            offset = 0
            while offset < len(data):
                length, answer, _, seq, _ = struct.unpack_from("IHHII", data, offset)
                if answer == NLMSG_ERROR and seq == self.seq:
                    error = struct.unpack_from("i", data, offset + 16)[0]
                    if error:
                        raise BenchError(f"rtnetlink request {kind}: {os.strerror(-error)}")
                    return
                offset += (length + 3) & ~3

    def close(self):
        self.sock.close()


def _running(probe, name):
    request = struct.pack("16s16x", name.encode())
    flags = struct.unpack_from("H", fcntl.ioctl(probe, SIOCGIFFLAGS, request), 16)[0]
    return flags & IFF_RUNNING != 0


def attach_floor(namespaces, host, container, bridge, host_end):
    """Times one bare attachment of `container` to `bridge` (both netns paths; `host_end` is the
    host veth's name, at most 15 bytes) and removes it again. Returns milliseconds."""
    namespaces.enter(container)
    inner = _RouteSocket()
    namespaces.enter(host)
    outer, probe = _RouteSocket(), socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    netns = os.open(container, os.O_RDONLY | os.O_CLOEXEC)
    try:
        peer = _ifinfo() + _name("eth0") + _attribute(IFLA_NET_NS_FD, struct.pack("I", netns))
        info = _attribute(IFLA_INFO_KIND, b"veth\0") + _attribute(IFLA_INFO_DATA, _attribute(VETH_INFO_PEER, peer))
        create = (_ifinfo(flags=IFF_UP, change=IFF_UP) + _name(host_end)
                  + _attribute(IFLA_MASTER, struct.pack("I", socket.if_nametoindex(bridge)))
                  + _attribute(IFLA_LINKINFO, info))
        start = time.perf_counter()
        outer.request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, create)
        inner.request(RTM_NEWLINK, 0, _ifinfo(flags=IFF_UP, change=IFF_UP) + _name("eth0"))
        while not _running(probe, host_end):
            if time.perf_counter() - start > RUNNING_TIMEOUT_S:
                raise BenchError(f"kernel floor: {host_end} not running after {RUNNING_TIMEOUT_S} s")
            time.sleep(0.0001)
        elapsed_ms = (time.perf_counter() - start) * 1000
        outer.request(RTM_DELLINK, 0, _ifinfo(index=socket.if_nametoindex(host_end)))
        return elapsed_ms
    finally:
        os.close(netns)
        probe.close()
        outer.close()
        inner.close()
