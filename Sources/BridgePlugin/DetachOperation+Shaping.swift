import CNIProtocol

extension DetachOperation {
    /// The shaper, when this network may have shaped the attachment.
    func trafficShaperIfShaping(_ errors: inout TeardownErrors) -> TrafficShaper? {
        guard configuration.mayShapeTraffic else { return nil }
        return errors.value("open rtnetlink for traffic shaping") { try dependencies.trafficShaper() }
    }

    /// The device group of the attachment's veth and ifb, when ADD grouped them (egress shaping).
    func attachmentGroup(_ shaper: TrafficShaper?, _ errors: inout TeardownErrors) -> UInt32? {
        guard let shaper else { return nil }
        let veth = BridgeNaming.hostVethName(for: request.attachment)
        return errors.value("look up \(veth)") { try shaper.attachmentGroup(ofHostLink: veth) } ?? nil
    }

    /// Deletes the veth pair and the ifb in one request, so the kernel unregisters them as one
    /// batch and waits for one grace period instead of two (which it would serialize even from
    /// two threads). The qdiscs on the host veth go with it.
    func removeGroupedLinks(_ shaper: TrafficShaper, _ group: UInt32, _ errors: inout TeardownErrors) {
        errors.collect("delete interfaces") { try shaper.deleteAttachmentGroup(group) }
    }

    /// Deletes the attachment's ifb by name, when its links are not grouped: the veth is already
    /// gone (containerd removes the namespace, and the veth with it, before its DEL with an empty
    /// `CNI_NETNS`), or the attachment shapes ingress only and has no ifb.
    func removeIfb(_ shaper: TrafficShaper, _ errors: inout TeardownErrors) {
        let name = BridgeNaming.ifbName(for: request.attachment)
        errors.collect("delete \(name)") { _ = try shaper.deleteIfb(named: name) }
    }
}

extension GarbageCollectOperation {
    /// Deletes the plugin's ifbs whose host veth is gone, unless their attachment is listed as
    /// valid. An ifb without its veth shapes nothing; this is how one leaks when a container's
    /// namespace is destroyed and DEL never comes. One link dump, in which a veth is always
    /// listed before an ifb made after it, so a concurrent ADD's ifb is never taken for dead.
    func collectShaping(keep: Set<Attachment>, _ errors: inout TeardownErrors) {
        guard configuration.mayShapeTraffic else { return }
        errors.collect("traffic shaping garbage collection") {
            let shaper = try dependencies.trafficShaper()
            let kinds = try shaper.linkKinds()
            let kept = Set(keep.map(BridgeNaming.ifbName(for:)))
            for (name, kind) in kinds where kind == "ifb" && !kept.contains(name) {
                guard let veth = BridgeNaming.hostVethName(forIfb: name), kinds[veth] == nil else { continue }
                _ = try shaper.deleteIfb(named: name)
            }
        }
    }
}
