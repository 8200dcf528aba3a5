import BridgePlugin
import CNIProtocol
import IPAM
import Netlink

#if canImport(Glibc)
import Glibc
#endif

/// Checks of one network against the node.
struct NetworkChecks {
    let node: NodeState
    let network: SelectedNetwork

    private var configuration: BridgeConfiguration { network.configuration }

    func run() -> [Finding] {
        let pool = try? makeAddressManager(for: network.request) as? HostLocalIPAM
        return bridgeAddresses(pool) + mtu() + multicastSnooping() + ipamUsage(pool) + acceptRA() + dataDirectory(pool)
    }

    func bridgeAddresses(_ pool: HostLocalIPAM?) -> [Finding] {
        let ranges = pool?.configuration.rangeSets.flatMap(\.ranges) ?? []
        let bridge = node.link(named: configuration.bridgeName)
        var findings: [Finding] = []
        if let bridge, bridge.kind != "bridge" {
            findings.append(Finding(check: "bridge", severity: .error,
                                    message: "\(configuration.bridgeName) exists but is a \(bridge.kind ?? "non-bridge") link: ADD fails with code 100",
                                    hint: "rename the network's \"bridge\" or remove that link"))
        }
        for range in ranges {
            findings += otherLinks(overlapping: range.subnet, bridge: bridge)
            guard configuration.isGateway || configuration.isDefaultGateway, let bridge else { continue }
            findings += gatewayConflicts(range, on: bridge)
        }
        if findings.isEmpty { findings.append(Finding(check: "bridge", severity: .ok, message: "no address conflict on \(configuration.bridgeName)")) }
        return findings
    }

    private func gatewayConflicts(_ range: AddressRange, on bridge: LinkInfo) -> [Finding] {
        let onBridge = (node.addresses[bridge.index] ?? []).filter { $0.address.family == range.family }
        let sameSubnet = onBridge.filter { $0.contains(range.gateway) || range.subnet.contains($0.address) }
        return sameSubnet.compactMap { address in
            if address.address != range.gateway {
                return Finding(check: "bridge", severity: configuration.forceAddress ? .warning : .error,
                               message: "bridge \(bridge.name) has \(address) but the netconf's gateway is \(range.gateway)/\(range.subnet.prefixLength)"
                                   + (configuration.forceAddress ? "; the next ADD replaces it (forceAddress)" : ": ADD fails"),
                               hint: "remove the address (ip addr del \(address) dev \(bridge.name)) or fix the netconf's subnet/gateway")
            }
            if address.prefixLength != range.subnet.prefixLength {
                return Finding(check: "bridge", severity: .warning,
                               message: "bridge \(bridge.name) has \(address), the netconf says /\(range.subnet.prefixLength) (drift)",
                               hint: "delete the bridge address; the next ADD puts the netconf's back")
            }
            return nil
        }
    }

    private func otherLinks(overlapping subnet: IPNetwork, bridge: LinkInfo?) -> [Finding] {
        node.links.filter { $0.index != bridge?.index && $0.name != "lo" }.flatMap { link in
            (node.addresses[link.index] ?? []).filter { subnet.contains($0.address) || $0.contains(subnet.address) }.map { address in
                Finding(check: "bridge", severity: .error,
                        message: "link \(link.name) has \(address), which overlaps the network's subnet \(subnet): routing to the containers is ambiguous",
                        hint: "choose a subnet that no host interface uses")
            }
        }
    }

    func mtu() -> [Finding] {
        let bridgeMTU = node.link(named: configuration.bridgeName).map { Int($0.mtu) }
        var findings: [Finding] = []
        if let configured = configuration.mtu, let bridgeMTU, bridgeMTU != configured {
            findings.append(Finding(check: "mtu", severity: .warning,
                                    message: "bridge \(configuration.bridgeName) has MTU \(bridgeMTU), the netconf says \(configured) (drift): new veths get \(configured)",
                                    hint: "ip link set \(configuration.bridgeName) mtu \(configured), or fix the netconf"))
        }
        guard let uplink = node.uplink, let mtu = configuration.mtu ?? bridgeMTU, mtu > Int(uplink.mtu) else { return findings }
        return findings + [Finding(check: "mtu", severity: .warning,
                        message: "MTU \(mtu) of the network is larger than \(uplink.mtu) of the uplink \(uplink.name): large packets leaving the host are fragmented or dropped",
                        hint: "set \"mtu\": \(uplink.mtu) (or less) in the netconf")]
    }

    /// A bridge made before nsbridge turned snooping off (or changed by hand) keeps it: not wrong,
    /// but every ADD and DEL then walks the ports for it (`BridgeConfiguration.multicastSnooping`).
    func multicastSnooping() -> [Finding] {
        let name = configuration.bridgeName
        guard let snooping = node.link(named: name)?.bridgeMulticastSnooping,
              snooping != configuration.multicastSnooping else { return [] }
        if snooping {
            return [Finding(check: "multicast-snooping", severity: .info,
                            message: "bridge \(name) has multicast snooping on: each ADD and DEL re-arms two query timers per port",
                            hint: "ip link set \(name) type bridge mcast_snooping 0, or set \"multicastSnooping\": true to keep it")]
        }
        return [Finding(check: "multicast-snooping", severity: .info,
                        message: "bridge \(name) has multicast snooping off, the netconf asks for it on (only a new bridge gets it)",
                        hint: "ip link set \(name) type bridge mcast_snooping 1")]
    }

    func ipamUsage(_ pool: HostLocalIPAM?) -> [Finding] {
        guard let pool, let reservations = try? pool.reservations() else { return [] }
        let used = reservations.count
        let capacity = pool.capacity
        let leaked = reservations.filter { reservation in
            guard case .attachment(let attachment) = reservation.owner else { return false }
            return node.link(named: BridgeNaming.hostVethName(for: attachment)) == nil
        }.count
        var findings = [Finding(check: "ipam", severity: UInt128(used) * 10 >= capacity * 9 ? .warning : .info,
                                message: "\(used) of \(capacity) addresses reserved")]
        if leaked > 0 {
            findings.append(Finding(check: "ipam", severity: .warning,
                                    message: "\(leaked) reservation(s) have no host veth (containers gone without DEL)",
                                    hint: "nsbridge reclaim --conf \(network.file) (then --apply)"))
        }
        return findings
    }

    func acceptRA() -> [Finding] {
        guard node.sysctls["net/ipv6/conf/all/forwarding"] == "1", let uplink = node.uplink,
              node.sysctls["uplink/accept_ra"] == "1" else { return [] }
        return [Finding(check: "accept_ra", severity: .warning,
                        message: "IPv6 forwarding is on and \(uplink.name) has accept_ra = 1, so it ignores router advertisements: its IPv6 default route expires",
                        hint: "sysctl -w net.ipv6.conf.\(uplink.name).accept_ra=2")]
    }

    func dataDirectory(_ pool: HostLocalIPAM?) -> [Finding] {
        guard let directory = pool?.configuration.dataDirectory else { return [] }
        var info = stat()
        guard stat(directory, &info) == 0 else {
            return [Finding(check: "dataDir", severity: .info, message: "\(directory) does not exist yet; the first ADD creates it")]
        }
        if access(directory, W_OK) != 0 {
            return [Finding(check: "dataDir", severity: .error, message: "\(directory) is not writable: ADD and DEL fail",
                            hint: "check its mode and owner, and whether the file system is read-only")]
        }
        if info.st_mode & 0o022 != 0 || info.st_uid != 0 {
            return [Finding(check: "dataDir", severity: .warning,
                            message: "\(directory) is writable by others than root (mode \(String(info.st_mode & 0o777, radix: 8)), uid \(info.st_uid)): anyone can take or free addresses",
                            hint: "chown root \(directory); chmod go-w \(directory)")]
        }
        return []
    }
}

/// containerd and CRI-O use only the first configuration file in the directory.
enum ConfigurationOrderCheck {
    static func run(directory: String, networks: [SelectedNetwork]) -> [Finding] {
        guard let files = try? NetworkSelection.configurationFiles(in: directory, mustExist: false),
              let first = files.first(where: { (try? NetworkSelection.parse($0)) != nil }),
              let ours = networks.first?.file, first != ours
        else { return [] }
        return [Finding(check: "conf-order", severity: .warning,
                        message: "\(first) sorts before \(ours): containerd and CRI-O use only the first file, so they will not use nsbridge",
                        hint: "rename the nsbridge file to sort first (e.g. 10-nsbridge.conflist) or remove the other")]
    }
}
