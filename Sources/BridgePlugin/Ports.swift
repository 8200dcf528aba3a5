import CNIProtocol
import IPAM
import Nftables

// The seams between the plugin's logic and the kernel, the firewall and the address store.
// `BridgePlugin` is written only against these, so every ADD/DEL/CHECK/GC decision is tested
// without root against fakes; `LiveDependencies` composes the real Netlink, Nftables and IPAM.
// IPAM's own `AddressManager` protocol is the seam for addresses.

/// A link as the plugin needs to see it.
public struct LinkSnapshot: Equatable, Sendable {
    public var name: String
    public var kind: String
    public var mac: String
    public var mtu: Int
    public var isUp: Bool
    /// The bridge this link is a port of, if any.
    public var masterName: String?

    public init(name: String, kind: String, mac: String, mtu: Int = 1500, isUp: Bool = true, masterName: String? = nil) {
        self.name = name
        self.kind = kind
        self.mac = mac
        self.mtu = mtu
        self.isUp = isUp
        self.masterName = masterName
    }
}

/// What the bridge must look like.
public struct BridgeSpec: Equatable, Sendable {
    public var name: String
    public var mtu: Int?
    public var promiscuous: Bool
    public var vlanFiltering: Bool
    /// Whether a bridge created now tracks multicast groups; an existing bridge keeps its setting.
    public var multicastSnooping: Bool
}

/// The veth pair of one attachment; the container end is born inside `netns`, the host end is
/// born enslaved to `bridge` and up.
public struct VethSpec: Equatable, Sendable {
    public var bridge: String
    public var hostName: String
    public var containerName: String
    public var netns: String
    public var mtu: Int?
    public var containerMAC: MACAddress?
    /// Recorded on the host end, so DEL can tell this attachment's link from a hash collision's.
    public var owner: String
}

/// How the host end joins the bridge.
public struct PortSpec: Equatable, Sendable {
    public var port: String
    public var bridge: String
    public var hairpin: Bool
    public var isolated: Bool
    /// Access VLAN (untagged, PVID); 0 for none.
    public var accessVLAN: Int
    public var trunk: [ClosedRange<Int>]
    /// Keep VLAN 1 (the bridge's default PVID) on the port.
    public var preserveDefaultVLAN: Bool
}

/// A route to install in the container.
public struct ContainerRoute: Equatable, Sendable {
    public var destination: IPNetwork
    public var gateway: IPAddress?
    public var priority: Int?
    public var table: Int?
    public var scope: Int?
    public var mtu: Int?
    public var advmss: Int?

    public init(destination: IPNetwork, gateway: IPAddress? = nil, priority: Int? = nil, table: Int? = nil,
                scope: Int? = nil, mtu: Int? = nil, advmss: Int? = nil) {
        self.destination = destination
        self.gateway = gateway
        self.priority = priority
        self.table = table
        self.scope = scope
        self.mtu = mtu
        self.advmss = advmss
    }
}

/// Addresses, routes and settings of the container interface.
public struct ContainerInterfaceSpec: Equatable, Sendable {
    public var netns: String
    public var name: String
    public var addresses: [IPNetwork]
    public var routes: [ContainerRoute]
    public var enableDAD: Bool
    public var bringUp: Bool
    /// Derive the IPv6 link-local address from the MAC (EUI-64), whatever the namespace's default.
    public var eui64LinkLocal = false
}

/// The container side as CHECK sees it.
public struct ContainerSnapshot: Equatable, Sendable {
    public var link: LinkSnapshot
    public var addresses: [IPNetwork]
    public var routes: [ContainerRoute]

    public init(link: LinkSnapshot, addresses: [IPNetwork], routes: [ContainerRoute]) {
        self.link = link
        self.addresses = addresses
        self.routes = routes
    }
}

/// Kernel operations, grouped by the plugin's steps.
public protocol Datapath {
    /// Opens the container's namespace (`CNI_NETNS`) for the rest of the request. ADD calls it
    /// before anything else, so a missing or refused namespace leaves the kernel untouched.
    func openContainerNamespace(_ path: String) throws
    /// Creates the bridge if missing, sets it up; `created` tells whether this call made it.
    /// Fails if a link of another kind has the name.
    func ensureBridge(_ spec: BridgeSpec) throws -> (bridge: LinkSnapshot, created: Bool)
    /// Deletes the bridge if it has no ports left; used to roll back an ADD that created it.
    func deleteBridgeIfUnused(named name: String) throws
    /// Creates the veth pair; fails if `containerName` already exists in the namespace.
    func createVethPair(_ spec: VethSpec) throws -> (host: LinkSnapshot, container: LinkSnapshot)
    /// Applies hairpin, isolation and VLANs to a host end already enslaved by `createVethPair`.
    func attachPort(_ spec: PortSpec) throws
    /// Puts back on `bridge` those of the host links `names` that exist and are not on it (after
    /// the bridge was deleted and re-created). Returns the names it re-attached.
    func reattachPorts(_ names: Set<String>, toBridge bridge: String) throws -> [String]
    /// Configures the container interface. Returns the indexes (in `spec.routes`) of routes
    /// that were not installed because the namespace already had them, e.g. a default route
    /// from a first interface: the first one wins, and the result must not report the other.
    func configureContainerInterface(_ spec: ContainerInterfaceSpec) throws -> Set<Int>
    /// Puts the gateway addresses on the bridge; with `replaceConflicting`, an address of the same
    /// subnet already there is replaced instead of being an error.
    func addGatewayAddresses(_ addresses: [IPNetwork], toBridge bridge: String, replaceConflicting: Bool) throws
    func enableForwarding(for families: Set<IPFamily>) throws
    /// Lets the bridge route packets from `127.0.0.1` (`route_localnet`), for port mappings
    /// reached through the host's loopback address.
    func enableLocalhostRouting(bridge: String) throws
    /// Forgets the conntrack entries of flows to these mappings' host ports, so existing UDP
    /// flows are mapped afresh.
    func forgetFlows(to mappings: [PortMapping]) throws
    /// Waits, bounded, until the host end reports carrier.
    func waitUntilUp(hostLink name: String) throws
    /// Tells the container's neighbours its addresses now belong to `mac` (gratuitous ARP,
    /// unsolicited NA), once the host end forwards frames.
    func announceAddresses(netns: String, interface name: String, mac: String, addresses: [IPAddress]) throws

    func hostLink(named name: String) throws -> LinkSnapshot?
    /// Deletes a host link; `false` when it did not exist, or when `owner` is given and the link
    /// records another owner (a link without a recorded owner predates ownership and is deleted).
    func deleteHostLink(named name: String, ownedBy owner: String?) throws -> Bool
    /// Starts the same deletion and returns the wait for its outcome, so that the caller can
    /// remove the firewall state meanwhile; see the extension's default.
    func startDeletingHostLink(named name: String, ownedBy owner: String?) throws -> () throws -> Bool
    /// Deletes the container interface; succeeds when the namespace or interface is gone.
    func deleteContainerInterface(netns: String, name: String) throws
    /// The container interface with its addresses and the routes of the main table and of
    /// `tables`, or `nil` when it is missing.
    func inspectContainerInterface(netns: String, name: String, tables: Set<Int>) throws -> ContainerSnapshot?
}

/// Masquerade and MAC spoof-check state, owned per (network, attachment).
public protocol Firewall {
    /// Closes the kernel connection; nothing may use the firewall afterwards. The socket's
    /// release in the kernel, which waits for a grace period after a commit, happens after the
    /// plugin has exited (see `LingeringChild`).
    func release()

    /// Fails when the kernel's nftables cannot be used at all (for STATUS).
    func probe() throws

    /// Returns `true` when the network's masquerade chains were missing and have been created
    /// (its first attachment, or the first after `nft flush ruleset`).
    func addMasquerade(network: String, attachment: Attachment, addresses: [IPAddress], subnets: [IPNetwork],
                       excluded: [IPNetwork]) throws -> Bool
    /// `addresses` are the attachment's addresses when still known (from IPAM); they let DEL
    /// read only those entries.
    func removeMasquerade(network: String, attachment: Attachment, addresses: [IPAddress]?) throws
    func checkMasquerade(network: String, attachment: Attachment, addresses: [IPAddress]) throws
    func garbageCollectMasquerade(network: String, keep: Set<Attachment>) throws
    /// Re-creates the network's missing masquerade chains and the holders' missing elements in
    /// one transaction (see ``FirewallRepair``); returns what was missing.
    func repairMasquerade(network: String, holders: [MasqueradeFirewall.Holder], subnets: [IPNetwork],
                          excluded: [IPNetwork]) throws -> [String]

    func addSpoofCheck(network: String, attachment: Attachment, hostInterface: String, mac: String) throws
    func removeSpoofCheck(network: String, attachment: Attachment) throws
    func checkSpoofCheck(network: String, attachment: Attachment, hostInterface: String, mac: String) throws
    func garbageCollectSpoofCheck(network: String, keep: Set<Attachment>) throws

    /// Port mappings: see `PortMappingFirewall`. `mappings` and `addresses` are `nil` on DEL when
    /// no longer known; the entries are then found by owner.
    func addPortMappings(_ publication: PortMappingFirewall.Publication) throws
    func removePortMappings(network: String, attachment: Attachment, mappings: [PortMapping]?, addresses: [IPAddress]?,
                            bridge: String) throws
    func checkPortMappings(_ publication: PortMappingFirewall.Publication) throws
    func garbageCollectPortMappings(network: String, keep: Set<Attachment>) throws
    // `ipspoofchk` and `isolate` (Ports+Tenancy.swift).
    func addGuards(_ guards: TenancyGuards, attachment: Attachment, mac: String, addresses: [IPAddress]) throws
    func removeGuards(_ guards: TenancyGuards, attachment: Attachment, addresses: [IPAddress]?) throws
    func checkGuards(_ guards: TenancyGuards, attachment: Attachment, mac: String, addresses: [IPAddress]) throws
    func garbageCollectGuards(_ guards: TenancyGuards, keep: Set<Attachment>) throws
    /// Masquerade, the MAC check and the guards of one ADD (Ports+FirewallAttachment.swift).
    func addAttachment(_ request: FirewallAttachment) throws -> Bool
    /// Everything of one attachment that DEL removes (Ports+FirewallDetachment.swift).
    func removeAttachment(_ request: FirewallDetachment) throws
    /// Forwarding acceptance in the host's iptables `FORWARD` chains, if it has any.
    func addForwarding(network: String, attachment: Attachment, bridge: String, hostInterface: String) throws
    func removeForwarding(network: String, attachment: Attachment) throws
    func checkForwarding(network: String, attachment: Attachment, bridge: String, hostInterface: String) throws
    func garbageCollectForwarding(network: String, keep: Set<Attachment>) throws
    /// Restores the network's acceptance and its members' elements in one batch; returns what
    /// was missing (FirewallRepair+Attachments.swift).
    func repairForwarding(network: String, bridge: String, members: [ForwardingAcceptance.Member]) throws -> [String]
}

/// Builds the live or fake collaborators for one request.
public protocol BridgeDependencies {
    func datapath(for request: PluginRequest) throws -> Datapath
    func firewall() throws -> Firewall
    /// Traffic shaping, over a kernel socket of its own (DEL uses it beside the datapath's).
    func trafficShaper() throws -> TrafficShaper
    /// `nil` when the configuration has no IPAM (L2-only).
    func addressManager(for request: PluginRequest) throws -> (any AddressManager)?
}

/// An address manager that can list who holds addresses. GC keeps the firewall state of these
/// attachments; a delegated IPAM cannot tell, and then only the valid list is kept.
public protocol AddressHolderListing {
    func attachmentsHoldingAddresses() throws -> Set<Attachment>
}

extension HostLocalIPAM: AddressHolderListing {}

extension Datapath {
    /// Deletes a host link whoever owns it; `false` when it did not exist.
    public func deleteHostLink(named name: String) throws -> Bool { try deleteHostLink(named: name, ownedBy: nil) }

    /// This default deletes at once and hands over only the outcome; the kernel datapath waits
    /// in the returned closure for the kernel to unregister the link.
    public func startDeletingHostLink(named name: String, ownedBy owner: String?) throws -> () throws -> Bool {
        let removed = try deleteHostLink(named: name, ownedBy: owner)
        return { removed }
    }
}
