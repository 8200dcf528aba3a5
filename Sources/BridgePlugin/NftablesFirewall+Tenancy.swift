import CNIProtocol
import Nftables

extension NftablesFirewall {
    func addGuards(_ guards: TenancyGuards, attachment: Attachment, mac: String, addresses: [IPAddress]) throws {
        try NetworkAddition(transport: transport).add(guardParts(guards, attachment: attachment, mac: mac, addresses: addresses))
    }

    /// What ADD programs for the guards that are on.
    func guardParts(_ guards: TenancyGuards, attachment: Attachment, mac: String, addresses: [IPAddress]) throws -> [NetworkPart] {
        var parts: [NetworkPart] = []
        if guards.ipSpoofCheck {
            guard let macBytes = MACAddress(mac)?.bytes else {
                throw CNIError(.kernel, "ipspoofchk: container MAC \(mac) is not xx:xx:xx:xx:xx:xx")
            }
            parts.append(AddressSpoofCheck.part(
                network: guards.network, attachment: attachment,
                port: PortAddresses(name: guards.hostInterface, mac: macBytes, addresses: addresses)))
        }
        if guards.isolate {
            parts.append(NetworkIsolation.part(network: guards.network, attachment: attachment, bridge: guards.bridge,
                                               addresses: addresses))
        }
        return parts
    }

    func removeGuards(_ guards: TenancyGuards, attachment: Attachment, addresses: [IPAddress]?) throws {
        if guards.ipSpoofCheck {
            try AddressSpoofCheck(transport: transport).remove(
                network: guards.network, attachment: attachment, port: guards.hostInterface, addresses: addresses)
        }
        if guards.isolate {
            try NetworkIsolation(transport: transport).remove(network: guards.network, attachment: attachment, addresses: addresses)
        }
    }

    func checkGuards(_ guards: TenancyGuards, attachment: Attachment, mac: String, addresses: [IPAddress]) throws {
        if guards.ipSpoofCheck {
            guard let macBytes = MACAddress(mac)?.bytes else {
                throw MissingFirewallState(missing: ["ipspoofchk: a valid container MAC (got \(mac))"])
            }
            let port = PortAddresses(name: guards.hostInterface, mac: macBytes, addresses: addresses)
            try AddressSpoofCheck(transport: transport).check(network: guards.network, attachment: attachment, port: port)
        }
        if guards.isolate {
            try NetworkIsolation(transport: transport).check(
                network: guards.network, attachment: attachment, bridge: guards.bridge, addresses: addresses)
        }
    }

    func garbageCollectGuards(_ guards: TenancyGuards, keep: Set<Attachment>) throws {
        if guards.ipSpoofCheck {
            try AddressSpoofCheck(transport: transport).garbageCollect(network: guards.network, valid: keep)
        }
        if guards.isolate {
            try NetworkIsolation(transport: transport).garbageCollect(network: guards.network, valid: keep)
        }
    }
}
