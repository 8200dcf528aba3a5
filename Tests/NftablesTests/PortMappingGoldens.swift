// Golden port-mapping batches: each block starts with the equivalent `nft` command (`# nft …`),
// followed by libnftnl's rendering (rules as `nft --debug=netlink` shows them). Network "mynet"
// hashes to d69fc4dfc8673696; attachment eth0:one to 002e783ff42a5242. Registers: `reg 9`,
// `reg 10` and `reg 13` are the 4-byte registers inside `reg 1` and `reg 2` where nft lays out
// the fields of a concatenation.

/// First ADD of eth0:one (10.88.0.5, fd88::5 on bridge cni0) publishing tcp 8080 -> 80 on every
/// address and udp 192.0.2.1:5353 -> 53: the shared objects, then one element per key.
let portMappingAddGolden = #"""
# only at ruleset generation 1
# nft add table inet nsbridge
table nsbridge inet flags 0 use 0 handle 0
# nft add map inet nsbridge nsb-portmap-at4 { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; }
nsb-portmap-at4 nsbridge 8
# nft add map inet nsbridge nsb-portmap-any4 { type inet_proto . inet_service : ipv4_addr . inet_service; }
nsb-portmap-any4 nsbridge 8
# nft add map inet nsbridge nsb-portmap-at6 { type ipv6_addr . inet_proto . inet_service : ipv6_addr . inet_service; }
nsb-portmap-at6 nsbridge 8
# nft add map inet nsbridge nsb-portmap-any6 { type inet_proto . inet_service : ipv6_addr . inet_service; }
nsb-portmap-any6 nsbridge 8
# nft add set inet nsbridge nsb-portmap-hairpin4 { type ipv4_addr . ifname; }
nsb-portmap-hairpin4 nsbridge 0
# nft add set inet nsbridge nsb-portmap-hairpin6 { type ipv6_addr . ifname; }
nsb-portmap-hairpin6 nsbridge 0
# nft add chain inet nsbridge nsb-portmap-dnat
inet nsbridge nsb-portmap-dnat use 0
# nft add chain inet nsbridge nsb-portmap-prerouting { type nat hook prerouting priority -100; policy accept; }
inet nsbridge nsb-portmap-prerouting use 0 type nat hook prerouting prio -100 policy accept packets 0 bytes 0
# nft add chain inet nsbridge nsb-portmap-output { type nat hook output priority -100; policy accept; }
inet nsbridge nsb-portmap-output use 0 type nat hook output prio -100 policy accept packets 0 bytes 0
# nft add chain inet nsbridge nsb-portmap-hairpin { type filter hook prerouting priority -99; policy accept; }
inet nsbridge nsb-portmap-hairpin use 0 type filter hook prerouting prio -99 policy accept packets 0 bytes 0
# nft add chain inet nsbridge nsb-portmap-postrouting { type nat hook postrouting priority 100; policy accept; }
inet nsbridge nsb-portmap-postrouting use 0 type nat hook postrouting prio 100 policy accept packets 0 bytes 0
# nft flush chain inet nsbridge nsb-portmap-prerouting
inet nsbridge nsb-portmap-prerouting use 0 type nat hook prerouting prio -100 policy accept packets 0 bytes 0
# nft flush chain inet nsbridge nsb-portmap-output
inet nsbridge nsb-portmap-output use 0 type nat hook output prio -100 policy accept packets 0 bytes 0
# nft flush chain inet nsbridge nsb-portmap-dnat
inet nsbridge nsb-portmap-dnat use 0
# nft flush chain inet nsbridge nsb-portmap-hairpin
inet nsbridge nsb-portmap-hairpin use 0 type filter hook prerouting prio -99 policy accept packets 0 bytes 0
# nft flush chain inet nsbridge nsb-portmap-postrouting
inet nsbridge nsb-portmap-postrouting use 0 type nat hook postrouting prio 100 policy accept packets 0 bytes 0
# nft add rule inet nsbridge nsb-portmap-prerouting … comment "nsbridge port mappings"
inet nsbridge nsb-portmap-prerouting
  [ fib daddr type => reg 1 ]
  [ cmp eq reg 1 0x00000002 ]
  [ immediate reg 0 goto -> nsb-portmap-dnat ]
  userdata = { \x00\x17nsbridge port mappings\x00 }
# nft add rule inet nsbridge nsb-portmap-output … comment "nsbridge port mappings"
inet nsbridge nsb-portmap-output
  [ fib daddr type => reg 1 ]
  [ cmp eq reg 1 0x00000002 ]
  [ immediate reg 0 goto -> nsb-portmap-dnat ]
  userdata = { \x00\x17nsbridge port mappings\x00 }
# nft add rule inet nsbridge nsb-portmap-dnat … comment "nsbridge port mappings"
inet nsbridge nsb-portmap-dnat
  [ meta load nfproto => reg 1 ]
  [ cmp eq reg 1 0x00000002 ]
  [ payload load 4b @ network header + 16 => reg 1 ]
  [ meta load l4proto => reg 9 ]
  [ payload load 2b @ transport header + 2 => reg 10 ]
  [ lookup reg 1 set nsb-portmap-at4 dreg 1 ]
  [ nat dnat ip addr_min reg 1 proto_min reg 9 ]
  userdata = { \x00\x17nsbridge port mappings\x00 }
# nft add rule inet nsbridge nsb-portmap-dnat … comment "nsbridge port mappings"
inet nsbridge nsb-portmap-dnat
  [ meta load nfproto => reg 1 ]
  [ cmp eq reg 1 0x00000002 ]
  [ meta load l4proto => reg 1 ]
  [ payload load 2b @ transport header + 2 => reg 9 ]
  [ lookup reg 1 set nsb-portmap-any4 dreg 1 ]
  [ nat dnat ip addr_min reg 1 proto_min reg 9 ]
  userdata = { \x00\x17nsbridge port mappings\x00 }
# nft add rule inet nsbridge nsb-portmap-dnat … comment "nsbridge port mappings"
inet nsbridge nsb-portmap-dnat
  [ meta load nfproto => reg 1 ]
  [ cmp eq reg 1 0x0000000a ]
  [ payload load 16b @ network header + 24 => reg 1 ]
  [ meta load l4proto => reg 2 ]
  [ payload load 2b @ transport header + 2 => reg 13 ]
  [ lookup reg 1 set nsb-portmap-at6 dreg 1 ]
  [ nat dnat ip6 addr_min reg 1 proto_min reg 2 ]
  userdata = { \x00\x17nsbridge port mappings\x00 }
# nft add rule inet nsbridge nsb-portmap-dnat … comment "nsbridge port mappings"
inet nsbridge nsb-portmap-dnat
  [ meta load nfproto => reg 1 ]
  [ cmp eq reg 1 0x0000000a ]
  [ meta load l4proto => reg 1 ]
  [ payload load 2b @ transport header + 2 => reg 9 ]
  [ lookup reg 1 set nsb-portmap-any6 dreg 1 ]
  [ nat dnat ip6 addr_min reg 1 proto_min reg 2 ]
  userdata = { \x00\x17nsbridge port mappings\x00 }
# nft add rule inet nsbridge nsb-portmap-hairpin … comment "nsbridge port mappings"
inet nsbridge nsb-portmap-hairpin
  [ meta load nfproto => reg 1 ]
  [ cmp eq reg 1 0x00000002 ]
  [ ct load status => reg 1 ]
  [ bitwise reg 1 = ( reg 1 & 0x00000020 ) ^ 0x00000000 ]
  [ cmp neq reg 1 0x00000000 ]
  [ payload load 4b @ network header + 16 => reg 1 ]
  [ meta load iifname => reg 9 ]
  [ lookup reg 1 set nsb-portmap-hairpin4 ]
  [ meta load mark => reg 1 ]
  [ bitwise reg 1 = ( reg 1 & 0xffffdfff ) ^ 0x00002000 ]
  [ meta set mark with reg 1 ]
  userdata = { \x00\x17nsbridge port mappings\x00 }
# nft add rule inet nsbridge nsb-portmap-hairpin … comment "nsbridge port mappings"
inet nsbridge nsb-portmap-hairpin
  [ meta load nfproto => reg 1 ]
  [ cmp eq reg 1 0x0000000a ]
  [ ct load status => reg 1 ]
  [ bitwise reg 1 = ( reg 1 & 0x00000020 ) ^ 0x00000000 ]
  [ cmp neq reg 1 0x00000000 ]
  [ payload load 16b @ network header + 24 => reg 1 ]
  [ meta load iifname => reg 2 ]
  [ lookup reg 1 set nsb-portmap-hairpin6 ]
  [ meta load mark => reg 1 ]
  [ bitwise reg 1 = ( reg 1 & 0xffffdfff ) ^ 0x00002000 ]
  [ meta set mark with reg 1 ]
  userdata = { \x00\x17nsbridge port mappings\x00 }
# nft add rule inet nsbridge nsb-portmap-postrouting … comment "nsbridge port mappings"
inet nsbridge nsb-portmap-postrouting
  [ meta load nfproto => reg 1 ]
  [ cmp eq reg 1 0x00000002 ]
  [ ct load status => reg 1 ]
  [ bitwise reg 1 = ( reg 1 & 0x00000020 ) ^ 0x00000000 ]
  [ cmp neq reg 1 0x00000000 ]
  [ payload load 1b @ network header + 12 => reg 1 ]
  [ cmp eq reg 1 0x0000007f ]
  [ masq ]
  userdata = { \x00\x17nsbridge port mappings\x00 }
# nft add rule inet nsbridge nsb-portmap-postrouting … comment "nsbridge port mappings"
inet nsbridge nsb-portmap-postrouting
  [ ct load status => reg 1 ]
  [ bitwise reg 1 = ( reg 1 & 0x00000020 ) ^ 0x00000000 ]
  [ cmp neq reg 1 0x00000000 ]
  [ meta load mark => reg 1 ]
  [ bitwise reg 1 = ( reg 1 & 0x00002000 ) ^ 0x00000000 ]
  [ cmp eq reg 1 0x00002000 ]
  [ masq ]
  userdata = { \x00\x17nsbridge port mappings\x00 }
# nft add element inet nsbridge nsb-portmap-hairpin4 { 0.0.0.0 . "nsb-ready" }
nsb-portmap-hairpin4 nsbridge 0
	element 00000000 2d62736e 64616572 00000079 00000000  : 0 [end]
# nft add element inet nsbridge nsb-portmap-any4 { tcp . 8080 comment "d69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one" : 10.88.0.5 . 80 }
nsb-portmap-any4 nsbridge 8
	element 00000006 0000901f  : 0500580a 00005000 0 [end]  userdata = { \x00Ad69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one\x00 }
# nft add element inet nsbridge nsb-portmap-any6 { tcp . 8080 comment "d69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one" : fd88::5 . 80 }
nsb-portmap-any6 nsbridge 8
	element 00000006 0000901f  : 000088fd 00000000 00000000 05000000 00005000 0 [end]  userdata = { \x00Ad69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one\x00 }
# nft add element inet nsbridge nsb-portmap-at4 { 192.0.2.1 . udp . 5353 comment "d69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one" : 10.88.0.5 . 53 }
nsb-portmap-at4 nsbridge 8
	element 010200c0 00000011 0000e914  : 0500580a 00003500 0 [end]  userdata = { \x00Ad69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one\x00 }
# nft add element inet nsbridge nsb-portmap-hairpin4 { 10.88.0.5 . "cni0" comment "d69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one" }
nsb-portmap-hairpin4 nsbridge 0
	element 0500580a 30696e63 00000000 00000000 00000000  : 0 [end]  userdata = { \x00Ad69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one\x00 }
# nft add element inet nsbridge nsb-portmap-hairpin6 { fd88::5 . "cni0" comment "d69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one" }
nsb-portmap-hairpin6 nsbridge 0
	element 000088fd 00000000 00000000 05000000 30696e63 00000000 00000000 00000000  : 0 [end]  userdata = { \x00Ad69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one\x00 }
"""#

/// DEL of the same attachment with the runtime's mappings and IPAM's addresses: its keys only,
/// pinned to the generation read.
let portMappingDeleteGolden = #"""
# only at ruleset generation 2
# nft delete element inet nsbridge nsb-portmap-at4 { 192.0.2.1 . udp . 5353 }
nsb-portmap-at4 nsbridge 8
	element 010200c0 00000011 0000e914  : 0 [end]
# nft delete element inet nsbridge nsb-portmap-any4 { tcp . 8080 }
nsb-portmap-any4 nsbridge 8
	element 00000006 0000901f  : 0 [end]
# nft delete element inet nsbridge nsb-portmap-hairpin4 { 10.88.0.5 . "cni0" }
nsb-portmap-hairpin4 nsbridge 0
	element 0500580a 30696e63 00000000 00000000 00000000  : 0 [end]
# nft delete element inet nsbridge nsb-portmap-any6 { tcp . 8080 }
nsb-portmap-any6 nsbridge 8
	element 00000006 0000901f  : 0 [end]
# nft delete element inet nsbridge nsb-portmap-hairpin6 { fd88::5 . "cni0" }
nsb-portmap-hairpin6 nsbridge 0
	element 000088fd 00000000 00000000 05000000 30696e63 00000000 00000000 00000000  : 0 [end]
"""#
