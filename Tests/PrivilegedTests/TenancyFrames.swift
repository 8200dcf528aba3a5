import CNIProtocol
import CNITestSupport
import Foundation

/// Crafts frames inside one container namespace with an `AF_PACKET` raw socket and reports
/// which of them another container on the same bridge received, seen by a raw socket there.
/// Every frame goes to the broadcast MAC, so the bridge floods it to every port, and carries a
/// marker naming the case inside the packet's own length (UDP payload, an ND option of an
/// experimental type, bytes after the ARP body).
enum TenancyFrames {
    struct Port {
        var namespace: String
        var mac: String
        var ipv4: String
        var ipv6: String
        var linkLocal: String
    }

    /// Sends every case from `sender` claiming `other`'s identity where a case spoofs, and returns
    /// case name → whether `observer` received it.
    static func send(from sender: Port, observer: String, other: Port) throws -> [String: Bool] {
        let parameters: JSONValue = [
            "sender": .string(sender.namespace), "observer": .string(observer),
            "mac": .string(sender.mac), "ip4": .string(sender.ipv4), "ip6": .string(sender.ipv6), "ll": .string(sender.linkLocal),
            "other_mac": .string(other.mac), "other_ip4": .string(other.ipv4), "other_ip6": .string(other.ipv6),
        ]
        let outcome = try PluginProcess.run("/usr/bin/python3", arguments: ["-c", script, parameters.serialized()],
                                            environment: [:], stdin: [], timeoutSeconds: 30)
        guard outcome.status == 0, let report = outcome.json?.objectValue else {
            throw TestbedFailure("frame script failed: \(outcome)")
        }
        return report.compactMapValues(\.boolValue)
    }

    /// Cases whose frames are the container's own and must pass.
    static let own = ["ipv4", "arp-request", "arp-probe", "ipv6-global", "ipv6-link-local", "dad-ns", "ns-own-slla",
                      "na-own", "rs-own-slla"]
    /// Cases that spoof something and must be dropped by `ipspoofchk`.
    static let spoofed = ["ether-source", "ipv4-source", "ipv4-unspecified", "arp-sender-mac", "arp-sender-ip",
                          "ipv6-source", "udp-from-unspecified", "ns-slla", "na-target", "na-tlla", "rs-slla",
                          "router-advertisement", "vlan-tagged"]

    private static let script = #"""
import ctypes, json, os, socket, struct, sys, time
libc = ctypes.CDLL(None, use_errno=True)
def enter(path):
    fd = os.open(path, os.O_RDONLY)
    if libc.setns(fd, 0x40000000) != 0:
        raise OSError(ctypes.get_errno(), "setns " + path)
    os.close(fd)
p = json.loads(sys.argv[1])
enter(p["observer"])
sniffer = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
sniffer.bind(("eth0", 0))
enter(p["sender"])
out = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
out.bind(("eth0", 0))
mac = lambda s: bytes.fromhex(s.replace(":", ""))
ip4 = lambda s: socket.inet_pton(socket.AF_INET, s)
ip6 = lambda s: socket.inet_pton(socket.AF_INET6, s)
MAC, OMAC = mac(p["mac"]), mac(p["other_mac"])
IP4, OIP4, IP6, OIP6, LL = ip4(p["ip4"]), ip4(p["other_ip4"]), ip6(p["ip6"]), ip6(p["other_ip6"]), ip6(p["ll"])
ZERO4, ZERO6, ALL = bytes(4), bytes(16), ip6("ff02::1")
def checksum(data):
    data += bytes(len(data) % 2)
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff
def eth(src, kind, payload):
    return b"\xff" * 6 + src + struct.pack("!H", kind) + payload
# The marker travels inside each packet's own length: the bridge may trim IP packets to it.
def udp4(src, m):
    udp = struct.pack("!HHHH", 40000, 40000, 8 + len(m), 0) + m
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, src, ip4("255.255.255.255"))
    return header[:10] + struct.pack("!H", checksum(header)) + header[12:] + udp
def arp(sha, spa, tpa, m):
    return struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + sha + spa + bytes(6) + tpa + m
def ipv6(src, dst, next_header, payload):
    return struct.pack("!IHBB", 0x60000000, len(payload), next_header, 255) + src + dst + payload
def icmp6(src, body):
    pseudo = src + ALL + struct.pack("!I3xB", len(body), 58)
    return ipv6(src, ALL, 58, body[:2] + struct.pack("!H", checksum(pseudo + body)) + body[4:])
def udp6(src, m):
    return ipv6(src, ALL, 17, struct.pack("!HHHH", 40000, 40000, 8 + len(m), 0) + m)
def lla(kind, address):
    return bytes([kind, 1]) + address
def marker_option(m):
    # An ND option of experimental type 253 (RFC 4727), which receivers skip.
    body = m + bytes(-(len(m) + 2) % 8)
    return bytes([253, (len(body) + 2) // 8]) + body
def ns(target, options, m):
    return struct.pack("!BBHI", 135, 0, 0, 0) + target + options + marker_option(m)
def na(target, options, m):
    return struct.pack("!BBHI", 136, 0, 0, 0x20000000) + target + options + marker_option(m)
def rs(options, m):
    return struct.pack("!BBHI", 133, 0, 0, 0) + options + marker_option(m)
def ra(m):
    return struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 1800, 0, 0) + marker_option(m)
nonce = bytes([14, 1]) + b"\x01\x02\x03\x04\x05\x06"
cases = {
    "ipv4": lambda m: eth(MAC, 0x0800, udp4(IP4, m)),
    "arp-request": lambda m: eth(MAC, 0x0806, arp(MAC, IP4, OIP4, m)),
    "arp-probe": lambda m: eth(MAC, 0x0806, arp(MAC, ZERO4, IP4, m)),
    "ipv6-global": lambda m: eth(MAC, 0x86dd, udp6(IP6, m)),
    "ipv6-link-local": lambda m: eth(MAC, 0x86dd, udp6(LL, m)),
    "dad-ns": lambda m: eth(MAC, 0x86dd, icmp6(ZERO6, ns(IP6, nonce, m))),
    "ns-own-slla": lambda m: eth(MAC, 0x86dd, icmp6(LL, ns(OIP6, lla(1, MAC), m))),
    "na-own": lambda m: eth(MAC, 0x86dd, icmp6(IP6, na(IP6, lla(2, MAC), m))),
    "rs-own-slla": lambda m: eth(MAC, 0x86dd, icmp6(LL, rs(lla(1, MAC), m))),
    "ether-source": lambda m: eth(OMAC, 0x0800, udp4(IP4, m)),
    "ipv4-source": lambda m: eth(MAC, 0x0800, udp4(OIP4, m)),
    "ipv4-unspecified": lambda m: eth(MAC, 0x0800, udp4(ZERO4, m)),
    "arp-sender-mac": lambda m: eth(MAC, 0x0806, arp(OMAC, IP4, OIP4, m)),
    "arp-sender-ip": lambda m: eth(MAC, 0x0806, arp(MAC, OIP4, OIP4, m)),
    "ipv6-source": lambda m: eth(MAC, 0x86dd, udp6(OIP6, m)),
    "udp-from-unspecified": lambda m: eth(MAC, 0x86dd, udp6(ZERO6, m)),
    "ns-slla": lambda m: eth(MAC, 0x86dd, icmp6(LL, ns(OIP6, lla(1, OMAC), m))),
    "na-target": lambda m: eth(MAC, 0x86dd, icmp6(IP6, na(OIP6, lla(2, MAC), m))),
    "na-tlla": lambda m: eth(MAC, 0x86dd, icmp6(IP6, na(IP6, lla(2, OMAC), m))),
    "rs-slla": lambda m: eth(MAC, 0x86dd, icmp6(LL, rs(lla(1, OMAC), m))),
    "router-advertisement": lambda m: eth(MAC, 0x86dd, icmp6(LL, ra(m))),
    "vlan-tagged": lambda m: b"\xff" * 6 + MAC + struct.pack("!HH", 0x8100, 5) + struct.pack("!H", 0x0800) + udp4(OIP4, m),
}
for name, build in cases.items():
    out.send(build(b"NSBT:" + name.encode() + b";"))
seen = set()
sniffer.settimeout(0.2)
deadline = time.monotonic() + 1.0
while time.monotonic() < deadline:
    try:
        frame = sniffer.recv(4096)
    except socket.timeout:
        continue
    start = frame.find(b"NSBT:")
    if start >= 0:
        seen.add(frame[start + 5:frame.find(b";", start)].decode())
print(json.dumps({name: name in seen for name in cases}))
"""#
}
