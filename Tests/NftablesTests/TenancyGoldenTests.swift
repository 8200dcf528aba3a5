import CNIProtocol
import Testing

@testable import Nftables

/// Golden batches of `ipspoofchk` and `isolate`, as libnftnl prints them (`nft --debug=netlink`).
@Suite("Golden nftables batches of ipspoofchk and isolate (no kernel needed)")
struct TenancyGoldenTests {
    private let one = CNIProtocol.Attachment(containerID: "one", ifName: "eth0")
    private let addresses = [IPAddress("10.88.0.5")!, IPAddress("fd88::5")!]

    @Test("ipspoofchk ADD: port map, MAC and address sets (link-local from the MAC), 15 rules with no container in them")
    func addressSpoofCheckAdd() {
        let port = PortAddresses(name: "veth1", mac: [0x02, 0x42, 0x0a, 0x58, 0x00, 0x05], addresses: addresses)
        let batch = AddressSpoofCheck.addBatch(network: "mynet", attachment: one, port: port)
        expectSameLines(batch.text, addressSpoofCheckAddGolden)
    }

    @Test("isolate ADD: destination maps and a rule for traffic leaving the bridge; isolate chain with DNAT exemption and group match")
    func isolationAdd() {
        let batch = NetworkIsolation.addBatch(network: "mynet", attachment: one, bridge: "cni0", addresses: addresses)
        expectSameLines(batch.text, isolationAddGolden)
    }
}

/// Compares line by line so a failure names the first differing line.
private func expectSameLines(_ actual: String, _ golden: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
    let goldenLines = (golden + "\n").split(separator: "\n", omittingEmptySubsequences: false)
    for (index, (got, want)) in zip(actualLines, goldenLines).enumerated() where got != want {
        Issue.record("line \(index + 1):\n got: \(got)\nwant: \(want)", sourceLocation: sourceLocation)
        return
    }
    #expect(actualLines.count == goldenLines.count, "line count", sourceLocation: sourceLocation)
}

/// ipspoofchk ADD of eth0:one on host veth "veth1", MAC 02:42:0a:58:00:05, 10.88.0.5 and fd88::5.
/// The check chain's rules, as nft would list them:
///   iifname . ether saddr != @ipmacs drop
///   ether type 8021q drop ; ether type 8021ad drop
///   ether type ip iifname . ip saddr != @ip4 drop
///   ether type arp arp htype/ptype/hlen/plen != 1/ip/6/4 drop
///   ether type arp iifname . arp saddr ether != @ipmacs drop
///   ether type arp arp saddr ip != 0.0.0.0 iifname . arp saddr ip != @ip4 drop
///   ether type ip6 ip6 saddr != :: iifname . ip6 saddr != @ip6 drop
///   ether type ip6 ip6 saddr :: meta l4proto != ipv6-icmp drop
///   icmpv6 type nd-router-advert drop ; icmpv6 type nd-redirect drop
///   icmpv6 type nd-neighbor-advert iifname . icmpv6 target != @ip6 drop
///   icmpv6 type nd-router-solicit, first option slla: iifname . lladdr != @ipmacs drop (same for NS slla, NA tlla)
let addressSpoofCheckAddGolden = #"""
# nft add table bridge nsbridge
table nsbridge bridge flags 0 use 0 handle 0
# nft add map bridge nsbridge nsb-d69fc4dfc8673696-ipports { type ifname : verdict; }
nsb-d69fc4dfc8673696-ipports nsbridge 8
# nft add set bridge nsbridge nsb-d69fc4dfc8673696-ipmacs { type ifname . ether_addr; }
nsb-d69fc4dfc8673696-ipmacs nsbridge 0
# nft add set bridge nsbridge nsb-d69fc4dfc8673696-ip4 { type ifname . ipv4_addr; }
nsb-d69fc4dfc8673696-ip4 nsbridge 0
# nft add set bridge nsbridge nsb-d69fc4dfc8673696-ip6 { type ifname . ipv6_addr; }
nsb-d69fc4dfc8673696-ip6 nsbridge 0
# nft add chain bridge nsbridge nsb-d69fc4dfc8673696-ipcheck
bridge nsbridge nsb-d69fc4dfc8673696-ipcheck use 0
# nft add chain bridge nsbridge nsb-d69fc4dfc8673696-ipprerouting { type filter hook prerouting priority -300; policy accept; }
bridge nsbridge nsb-d69fc4dfc8673696-ipprerouting use 0 type filter hook prerouting prio -300 policy accept packets 0 bytes 0
# nft flush chain bridge nsbridge nsb-d69fc4dfc8673696-ipcheck
bridge nsbridge nsb-d69fc4dfc8673696-ipcheck use 0
# nft flush chain bridge nsbridge nsb-d69fc4dfc8673696-ipprerouting
bridge nsbridge nsb-d69fc4dfc8673696-ipprerouting use 0 type filter hook prerouting prio -300 policy accept packets 0 bytes 0
# nft add rule bridge nsbridge nsb-d69fc4dfc8673696-ipcheck … comment "d69fc4dfc8673696, net: mynet"
bridge nsbridge nsb-d69fc4dfc8673696-ipcheck
  [ meta load iifname => reg 1 ]
  [ payload load 6b @ link header + 6 => reg 2 ]
  [ lookup reg 1 set nsb-d69fc4dfc8673696-ipmacs 0x1 ]
  [ immediate reg 0 drop ]
  userdata = { \x00\x1dd69fc4dfc8673696, net: mynet\x00 }
# nft add rule bridge nsbridge nsb-d69fc4dfc8673696-ipcheck … comment "d69fc4dfc8673696, net: mynet"
bridge nsbridge nsb-d69fc4dfc8673696-ipcheck
  [ payload load 2b @ link header + 12 => reg 1 ]
  [ cmp eq reg 1 0x00000081 ]
  [ immediate reg 0 drop ]
  userdata = { \x00\x1dd69fc4dfc8673696, net: mynet\x00 }
# nft add rule bridge nsbridge nsb-d69fc4dfc8673696-ipcheck … comment "d69fc4dfc8673696, net: mynet"
bridge nsbridge nsb-d69fc4dfc8673696-ipcheck
  [ payload load 2b @ link header + 12 => reg 1 ]
  [ cmp eq reg 1 0x0000a888 ]
  [ immediate reg 0 drop ]
  userdata = { \x00\x1dd69fc4dfc8673696, net: mynet\x00 }
# nft add rule bridge nsbridge nsb-d69fc4dfc8673696-ipcheck … comment "d69fc4dfc8673696, net: mynet"
bridge nsbridge nsb-d69fc4dfc8673696-ipcheck
  [ payload load 2b @ link header + 12 => reg 1 ]
  [ cmp eq reg 1 0x00000008 ]
  [ meta load iifname => reg 1 ]
  [ payload load 4b @ network header + 12 => reg 2 ]
  [ lookup reg 1 set nsb-d69fc4dfc8673696-ip4 0x1 ]
  [ immediate reg 0 drop ]
  userdata = { \x00\x1dd69fc4dfc8673696, net: mynet\x00 }
# nft add rule bridge nsbridge nsb-d69fc4dfc8673696-ipcheck … comment "d69fc4dfc8673696, net: mynet"
bridge nsbridge nsb-d69fc4dfc8673696-ipcheck
  [ payload load 2b @ link header + 12 => reg 1 ]
  [ cmp eq reg 1 0x00000608 ]
  [ payload load 6b @ network header + 0 => reg 1 ]
  [ cmp neq reg 1 0x00080100 0x00000406 ]
  [ immediate reg 0 drop ]
  userdata = { \x00\x1dd69fc4dfc8673696, net: mynet\x00 }
# nft add rule bridge nsbridge nsb-d69fc4dfc8673696-ipcheck … comment "d69fc4dfc8673696, net: mynet"
bridge nsbridge nsb-d69fc4dfc8673696-ipcheck
  [ payload load 2b @ link header + 12 => reg 1 ]
  [ cmp eq reg 1 0x00000608 ]
  [ meta load iifname => reg 1 ]
  [ payload load 6b @ network header + 8 => reg 2 ]
  [ lookup reg 1 set nsb-d69fc4dfc8673696-ipmacs 0x1 ]
  [ immediate reg 0 drop ]
  userdata = { \x00\x1dd69fc4dfc8673696, net: mynet\x00 }
# nft add rule bridge nsbridge nsb-d69fc4dfc8673696-ipcheck … comment "d69fc4dfc8673696, net: mynet"
bridge nsbridge nsb-d69fc4dfc8673696-ipcheck
  [ payload load 2b @ link header + 12 => reg 1 ]
  [ cmp eq reg 1 0x00000608 ]
  [ payload load 4b @ network header + 14 => reg 2 ]
  [ cmp neq reg 2 0x00000000 ]
  [ meta load iifname => reg 1 ]
  [ lookup reg 1 set nsb-d69fc4dfc8673696-ip4 0x1 ]
  [ immediate reg 0 drop ]
  userdata = { \x00\x1dd69fc4dfc8673696, net: mynet\x00 }
# nft add rule bridge nsbridge nsb-d69fc4dfc8673696-ipcheck … comment "d69fc4dfc8673696, net: mynet"
bridge nsbridge nsb-d69fc4dfc8673696-ipcheck
  [ payload load 2b @ link header + 12 => reg 1 ]
  [ cmp eq reg 1 0x0000dd86 ]
  [ payload load 16b @ network header + 8 => reg 2 ]
  [ cmp neq reg 2 0x00000000 0x00000000 0x00000000 0x00000000 ]
  [ meta load iifname => reg 1 ]
  [ lookup reg 1 set nsb-d69fc4dfc8673696-ip6 0x1 ]
  [ immediate reg 0 drop ]
  userdata = { \x00\x1dd69fc4dfc8673696, net: mynet\x00 }
# nft add rule bridge nsbridge nsb-d69fc4dfc8673696-ipcheck … comment "d69fc4dfc8673696, net: mynet"
bridge nsbridge nsb-d69fc4dfc8673696-ipcheck
  [ payload load 2b @ link header + 12 => reg 1 ]
  [ cmp eq reg 1 0x0000dd86 ]
  [ payload load 16b @ network header + 8 => reg 2 ]
  [ cmp eq reg 2 0x00000000 0x00000000 0x00000000 0x00000000 ]
  [ meta load l4proto => reg 1 ]
  [ cmp neq reg 1 0x0000003a ]
  [ immediate reg 0 drop ]
  userdata = { \x00\x1dd69fc4dfc8673696, net: mynet\x00 }
# nft add rule bridge nsbridge nsb-d69fc4dfc8673696-ipcheck … comment "d69fc4dfc8673696, net: mynet"
bridge nsbridge nsb-d69fc4dfc8673696-ipcheck
  [ payload load 2b @ link header + 12 => reg 1 ]
  [ cmp eq reg 1 0x0000dd86 ]
  [ meta load l4proto => reg 1 ]
  [ cmp eq reg 1 0x0000003a ]
  [ payload load 1b @ transport header + 0 => reg 1 ]
  [ cmp eq reg 1 0x00000086 ]
  [ immediate reg 0 drop ]
  userdata = { \x00\x1dd69fc4dfc8673696, net: mynet\x00 }
# nft add rule bridge nsbridge nsb-d69fc4dfc8673696-ipcheck … comment "d69fc4dfc8673696, net: mynet"
bridge nsbridge nsb-d69fc4dfc8673696-ipcheck
  [ payload load 2b @ link header + 12 => reg 1 ]
  [ cmp eq reg 1 0x0000dd86 ]
  [ meta load l4proto => reg 1 ]
  [ cmp eq reg 1 0x0000003a ]
  [ payload load 1b @ transport header + 0 => reg 1 ]
  [ cmp eq reg 1 0x00000089 ]
  [ immediate reg 0 drop ]
  userdata = { \x00\x1dd69fc4dfc8673696, net: mynet\x00 }
# nft add rule bridge nsbridge nsb-d69fc4dfc8673696-ipcheck … comment "d69fc4dfc8673696, net: mynet"
bridge nsbridge nsb-d69fc4dfc8673696-ipcheck
  [ payload load 2b @ link header + 12 => reg 1 ]
  [ cmp eq reg 1 0x0000dd86 ]
  [ meta load l4proto => reg 1 ]
  [ cmp eq reg 1 0x0000003a ]
  [ payload load 1b @ transport header + 0 => reg 1 ]
  [ cmp eq reg 1 0x00000088 ]
  [ meta load iifname => reg 1 ]
  [ payload load 16b @ transport header + 8 => reg 2 ]
  [ lookup reg 1 set nsb-d69fc4dfc8673696-ip6 0x1 ]
  [ immediate reg 0 drop ]
  userdata = { \x00\x1dd69fc4dfc8673696, net: mynet\x00 }
# nft add rule bridge nsbridge nsb-d69fc4dfc8673696-ipcheck … comment "d69fc4dfc8673696, net: mynet"
bridge nsbridge nsb-d69fc4dfc8673696-ipcheck
  [ payload load 2b @ link header + 12 => reg 1 ]
  [ cmp eq reg 1 0x0000dd86 ]
  [ meta load l4proto => reg 1 ]
  [ cmp eq reg 1 0x0000003a ]
  [ payload load 1b @ transport header + 0 => reg 1 ]
  [ cmp eq reg 1 0x00000085 ]
  [ payload load 1b @ transport header + 8 => reg 1 ]
  [ cmp eq reg 1 0x00000001 ]
  [ meta load iifname => reg 1 ]
  [ payload load 6b @ transport header + 10 => reg 2 ]
  [ lookup reg 1 set nsb-d69fc4dfc8673696-ipmacs 0x1 ]
  [ immediate reg 0 drop ]
  userdata = { \x00\x1dd69fc4dfc8673696, net: mynet\x00 }
# nft add rule bridge nsbridge nsb-d69fc4dfc8673696-ipcheck … comment "d69fc4dfc8673696, net: mynet"
bridge nsbridge nsb-d69fc4dfc8673696-ipcheck
  [ payload load 2b @ link header + 12 => reg 1 ]
  [ cmp eq reg 1 0x0000dd86 ]
  [ meta load l4proto => reg 1 ]
  [ cmp eq reg 1 0x0000003a ]
  [ payload load 1b @ transport header + 0 => reg 1 ]
  [ cmp eq reg 1 0x00000087 ]
  [ payload load 1b @ transport header + 24 => reg 1 ]
  [ cmp eq reg 1 0x00000001 ]
  [ meta load iifname => reg 1 ]
  [ payload load 6b @ transport header + 26 => reg 2 ]
  [ lookup reg 1 set nsb-d69fc4dfc8673696-ipmacs 0x1 ]
  [ immediate reg 0 drop ]
  userdata = { \x00\x1dd69fc4dfc8673696, net: mynet\x00 }
# nft add rule bridge nsbridge nsb-d69fc4dfc8673696-ipcheck … comment "d69fc4dfc8673696, net: mynet"
bridge nsbridge nsb-d69fc4dfc8673696-ipcheck
  [ payload load 2b @ link header + 12 => reg 1 ]
  [ cmp eq reg 1 0x0000dd86 ]
  [ meta load l4proto => reg 1 ]
  [ cmp eq reg 1 0x0000003a ]
  [ payload load 1b @ transport header + 0 => reg 1 ]
  [ cmp eq reg 1 0x00000088 ]
  [ payload load 1b @ transport header + 24 => reg 1 ]
  [ cmp eq reg 1 0x00000002 ]
  [ meta load iifname => reg 1 ]
  [ payload load 6b @ transport header + 26 => reg 2 ]
  [ lookup reg 1 set nsb-d69fc4dfc8673696-ipmacs 0x1 ]
  [ immediate reg 0 drop ]
  userdata = { \x00\x1dd69fc4dfc8673696, net: mynet\x00 }
# nft add rule bridge nsbridge nsb-d69fc4dfc8673696-ipprerouting … comment "d69fc4dfc8673696, net: mynet"
bridge nsbridge nsb-d69fc4dfc8673696-ipprerouting
  [ meta load iifname => reg 1 ]
  [ lookup reg 1 set nsb-d69fc4dfc8673696-ipports dreg 0 ]
  userdata = { \x00\x1dd69fc4dfc8673696, net: mynet\x00 }
# nft add element bridge nsbridge nsb-d69fc4dfc8673696-ipports { "veth1" comment "d69fc4dfc8673696-002e783ff42a5242, mac: 02:42:0a:58:00:05, net: mynet, if: eth0, id: one" : goto nsb-d69fc4dfc8673696-ipcheck }
nsb-d69fc4dfc8673696-ipports nsbridge 8
	element 68746576 00000031 00000000 00000000  : goto -> nsb-d69fc4dfc8673696-ipcheck 0 [end]  userdata = { \x00Yd69fc4dfc8673696-002e783ff42a5242, mac: 02:42:0a:58:00:05, net: mynet, if: eth0, id: one\x00 }
# nft delete element bridge nsbridge nsb-d69fc4dfc8673696-ipports { "veth1" }
nsb-d69fc4dfc8673696-ipports nsbridge 8
	element 68746576 00000031 00000000 00000000  : 0 [end]
# nft add element bridge nsbridge nsb-d69fc4dfc8673696-ipports { "veth1" comment "d69fc4dfc8673696-002e783ff42a5242, mac: 02:42:0a:58:00:05, net: mynet, if: eth0, id: one" : goto nsb-d69fc4dfc8673696-ipcheck }
nsb-d69fc4dfc8673696-ipports nsbridge 8
	element 68746576 00000031 00000000 00000000  : goto -> nsb-d69fc4dfc8673696-ipcheck 0 [end]  userdata = { \x00Yd69fc4dfc8673696-002e783ff42a5242, mac: 02:42:0a:58:00:05, net: mynet, if: eth0, id: one\x00 }
# nft add element bridge nsbridge nsb-d69fc4dfc8673696-ipmacs { "veth1" . 02:42:0a:58:00:05 comment "d69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one" }
nsb-d69fc4dfc8673696-ipmacs nsbridge 0
	element 68746576 00000031 00000000 00000000 580a4202 00000500  : 0 [end]  userdata = { \x00Ad69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one\x00 }
# nft delete element bridge nsbridge nsb-d69fc4dfc8673696-ipmacs { "veth1" . 02:42:0a:58:00:05 }
nsb-d69fc4dfc8673696-ipmacs nsbridge 0
	element 68746576 00000031 00000000 00000000 580a4202 00000500  : 0 [end]
# nft add element bridge nsbridge nsb-d69fc4dfc8673696-ipmacs { "veth1" . 02:42:0a:58:00:05 comment "d69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one" }
nsb-d69fc4dfc8673696-ipmacs nsbridge 0
	element 68746576 00000031 00000000 00000000 580a4202 00000500  : 0 [end]  userdata = { \x00Ad69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one\x00 }
# nft add element bridge nsbridge nsb-d69fc4dfc8673696-ip4 { "veth1" . 10.88.0.5 comment "d69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one" }
nsb-d69fc4dfc8673696-ip4 nsbridge 0
	element 68746576 00000031 00000000 00000000 0500580a  : 0 [end]  userdata = { \x00Ad69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one\x00 }
# nft delete element bridge nsbridge nsb-d69fc4dfc8673696-ip4 { "veth1" . 10.88.0.5 }
nsb-d69fc4dfc8673696-ip4 nsbridge 0
	element 68746576 00000031 00000000 00000000 0500580a  : 0 [end]
# nft add element bridge nsbridge nsb-d69fc4dfc8673696-ip4 { "veth1" . 10.88.0.5 comment "d69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one" }
nsb-d69fc4dfc8673696-ip4 nsbridge 0
	element 68746576 00000031 00000000 00000000 0500580a  : 0 [end]  userdata = { \x00Ad69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one\x00 }
# nft add element bridge nsbridge nsb-d69fc4dfc8673696-ip6 { "veth1" . fd88::5 comment "d69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one" }
nsb-d69fc4dfc8673696-ip6 nsbridge 0
	element 68746576 00000031 00000000 00000000 000088fd 00000000 00000000 05000000  : 0 [end]  userdata = { \x00Ad69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one\x00 }
# nft delete element bridge nsbridge nsb-d69fc4dfc8673696-ip6 { "veth1" . fd88::5 }
nsb-d69fc4dfc8673696-ip6 nsbridge 0
	element 68746576 00000031 00000000 00000000 000088fd 00000000 00000000 05000000  : 0 [end]
# nft add element bridge nsbridge nsb-d69fc4dfc8673696-ip6 { "veth1" . fd88::5 comment "d69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one" }
nsb-d69fc4dfc8673696-ip6 nsbridge 0
	element 68746576 00000031 00000000 00000000 000088fd 00000000 00000000 05000000  : 0 [end]  userdata = { \x00Ad69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one\x00 }
# nft add element bridge nsbridge nsb-d69fc4dfc8673696-ip6 { "veth1" . fe80::42:aff:fe58:5 comment "d69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one" }
nsb-d69fc4dfc8673696-ip6 nsbridge 0
	element 68746576 00000031 00000000 00000000 000080fe 00000000 ff0a4200 050058fe  : 0 [end]  userdata = { \x00Ad69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one\x00 }
# nft delete element bridge nsbridge nsb-d69fc4dfc8673696-ip6 { "veth1" . fe80::42:aff:fe58:5 }
nsb-d69fc4dfc8673696-ip6 nsbridge 0
	element 68746576 00000031 00000000 00000000 000080fe 00000000 ff0a4200 050058fe  : 0 [end]
# nft add element bridge nsbridge nsb-d69fc4dfc8673696-ip6 { "veth1" . fe80::42:aff:fe58:5 comment "d69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one" }
nsb-d69fc4dfc8673696-ip6 nsbridge 0
	element 68746576 00000031 00000000 00000000 000080fe 00000000 ff0a4200 050058fe  : 0 [end]  userdata = { \x00Ad69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one\x00 }
"""#

/// isolate ADD of eth0:one on network "mynet" with bridge "cni0", 10.88.0.5 and fd88::5.
let isolationAddGolden = #"""
# nft add table inet nsbridge
table nsbridge inet flags 0 use 0 handle 0
# nft add map inet nsbridge nsb-d69fc4dfc8673696-dst4 { type ipv4_addr : verdict; }
nsb-d69fc4dfc8673696-dst4 nsbridge 8
# nft add map inet nsbridge nsb-d69fc4dfc8673696-dst6 { type ipv6_addr : verdict; }
nsb-d69fc4dfc8673696-dst6 nsbridge 8
# nft add chain inet nsbridge nsb-d69fc4dfc8673696-isolate
inet nsbridge nsb-d69fc4dfc8673696-isolate use 0
# nft add chain inet nsbridge nsb-d69fc4dfc8673696-forward { type filter hook forward priority -10; policy accept; }
inet nsbridge nsb-d69fc4dfc8673696-forward use 0 type filter hook forward prio -10 policy accept packets 0 bytes 0
# nft flush chain inet nsbridge nsb-d69fc4dfc8673696-isolate
inet nsbridge nsb-d69fc4dfc8673696-isolate use 0
# nft flush chain inet nsbridge nsb-d69fc4dfc8673696-forward
inet nsbridge nsb-d69fc4dfc8673696-forward use 0 type filter hook forward prio -10 policy accept packets 0 bytes 0
# nft add rule inet nsbridge nsb-d69fc4dfc8673696-isolate … comment "d69fc4dfc8673696, net: mynet, bridge: cni0"
inet nsbridge nsb-d69fc4dfc8673696-isolate
  [ ct load status => reg 1 ]
  [ bitwise reg 1 = ( reg 1 & 0x00000020 ) ^ 0x00000000 ]
  [ cmp neq reg 1 0x00000000 ]
  [ immediate reg 0 return ]
  userdata = { \x00+d69fc4dfc8673696, net: mynet, bridge: cni0\x00 }
# nft add rule inet nsbridge nsb-d69fc4dfc8673696-isolate … comment "d69fc4dfc8673696, net: mynet, bridge: cni0"
inet nsbridge nsb-d69fc4dfc8673696-isolate
  [ meta load iifname => reg 1 ]
  [ cmp eq reg 1 0x30696e63 0x00000000 0x00000000 0x00000000 ]
  [ meta load oifname => reg 1 ]
  [ cmp eq reg 1 0x30696e63 0x00000000 0x00000000 0x00000000 ]
  [ immediate reg 0 return ]
  userdata = { \x00+d69fc4dfc8673696, net: mynet, bridge: cni0\x00 }
# nft add rule inet nsbridge nsb-d69fc4dfc8673696-isolate … comment "d69fc4dfc8673696, net: mynet, bridge: cni0"
inet nsbridge nsb-d69fc4dfc8673696-isolate
  [ meta load iifgroup => reg 1 ]
  [ cmp eq reg 1 0x6e736272 ]
  [ meta load oifgroup => reg 1 ]
  [ cmp eq reg 1 0x6e736272 ]
  [ immediate reg 0 drop ]
  userdata = { \x00+d69fc4dfc8673696, net: mynet, bridge: cni0\x00 }
# nft add rule inet nsbridge nsb-d69fc4dfc8673696-forward … comment "d69fc4dfc8673696, net: mynet, bridge: cni0"
inet nsbridge nsb-d69fc4dfc8673696-forward
  [ meta load nfproto => reg 1 ]
  [ cmp eq reg 1 0x00000002 ]
  [ payload load 4b @ network header + 16 => reg 1 ]
  [ lookup reg 1 set nsb-d69fc4dfc8673696-dst4 dreg 0 ]
  userdata = { \x00+d69fc4dfc8673696, net: mynet, bridge: cni0\x00 }
# nft add rule inet nsbridge nsb-d69fc4dfc8673696-forward … comment "d69fc4dfc8673696, net: mynet, bridge: cni0"
inet nsbridge nsb-d69fc4dfc8673696-forward
  [ meta load nfproto => reg 1 ]
  [ cmp eq reg 1 0x0000000a ]
  [ payload load 16b @ network header + 24 => reg 1 ]
  [ lookup reg 1 set nsb-d69fc4dfc8673696-dst6 dreg 0 ]
  userdata = { \x00+d69fc4dfc8673696, net: mynet, bridge: cni0\x00 }
# nft add rule inet nsbridge nsb-d69fc4dfc8673696-forward … comment "d69fc4dfc8673696, net: mynet, bridge: cni0"
inet nsbridge nsb-d69fc4dfc8673696-forward
  [ meta load iifname => reg 1 ]
  [ cmp eq reg 1 0x30696e63 0x00000000 0x00000000 0x00000000 ]
  [ meta load oifname => reg 1 ]
  [ cmp neq reg 1 0x30696e63 0x00000000 0x00000000 0x00000000 ]
  [ ct load status => reg 1 ]
  [ bitwise reg 1 = ( reg 1 & 0x00000020 ) ^ 0x00000000 ]
  [ cmp eq reg 1 0x00000000 ]
  [ meta load oifgroup => reg 1 ]
  [ cmp eq reg 1 0x6e736272 ]
  [ immediate reg 0 drop ]
  userdata = { \x00+d69fc4dfc8673696, net: mynet, bridge: cni0\x00 }
# nft add element inet nsbridge nsb-d69fc4dfc8673696-dst4 { 10.88.0.5 comment "d69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one" : goto nsb-d69fc4dfc8673696-isolate }
nsb-d69fc4dfc8673696-dst4 nsbridge 8
	element 0500580a  : goto -> nsb-d69fc4dfc8673696-isolate 0 [end]  userdata = { \x00Ad69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one\x00 }
# nft delete element inet nsbridge nsb-d69fc4dfc8673696-dst4 { 10.88.0.5 }
nsb-d69fc4dfc8673696-dst4 nsbridge 8
	element 0500580a  : 0 [end]
# nft add element inet nsbridge nsb-d69fc4dfc8673696-dst4 { 10.88.0.5 comment "d69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one" : goto nsb-d69fc4dfc8673696-isolate }
nsb-d69fc4dfc8673696-dst4 nsbridge 8
	element 0500580a  : goto -> nsb-d69fc4dfc8673696-isolate 0 [end]  userdata = { \x00Ad69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one\x00 }
# nft add element inet nsbridge nsb-d69fc4dfc8673696-dst6 { fd88::5 comment "d69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one" : goto nsb-d69fc4dfc8673696-isolate }
nsb-d69fc4dfc8673696-dst6 nsbridge 8
	element 000088fd 00000000 00000000 05000000  : goto -> nsb-d69fc4dfc8673696-isolate 0 [end]  userdata = { \x00Ad69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one\x00 }
# nft delete element inet nsbridge nsb-d69fc4dfc8673696-dst6 { fd88::5 }
nsb-d69fc4dfc8673696-dst6 nsbridge 8
	element 000088fd 00000000 00000000 05000000  : 0 [end]
# nft add element inet nsbridge nsb-d69fc4dfc8673696-dst6 { fd88::5 comment "d69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one" : goto nsb-d69fc4dfc8673696-isolate }
nsb-d69fc4dfc8673696-dst6 nsbridge 8
	element 000088fd 00000000 00000000 05000000  : goto -> nsb-d69fc4dfc8673696-isolate 0 [end]  userdata = { \x00Ad69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one\x00 }
"""#
