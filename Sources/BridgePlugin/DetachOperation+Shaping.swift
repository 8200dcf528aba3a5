import CNIProtocol
#if canImport(Glibc)
import LinuxSupport
#endif

extension DetachOperation {
    /// The shaper, when this network may have shaped the attachment, opened before DEL splits
    /// into threads.
    func trafficShaperIfShaping(_ errors: inout TeardownErrors) -> TrafficShaper? {
        guard configuration.mayShapeTraffic else { return nil }
        return errors.value("open rtnetlink for traffic shaping") { try dependencies.trafficShaper() }
    }

    /// Runs `work` while the attachment's ifb is deleted on another thread: deleting a device
    /// waits for the kernel's grace period, and so does deleting the veth beside it. Works with
    /// an empty `CNI_NETNS`: the ifb is found by name. The qdiscs on the host veth go with it.
    /// - Returns: `openingErrors` and the deletion's failure, if any.
    func removingIfb(_ shaper: TrafficShaper?, openingErrors: TeardownErrors, alongside work: () -> Void) -> TeardownErrors {
        var errors = openingErrors
        guard let shaper else {
            work()
            return errors
        }
        let name = BridgeNaming.ifbName(for: request.attachment)
        #if canImport(Glibc)
        ParallelWork.run(work, alongside: {
            errors.collect("delete \(name)") { _ = try shaper.deleteIfb(named: name) }
        })
        #else
        work()
        errors.collect("delete \(name)") { _ = try shaper.deleteIfb(named: name) }
        #endif
        return errors
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
