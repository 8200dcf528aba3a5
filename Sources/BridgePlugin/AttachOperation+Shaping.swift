import CNIProtocol

extension AttachOperation {
    /// Shapes the attachment's traffic when the configuration asks for it; returns the ifb that
    /// carries egress shaping, which the result lists as the reference plugin does.
    ///
    /// The undo is registered first, so that a failure half-way also removes what was made.
    func shapeTraffic(hostVeth: String, _ rollback: inout Rollback) throws -> LinkSnapshot? {
        guard let limits = configuration.bandwidth else { return nil }
        let shaper = try dependencies.trafficShaper()
        let spec = ShapingSpec(hostLink: hostVeth, ifb: BridgeNaming.ifbName(for: request.attachment), limits: limits)
        rollback.register("traffic shaping") { try shaper.removeShaping(spec) }
        return try shaper.addShaping(spec)
    }
}

extension CheckOperation {
    /// Differences between the configured shaping and the kernel's qdiscs.
    func checkShaping(hostVeth: String) -> [String] {
        guard let limits = configuration.bandwidth else { return [] }
        var errors = TeardownErrors()
        var problems: [String] = []
        errors.collect("traffic shaping") {
            let spec = ShapingSpec(hostLink: hostVeth, ifb: BridgeNaming.ifbName(for: request.attachment), limits: limits)
            problems = try dependencies.trafficShaper().checkShaping(spec)
        }
        return problems + errors.failures
    }
}
