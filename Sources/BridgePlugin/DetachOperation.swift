import CNIProtocol

/// DEL: removes the links, the firewall state and the reservation of one attachment.
///
/// It needs neither the namespace nor `prevResult`: the host veth name, the firewall tags and
/// the IPAM records are all keyed by (container ID, ifname). Deleting the host end of a veth
/// pair deletes the container end with it, so the namespace is opened only when the host end
/// is already gone (for example, an interface moved by someone else). Order follows what users
/// learned the hard way: interface and firewall first, the address last, so that an address is
/// never handed out while something still routes or masquerades it.
struct DetachOperation {
    let request: PluginRequest
    let configuration: BridgeConfiguration
    let dependencies: BridgeDependencies

    func run() throws {
        var errors = TeardownErrors()
        removeLinks(&errors)
        removeFirewallState(&errors)
        errors.collect("release addresses") {
            try dependencies.addressAllocator(for: request)?.release(for: request.attachment)
        }
        try errors.throwIfAny("DEL of \(request.attachment) on network \"\(request.configuration.name)\" was incomplete")
    }

    private func removeLinks(_ errors: inout TeardownErrors) {
        errors.collect("delete interfaces") {
            let datapath = try dependencies.datapath(for: request)
            let removed = try datapath.deleteHostLink(named: BridgeNaming.hostVethName(for: request.attachment))
            if !removed && !request.netns.isEmpty {
                try datapath.deleteContainerInterface(netns: request.netns, name: request.ifName)
            }
        }
    }

    private func removeFirewallState(_ errors: inout TeardownErrors) {
        guard configuration.ipMasq || configuration.macSpoofCheck else { return }
        let (network, attachment) = (request.configuration.name, request.attachment)
        errors.collect("remove firewall state") {
            let firewall = try dependencies.firewall()
            if configuration.ipMasq { try firewall.removeMasquerade(network: network, attachment: attachment) }
            if configuration.macSpoofCheck { try firewall.removeSpoofCheck(network: network, attachment: attachment) }
        }
    }
}

/// GC: frees what belongs to attachments that are neither listed as valid nor still alive.
///
/// `cni.dev/valid-attachments` absent (as `cnitool gc` sends it) means "no attachment is known to
/// be valid"; an empty list means the same. In both cases an attachment whose host veth still
/// exists is kept, so GC only ever frees state whose container is provably gone.
struct GarbageCollectOperation {
    let request: PluginRequest
    let configuration: BridgeConfiguration
    let dependencies: BridgeDependencies

    func run() throws {
        let datapath = try dependencies.datapath(for: request)
        let valid = Set(request.configuration.validAttachments ?? [])
        let keep: (Attachment) -> Bool = { attachment in
            if valid.contains(attachment) { return true }
            let hostVeth = BridgeNaming.hostVethName(for: attachment)
            // When the kernel cannot be asked, keep: freeing a live container's address is worse.
            return (try? datapath.hostLink(named: hostVeth)) != .some(nil)
        }
        var errors = TeardownErrors()
        errors.collect("IPAM garbage collection") {
            try dependencies.addressAllocator(for: request)?.garbageCollect(
                valid: request.configuration.validAttachments, isAlive: keep)
        }
        collectFirewall(keep: keep, &errors)
        try errors.throwIfAny("GC of network \"\(request.configuration.name)\" was incomplete")
    }

    private func collectFirewall(keep: @escaping (Attachment) -> Bool, _ errors: inout TeardownErrors) {
        let network = request.configuration.name
        errors.collect("firewall garbage collection") {
            let firewall = try dependencies.firewall()
            try firewall.garbageCollectMasquerade(network: network, keep: keep)
            try firewall.garbageCollectSpoofCheck(network: network, keep: keep)
        }
    }
}
