// Golden batches: each block starts with the equivalent `nft` command (`# nft …`), followed by
// what libnftnl prints for the object (`nftnl_*_snprintf`; rules as `nft --debug=netlink` shows them).
// Network "mynet" hashes to d69fc4dfc8673696; attachment eth0:one to 002e783ff42a5242.

/// ADD of eth0:one with 10.88.0.5 and fd88::5 on subnets 10.88.0.0/16 and fd88::/64, excluding 192.168.0.0/20.
let masqueradeAddGolden = #"""
# nft add table inet nsbridge
table nsbridge inet flags 0 use 0 handle 0
# nft add map inet nsbridge nsb-d69fc4dfc8673696-src4 { type ipv4_addr : verdict; }
nsb-d69fc4dfc8673696-src4 nsbridge 8
# nft add map inet nsbridge nsb-d69fc4dfc8673696-src6 { type ipv6_addr : verdict; }
nsb-d69fc4dfc8673696-src6 nsbridge 8
# nft add chain inet nsbridge nsb-d69fc4dfc8673696-masquerade
inet nsbridge nsb-d69fc4dfc8673696-masquerade use 0
# nft add chain inet nsbridge nsb-d69fc4dfc8673696-postrouting { type nat hook postrouting priority 100; policy accept; }
inet nsbridge nsb-d69fc4dfc8673696-postrouting use 0 type nat hook postrouting prio 100 policy accept packets 0 bytes 0
# nft flush chain inet nsbridge nsb-d69fc4dfc8673696-masquerade
inet nsbridge nsb-d69fc4dfc8673696-masquerade use 0
# nft flush chain inet nsbridge nsb-d69fc4dfc8673696-postrouting
inet nsbridge nsb-d69fc4dfc8673696-postrouting use 0 type nat hook postrouting prio 100 policy accept packets 0 bytes 0
# nft add rule inet nsbridge nsb-d69fc4dfc8673696-masquerade … comment "d69fc4dfc8673696, net: mynet"
inet nsbridge nsb-d69fc4dfc8673696-masquerade
  [ meta load nfproto => reg 1 ]
  [ cmp eq reg 1 0x00000002 ]
  [ payload load 4b @ network header + 16 => reg 1 ]
  [ bitwise reg 1 = ( reg 1 & 0x000000f0 ) ^ 0x00000000 ]
  [ cmp eq reg 1 0x000000e0 ]
  [ immediate reg 0 return ]
  userdata = { \x00\x1dd69fc4dfc8673696, net: mynet\x00 }
# nft add rule inet nsbridge nsb-d69fc4dfc8673696-masquerade … comment "d69fc4dfc8673696, net: mynet"
inet nsbridge nsb-d69fc4dfc8673696-masquerade
  [ meta load nfproto => reg 1 ]
  [ cmp eq reg 1 0x0000000a ]
  [ payload load 1b @ network header + 24 => reg 1 ]
  [ cmp eq reg 1 0x000000ff ]
  [ immediate reg 0 return ]
  userdata = { \x00\x1dd69fc4dfc8673696, net: mynet\x00 }
# nft add rule inet nsbridge nsb-d69fc4dfc8673696-masquerade … comment "d69fc4dfc8673696, net: mynet"
inet nsbridge nsb-d69fc4dfc8673696-masquerade
  [ meta load nfproto => reg 1 ]
  [ cmp eq reg 1 0x00000002 ]
  [ payload load 2b @ network header + 16 => reg 1 ]
  [ cmp eq reg 1 0x0000580a ]
  [ immediate reg 0 return ]
  userdata = { \x00\x1dd69fc4dfc8673696, net: mynet\x00 }
# nft add rule inet nsbridge nsb-d69fc4dfc8673696-masquerade … comment "d69fc4dfc8673696, net: mynet"
inet nsbridge nsb-d69fc4dfc8673696-masquerade
  [ meta load nfproto => reg 1 ]
  [ cmp eq reg 1 0x0000000a ]
  [ payload load 8b @ network header + 24 => reg 1 ]
  [ cmp eq reg 1 0x000088fd 0x00000000 ]
  [ immediate reg 0 return ]
  userdata = { \x00\x1dd69fc4dfc8673696, net: mynet\x00 }
# nft add rule inet nsbridge nsb-d69fc4dfc8673696-masquerade … comment "d69fc4dfc8673696, net: mynet"
inet nsbridge nsb-d69fc4dfc8673696-masquerade
  [ meta load nfproto => reg 1 ]
  [ cmp eq reg 1 0x00000002 ]
  [ payload load 4b @ network header + 16 => reg 1 ]
  [ bitwise reg 1 = ( reg 1 & 0x00f0ffff ) ^ 0x00000000 ]
  [ cmp eq reg 1 0x0000a8c0 ]
  [ immediate reg 0 return ]
  userdata = { \x00\x1dd69fc4dfc8673696, net: mynet\x00 }
# nft add rule inet nsbridge nsb-d69fc4dfc8673696-masquerade … comment "d69fc4dfc8673696, net: mynet"
inet nsbridge nsb-d69fc4dfc8673696-masquerade
  [ masq ]
  userdata = { \x00\x1dd69fc4dfc8673696, net: mynet\x00 }
# nft add rule inet nsbridge nsb-d69fc4dfc8673696-postrouting … comment "d69fc4dfc8673696, net: mynet"
inet nsbridge nsb-d69fc4dfc8673696-postrouting
  [ meta load nfproto => reg 1 ]
  [ cmp eq reg 1 0x00000002 ]
  [ payload load 4b @ network header + 12 => reg 1 ]
  [ lookup reg 1 set nsb-d69fc4dfc8673696-src4 dreg 0 ]
  userdata = { \x00\x1dd69fc4dfc8673696, net: mynet\x00 }
# nft add rule inet nsbridge nsb-d69fc4dfc8673696-postrouting … comment "d69fc4dfc8673696, net: mynet"
inet nsbridge nsb-d69fc4dfc8673696-postrouting
  [ meta load nfproto => reg 1 ]
  [ cmp eq reg 1 0x0000000a ]
  [ payload load 16b @ network header + 8 => reg 1 ]
  [ lookup reg 1 set nsb-d69fc4dfc8673696-src6 dreg 0 ]
  userdata = { \x00\x1dd69fc4dfc8673696, net: mynet\x00 }
# nft add element inet nsbridge nsb-d69fc4dfc8673696-src4 { 10.88.0.5 comment "d69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one" : goto nsb-d69fc4dfc8673696-masquerade }
nsb-d69fc4dfc8673696-src4 nsbridge 8
	element 0500580a  : goto -> nsb-d69fc4dfc8673696-masquerade 0 [end]  userdata = { \x00Ad69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one\x00 }
# nft delete element inet nsbridge nsb-d69fc4dfc8673696-src4 { 10.88.0.5 }
nsb-d69fc4dfc8673696-src4 nsbridge 8
	element 0500580a  : 0 [end]
# nft add element inet nsbridge nsb-d69fc4dfc8673696-src4 { 10.88.0.5 comment "d69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one" : goto nsb-d69fc4dfc8673696-masquerade }
nsb-d69fc4dfc8673696-src4 nsbridge 8
	element 0500580a  : goto -> nsb-d69fc4dfc8673696-masquerade 0 [end]  userdata = { \x00Ad69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one\x00 }
# nft add element inet nsbridge nsb-d69fc4dfc8673696-src6 { fd88::5 comment "d69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one" : goto nsb-d69fc4dfc8673696-masquerade }
nsb-d69fc4dfc8673696-src6 nsbridge 8
	element 000088fd 00000000 00000000 05000000  : goto -> nsb-d69fc4dfc8673696-masquerade 0 [end]  userdata = { \x00Ad69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one\x00 }
# nft delete element inet nsbridge nsb-d69fc4dfc8673696-src6 { fd88::5 }
nsb-d69fc4dfc8673696-src6 nsbridge 8
	element 000088fd 00000000 00000000 05000000  : 0 [end]
# nft add element inet nsbridge nsb-d69fc4dfc8673696-src6 { fd88::5 comment "d69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one" : goto nsb-d69fc4dfc8673696-masquerade }
nsb-d69fc4dfc8673696-src6 nsbridge 8
	element 000088fd 00000000 00000000 05000000  : goto -> nsb-d69fc4dfc8673696-masquerade 0 [end]  userdata = { \x00Ad69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one\x00 }
"""#

/// DEL of eth0:one (10.88.0.5) while eth0:two is still attached: one element, pinned to the generation read.
let masqueradeDeleteGolden = #"""
# only at ruleset generation 3
# nft delete element inet nsbridge nsb-d69fc4dfc8673696-src4 { 10.88.0.5 }
nsb-d69fc4dfc8673696-src4 nsbridge 8
	element 0500580a  : 0 [end]
"""#

/// The last DEL, its addresses no longer known: the element found by listing the maps, and the network's
/// objects, in one batch pinned to the generation of the reads. Should a concurrent ADD commit first, the
/// kernel refuses it (ERESTART) and DEL reads again; an element the reads missed would make the first delete
/// chain fail (EBUSY, an element jumps to the masquerade chain), and DEL then deletes its element alone.
let masqueradeLastDeleteGolden = #"""
# only at ruleset generation 4
# nft delete element inet nsbridge nsb-d69fc4dfc8673696-src4 { 10.88.0.6 }
nsb-d69fc4dfc8673696-src4 nsbridge 8
	element 0600580a  : 0 [end]
# nft add table inet nsbridge
table nsbridge inet flags 0 use 0 handle 0
# nft add chain inet nsbridge nsb-d69fc4dfc8673696-masquerade
inet nsbridge nsb-d69fc4dfc8673696-masquerade use 0
# nft delete chain inet nsbridge nsb-d69fc4dfc8673696-masquerade
inet nsbridge nsb-d69fc4dfc8673696-masquerade use 0
# nft add chain inet nsbridge nsb-d69fc4dfc8673696-postrouting
inet nsbridge nsb-d69fc4dfc8673696-postrouting use 0
# nft delete chain inet nsbridge nsb-d69fc4dfc8673696-postrouting
inet nsbridge nsb-d69fc4dfc8673696-postrouting use 0
# nft add map inet nsbridge nsb-d69fc4dfc8673696-src4 { type ipv4_addr : verdict; }
nsb-d69fc4dfc8673696-src4 nsbridge 8
# nft delete map inet nsbridge nsb-d69fc4dfc8673696-src4
nsb-d69fc4dfc8673696-src4 nsbridge 8
# nft add map inet nsbridge nsb-d69fc4dfc8673696-src6 { type ipv6_addr : verdict; }
nsb-d69fc4dfc8673696-src6 nsbridge 8
# nft delete map inet nsbridge nsb-d69fc4dfc8673696-src6
nsb-d69fc4dfc8673696-src6 nsbridge 8
"""#

/// MAC spoof check ADD of eth0:one on host veth "veth1" with MAC 02:42:0a:58:00:05.
let spoofCheckAddGolden = #"""
# nft add table bridge nsbridge
table nsbridge bridge flags 0 use 0 handle 0
# nft add map bridge nsbridge nsb-d69fc4dfc8673696-ports { type ifname : verdict; }
nsb-d69fc4dfc8673696-ports nsbridge 8
# nft add set bridge nsbridge nsb-d69fc4dfc8673696-allowed { type ifname . ether_addr; }
nsb-d69fc4dfc8673696-allowed nsbridge 0
# nft add chain bridge nsbridge nsb-d69fc4dfc8673696-macs
bridge nsbridge nsb-d69fc4dfc8673696-macs use 0
# nft add chain bridge nsbridge nsb-d69fc4dfc8673696-prerouting { type filter hook prerouting priority -300; policy accept; }
bridge nsbridge nsb-d69fc4dfc8673696-prerouting use 0 type filter hook prerouting prio -300 policy accept packets 0 bytes 0
# nft flush chain bridge nsbridge nsb-d69fc4dfc8673696-macs
bridge nsbridge nsb-d69fc4dfc8673696-macs use 0
# nft flush chain bridge nsbridge nsb-d69fc4dfc8673696-prerouting
bridge nsbridge nsb-d69fc4dfc8673696-prerouting use 0 type filter hook prerouting prio -300 policy accept packets 0 bytes 0
# nft add rule bridge nsbridge nsb-d69fc4dfc8673696-macs … comment "d69fc4dfc8673696, net: mynet"
bridge nsbridge nsb-d69fc4dfc8673696-macs
  [ meta load iifname => reg 1 ]
  [ payload load 6b @ link header + 6 => reg 2 ]
  [ lookup reg 1 set nsb-d69fc4dfc8673696-allowed ]
  [ immediate reg 0 return ]
  userdata = { \x00\x1dd69fc4dfc8673696, net: mynet\x00 }
# nft add rule bridge nsbridge nsb-d69fc4dfc8673696-macs … comment "d69fc4dfc8673696, net: mynet"
bridge nsbridge nsb-d69fc4dfc8673696-macs
  [ immediate reg 0 drop ]
  userdata = { \x00\x1dd69fc4dfc8673696, net: mynet\x00 }
# nft add rule bridge nsbridge nsb-d69fc4dfc8673696-prerouting … comment "d69fc4dfc8673696, net: mynet"
bridge nsbridge nsb-d69fc4dfc8673696-prerouting
  [ meta load iifname => reg 1 ]
  [ lookup reg 1 set nsb-d69fc4dfc8673696-ports dreg 0 ]
  userdata = { \x00\x1dd69fc4dfc8673696, net: mynet\x00 }
# nft add element bridge nsbridge nsb-d69fc4dfc8673696-ports { "veth1" comment "d69fc4dfc8673696-002e783ff42a5242, mac: 02:42:0a:58:00:05, net: mynet, if: eth0, id: one" : goto nsb-d69fc4dfc8673696-macs }
nsb-d69fc4dfc8673696-ports nsbridge 8
	element 68746576 00000031 00000000 00000000  : goto -> nsb-d69fc4dfc8673696-macs 0 [end]  userdata = { \x00Yd69fc4dfc8673696-002e783ff42a5242, mac: 02:42:0a:58:00:05, net: mynet, if: eth0, id: one\x00 }
# nft delete element bridge nsbridge nsb-d69fc4dfc8673696-ports { "veth1" }
nsb-d69fc4dfc8673696-ports nsbridge 8
	element 68746576 00000031 00000000 00000000  : 0 [end]
# nft add element bridge nsbridge nsb-d69fc4dfc8673696-ports { "veth1" comment "d69fc4dfc8673696-002e783ff42a5242, mac: 02:42:0a:58:00:05, net: mynet, if: eth0, id: one" : goto nsb-d69fc4dfc8673696-macs }
nsb-d69fc4dfc8673696-ports nsbridge 8
	element 68746576 00000031 00000000 00000000  : goto -> nsb-d69fc4dfc8673696-macs 0 [end]  userdata = { \x00Yd69fc4dfc8673696-002e783ff42a5242, mac: 02:42:0a:58:00:05, net: mynet, if: eth0, id: one\x00 }
# nft add element bridge nsbridge nsb-d69fc4dfc8673696-allowed { "veth1" . 02:42:0a:58:00:05 comment "d69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one" }
nsb-d69fc4dfc8673696-allowed nsbridge 0
	element 68746576 00000031 00000000 00000000 580a4202 00000500  : 0 [end]  userdata = { \x00Ad69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one\x00 }
# nft delete element bridge nsbridge nsb-d69fc4dfc8673696-allowed { "veth1" . 02:42:0a:58:00:05 }
nsb-d69fc4dfc8673696-allowed nsbridge 0
	element 68746576 00000031 00000000 00000000 580a4202 00000500  : 0 [end]
# nft add element bridge nsbridge nsb-d69fc4dfc8673696-allowed { "veth1" . 02:42:0a:58:00:05 comment "d69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one" }
nsb-d69fc4dfc8673696-allowed nsbridge 0
	element 68746576 00000031 00000000 00000000 580a4202 00000500  : 0 [end]  userdata = { \x00Ad69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one\x00 }
"""#
