import CNIProtocol

extension IPAMConfiguration {
    /// Requested addresses from `CNI_ARGS` `IP=`, `args.cni.ips`, then `runtimeConfig.ips`, the
    /// reference's order. A `/prefix` is ignored; repeats are dropped (Podman sends an IP twice).
    static func requestedAddresses(_ request: PluginRequest) throws(IPAMError) -> [IPAddress] {
        var texts: [(String, String)] = []
        if let value = request.arguments["IP"], !value.isEmpty { texts.append(("CNI_ARGS IP", value)) }
        let cniArgs = request.configuration.args.member("cni")
        texts += try strings(cniArgs?["ips"], "args.cni.ips")
        texts += try strings(request.configuration.runtimeConfig.member("ips"), "runtimeConfig.ips")
        var addresses: [IPAddress] = []
        for (source, text) in texts {
            let bare = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)[0]
            guard let address = IPAddress(bare) else {
                throw .invalidConfiguration("\(source): \"\(text)\" is not an IP address")
            }
            if !addresses.contains(address) { addresses.append(address) }
        }
        return addresses
    }

    private static func strings(_ value: JSONValue?, _ key: String) throws(IPAMError) -> [(String, String)] {
        guard let value, !value.isNull else { return [] }
        guard let list = value.arrayValue else { throw .invalidConfiguration("\"\(key)\" must be a list of strings") }
        var result: [(String, String)] = []
        for item in list {
            guard let text = item.stringValue else { throw .invalidConfiguration("\"\(key)\" must be a list of strings") }
            result.append((key, text))
        }
        return result
    }

    /// `ipam.routes`: `dst` (required), `gw`, and the 1.1.0 fields `mtu`, `advmss`, `priority`,
    /// `table`, `scope`.
    static func routes(_ value: JSONValue?) throws(IPAMError) -> [CNIResult.Route] {
        guard let value, !value.isNull else { return [] }
        guard let list = value.arrayValue else { throw .invalidConfiguration("\"ipam.routes\" must be a list") }
        var routes: [CNIResult.Route] = []
        for (index, item) in list.enumerated() {
            routes.append(try route(item, "ipam.routes[\(index)]"))
        }
        return routes
    }

    private static func route(_ item: JSONValue, _ key: String) throws(IPAMError) -> CNIResult.Route {
        guard let members = item.objectValue else { throw .invalidConfiguration("\"\(key)\" must be an object") }
        guard let dstText = try string(members, "dst"), let destination = IPNetwork(dstText) else {
            throw .invalidConfiguration("\"\(key).dst\" must be a CIDR like 0.0.0.0/0")
        }
        var gateway: IPAddress?
        if let gwText = try string(members, "gw"), !gwText.isEmpty {
            guard let parsed = IPAddress(gwText) else {
                throw .invalidConfiguration("\"\(key).gw\": \"\(gwText)\" is not an IP address")
            }
            gateway = parsed
        }
        func integer(_ name: String) throws(IPAMError) -> Int? {
            guard let value = members.member(name), !value.isNull else { return nil }
            guard let number = value.integerValue else { throw .invalidConfiguration("\"\(key).\(name)\" must be an integer") }
            let range = CNIResult.Route.range(ofInteger: name)
            guard range.contains(number) else {
                throw .invalidConfiguration("\"\(key).\(name)\" \(number) is out of range \(range.lowerBound)–\(range.upperBound)")
            }
            return number
        }
        return CNIResult.Route(destination: destination, gateway: gateway, mtu: try integer("mtu"),
                               advmss: try integer("advmss"), priority: try integer("priority"),
                               table: try integer("table"), scope: try integer("scope"))
    }
}
