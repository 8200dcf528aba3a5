import CNIProtocol

extension IPAMConfiguration {
    /// Requested addresses from `CNI_ARGS` `IP=`, `args.cni.ips`, then `runtimeConfig.ips`, the
    /// reference's order. A `/prefix` is ignored; repeats are dropped (Podman sends an IP twice).
    static func requestedAddresses(_ request: PluginRequest) throws(CNIError) -> [IPAddress] {
        var texts: [(String, String)] = []
        if let value = request.arguments["IP"], !value.isEmpty { texts.append(("CNI_ARGS IP", value)) }
        if let cniArgs = try JSONFields(request.configuration.args, at: "args").object("cni") {
            texts += try cniArgs.strings("ips").map { (cniArgs.label("ips"), $0) }
        }
        let runtime = JSONFields(request.configuration.runtimeConfig, at: "runtimeConfig")
        texts += try runtime.strings("ips").map { (runtime.label("ips"), $0) }
        var addresses: [IPAddress] = []
        for (source, text) in texts {
            let bare = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)[0]
            guard let address = IPAddress(bare) else {
                throw CNIError(.invalidNetworkConfig, "\(source): \"\(text)\" is not an IP address")
            }
            if !addresses.contains(address) { addresses.append(address) }
        }
        return addresses
    }
}
