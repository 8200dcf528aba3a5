// Golden forwarding-acceptance batches: each block starts with the equivalent `nft` command
// (`# nft …`), followed by what libnftnl prints for it (rules as `nft --debug=netlink` shows them).
// Network "mynet" hashes to d69fc4dfc8673696; attachment eth0:one to 002e783ff42a5242.
// In iptables' words the rules are:
//   -I FORWARD 1 -m comment --comment "nsbridge: accept forwarding for nsbridge networks" -j NSBRIDGE-FORWARD
//   -I NSBRIDGE-FORWARD 1 -m comment --comment "nsbridge: operators' rules go in NSBRIDGE-ADMIN" -j NSBRIDGE-ADMIN
//   -A NSBRIDGE-FORWARD -o cni0 -m conntrack --ctstate RELATED,ESTABLISHED,DNAT -m comment --comment "…" -j ACCEPT
//   -A NSBRIDGE-FORWARD -i cni0 -m comment --comment "…" -j ACCEPT

/// The first ADD (eth0:one, host veth veth1, bridge cni0) on a host with `ip filter FORWARD` only.
let forwardingAddGolden = #"""
# only at ruleset generation 2
# nft add chain ip filter NSBRIDGE-ADMIN
ip filter NSBRIDGE-ADMIN use 0
# nft add chain ip filter NSBRIDGE-FORWARD
ip filter NSBRIDGE-FORWARD use 0
# nft insert rule ip filter FORWARD … comment "nsbridge: accept forwarding for nsbridge networks"
ip filter FORWARD
  [ counter pkts 0 bytes 0 ]
  [ immediate reg 0 jump -> NSBRIDGE-FORWARD ]
  userdata = { \x002nsbridge: accept forwarding for nsbridge networks\x00 }
# nft insert rule ip filter NSBRIDGE-FORWARD … comment "nsbridge: operators' rules go in NSBRIDGE-ADMIN"
ip filter NSBRIDGE-FORWARD
  [ counter pkts 0 bytes 0 ]
  [ immediate reg 0 jump -> NSBRIDGE-ADMIN ]
  userdata = { \x000nsbridge: operators' rules go in NSBRIDGE-ADMIN\x00 }
# nft add rule ip filter NSBRIDGE-FORWARD … comment "d69fc4dfc8673696, net: mynet, bridge: cni0"
ip filter NSBRIDGE-FORWARD
  [ meta load oifname => reg 1 ]
  [ cmp eq reg 1 0x30696e63 0x00000000 ]
  [ match name conntrack rev 3 ]
  [ counter pkts 0 bytes 0 ]
  [ immediate reg 0 accept ]
  userdata = { \x00+d69fc4dfc8673696, net: mynet, bridge: cni0\x00 }
# nft add rule ip filter NSBRIDGE-FORWARD … comment "d69fc4dfc8673696, net: mynet, bridge: cni0"
ip filter NSBRIDGE-FORWARD
  [ meta load iifname => reg 1 ]
  [ cmp eq reg 1 0x30696e63 0x00000000 ]
  [ counter pkts 0 bytes 0 ]
  [ immediate reg 0 accept ]
  userdata = { \x00+d69fc4dfc8673696, net: mynet, bridge: cni0\x00 }
# nft add table inet nsbridge
table nsbridge inet flags 0 use 0 handle 0
# nft add chain inet nsbridge nsb-d69fc4dfc8673696-forwarding
inet nsbridge nsb-d69fc4dfc8673696-forwarding use 0
# nft add map inet nsbridge nsb-d69fc4dfc8673696-fwd { type ifname : verdict; }
nsb-d69fc4dfc8673696-fwd nsbridge 8
# nft add element inet nsbridge nsb-d69fc4dfc8673696-fwd { "veth1" comment "d69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one" : goto nsb-d69fc4dfc8673696-forwarding }
nsb-d69fc4dfc8673696-fwd nsbridge 8
	element 68746576 00000031 00000000 00000000  : goto -> nsb-d69fc4dfc8673696-forwarding 0 [end]  userdata = { \x00Ad69fc4dfc8673696-002e783ff42a5242, net: mynet, if: eth0, id: one\x00 }
"""#

/// The last DEL of that attachment: its element (pinned), then the teardown (pinned), which the
/// kernel refuses as a whole (EBUSY at its first delete) if another attachment joined meanwhile.
let forwardingDeleteGolden = #"""
# only at ruleset generation 3
# nft delete element inet nsbridge nsb-d69fc4dfc8673696-fwd { "veth1" }
nsb-d69fc4dfc8673696-fwd nsbridge 8
	element 68746576 00000031 00000000 00000000  : 0 [end]
# nft add table inet nsbridge
table nsbridge inet flags 0 use 0 handle 0
# nft add chain inet nsbridge nsb-d69fc4dfc8673696-forwarding
inet nsbridge nsb-d69fc4dfc8673696-forwarding use 0
# nft delete chain inet nsbridge nsb-d69fc4dfc8673696-forwarding
inet nsbridge nsb-d69fc4dfc8673696-forwarding use 0
# nft add map inet nsbridge nsb-d69fc4dfc8673696-fwd { type ifname : verdict; }
nsb-d69fc4dfc8673696-fwd nsbridge 8
# nft delete map inet nsbridge nsb-d69fc4dfc8673696-fwd
nsb-d69fc4dfc8673696-fwd nsbridge 8
# nft delete rule ip filter NSBRIDGE-FORWARD handle 3
ip filter NSBRIDGE-FORWARD 3
# nft delete rule ip filter NSBRIDGE-FORWARD handle 4
ip filter NSBRIDGE-FORWARD 4
# nft delete rule ip filter FORWARD handle 1
ip filter FORWARD 1
# nft delete chain ip filter NSBRIDGE-FORWARD
ip filter NSBRIDGE-FORWARD use 0
# nft delete chain ip filter NSBRIDGE-ADMIN
ip filter NSBRIDGE-ADMIN use 0
"""#
