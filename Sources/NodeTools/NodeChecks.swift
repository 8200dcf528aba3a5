/// Checks of the node as a whole, judged against what the selected networks need.
struct NodeChecks {
    let node: NodeState
    let networks: [SelectedNetwork]

    /// Some network routes traffic off the bridge (gateway or masquerade).
    var needsForwarding: Bool {
        networks.contains { $0.configuration.isGateway || $0.configuration.isDefaultGateway || $0.configuration.ipMasq }
    }

    func run() -> [Finding] {
        kernelFeatures() + [ipForward()] + forwardPolicies() + [bridgeNetfilter()] + referenceLeftovers()
    }

    func kernelFeatures() -> [Finding] {
        let kernel = KernelFeatures.read()
        let masquerade = networks.contains { $0.configuration.ipMasq }
        let vlans = networks.contains { $0.configuration.usesVLANs }
        let features: [(symbol: String, module: String?, what: String, required: Bool)] = [
            ("CONFIG_BRIDGE", "bridge", "Linux bridges", true), ("CONFIG_VETH", "veth", "veth pairs", true),
            ("CONFIG_NF_TABLES", "nf_tables", "nftables", masquerade), ("CONFIG_NFT_MASQ", "nft_masq", "nftables masquerade", masquerade),
            ("CONFIG_NF_NAT", "nf_nat", "NAT", masquerade), ("CONFIG_IFB", "ifb", "ifb (ingress shaping)", false),
            ("CONFIG_NET_SCH_TBF", "sch_tbf", "tbf (egress shaping)", false),
            ("CONFIG_BRIDGE_VLAN_FILTERING", nil, "bridge VLAN filtering (vlan, vlanTrunk)", vlans),
        ]
        var findings: [Finding] = []
        for feature in features {
            switch kernel.presence(feature.symbol, module: feature.module) {
            case .present: continue
            case .absent:
                findings.append(Finding(check: "kernel", severity: feature.required ? .error : .info,
                                        message: "kernel \(kernel.release) has no \(feature.what) (\(feature.symbol) is not set)",
                                        hint: feature.required ? "use a kernel built with \(feature.symbol)" : ""))
            case .unknown:
                findings.append(Finding(check: "kernel", severity: .info, message: "cannot tell whether the kernel has \(feature.what)"))
            }
        }
        if let error = node.nftablesError {
            findings.append(Finding(check: "kernel", severity: masquerade ? .error : .warning,
                                    message: "nftables cannot be read: \(error)", hint: "load nf_tables (modprobe nf_tables)"))
        }
        if findings.allSatisfy({ $0.severity != .error }) {
            findings.insert(Finding(check: "kernel", severity: .ok, message: "bridge, veth and what the networks need are available"), at: 0)
        }
        return findings
    }

    func ipForward() -> Finding {
        guard let value = node.sysctls["net/ipv4/ip_forward"] else {
            return Finding(check: "ip_forward", severity: .warning, message: "net.ipv4.ip_forward cannot be read")
        }
        if value == "1" { return Finding(check: "ip_forward", severity: .ok, message: "net.ipv4.ip_forward = 1") }
        return Finding(check: "ip_forward", severity: needsForwarding ? .error : .info,
                       message: "net.ipv4.ip_forward = 0: the host does not route, so containers cannot reach beyond the bridge",
                       hint: "sysctl -w net.ipv4.ip_forward=1 and make it permanent in /etc/sysctl.d; find what turned it off")
    }

    func bridgeNetfilter() -> Finding {
        guard let value = node.sysctls["net/bridge/bridge-nf-call-iptables"] else {
            return Finding(check: "br_netfilter", severity: .ok, message: "br_netfilter is not loaded: bridged traffic skips iptables")
        }
        guard value == "1" else { return Finding(check: "br_netfilter", severity: .ok, message: "bridge-nf-call-iptables = 0") }
        let dropping = !unacceptedDropChains().isEmpty
        return Finding(check: "br_netfilter", severity: dropping ? .error : .info,
                       message: "bridge-nf-call-iptables = 1: traffic between containers on one bridge also passes the iptables FORWARD chains"
                           + (dropping ? ", and a FORWARD chain drops by default, so containers cannot talk to each other" : ""),
                       hint: "accept the bridge's traffic in FORWARD, or unload br_netfilter if nothing needs it (Kubernetes kube-proxy does)")
    }

    func referenceLeftovers() -> [Finding] {
        let chains = node.chains ?? []
        var findings: [Finding] = []
        if chains.contains(where: { $0.table == "cni_plugins_masquerade" }) {
            findings.append(Finding(check: "leftovers", severity: .warning,
                                    message: "table cni_plugins_masquerade of the reference bridge plugin exists",
                                    hint: "if no network uses the reference plugin any more: nft delete table inet cni_plugins_masquerade"))
        }
        let cniChains = chains.filter { $0.name.hasPrefix("CNI-") }
        if !cniChains.isEmpty {
            findings.append(Finding(check: "leftovers", severity: .warning,
                                    message: "\(cniChains.count) CNI-* iptables chains of the reference plugins exist (e.g. \(cniChains[0].description))",
                                    hint: "if no network uses the reference plugins any more, remove them with iptables -t nat -F/-X"))
        }
        return findings
    }
}
