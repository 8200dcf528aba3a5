/// DEL of `one` while `two` still uses the network (AttachmentRemovalGoldenTests): its four elements, read
/// by key in one lookup datagram, deleted in one batch pinned to the generation of that read.
let removalOneOfTwoGolden = #"""
# only at ruleset generation 8
# nft delete element inet nsbridge nsb-d69fc4dfc8673696-src4 { 10.88.0.5 }
nsb-d69fc4dfc8673696-src4 nsbridge 8
	element 0500580a  : 0 [end]
# nft delete element inet nsbridge nsb-portmap-any4 { tcp . 8080 }
nsb-portmap-any4 nsbridge 8
	element 00000006 0000901f  : 0 [end]
# nft delete element inet nsbridge nsb-portmap-hairpin4 { 10.88.0.5 . "cni0" }
nsb-portmap-hairpin4 nsbridge 0
	element 0500580a 30696e63 00000000 00000000 00000000  : 0 [end]
# nft delete element inet nsbridge nsb-d69fc4dfc8673696-fwd { "veth1" }
nsb-d69fc4dfc8673696-fwd nsbridge 8
	element 68746576 00000031 00000000 00000000  : 0 [end]
"""#

/// DEL of `two`, the network's last attachment: its elements, then the masquerade objects and the forwarding
/// bookkeeping and rules, which the same reads (the chains' use counts) showed to be unused after it, in one
/// pinned batch. The shared port-mapping objects stay (only GC removes them).
let removalLastGolden = #"""
# only at ruleset generation 9
# nft delete element inet nsbridge nsb-d69fc4dfc8673696-src4 { 10.88.0.6 }
nsb-d69fc4dfc8673696-src4 nsbridge 8
	element 0600580a  : 0 [end]
# nft delete element inet nsbridge nsb-portmap-any4 { tcp . 8081 }
nsb-portmap-any4 nsbridge 8
	element 00000006 0000911f  : 0 [end]
# nft delete element inet nsbridge nsb-portmap-hairpin4 { 10.88.0.6 . "cni0" }
nsb-portmap-hairpin4 nsbridge 0
	element 0600580a 30696e63 00000000 00000000 00000000  : 0 [end]
# nft delete element inet nsbridge nsb-d69fc4dfc8673696-fwd { "veth2" }
nsb-d69fc4dfc8673696-fwd nsbridge 8
	element 68746576 00000032 00000000 00000000  : 0 [end]
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
# nft delete rule ip filter NSBRIDGE-FORWARD handle 19
ip filter NSBRIDGE-FORWARD 19
# nft delete rule ip filter NSBRIDGE-FORWARD handle 20
ip filter NSBRIDGE-FORWARD 20
# nft delete rule ip filter FORWARD handle 17
ip filter FORWARD 17
# nft delete chain ip filter NSBRIDGE-FORWARD
ip filter NSBRIDGE-FORWARD use 0
# nft delete chain ip filter NSBRIDGE-ADMIN
ip filter NSBRIDGE-ADMIN use 0
"""#
