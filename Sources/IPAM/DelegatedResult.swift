import CNIProtocol

/// A minimal reader of a delegated IPAM plugin's result in any spec version: `ips`, `routes`
/// and `dns` (0.3.0 and later) or `ip4`/`ip6` (0.1.0, 0.2.0).
///
/// Stop-gap: `CNIResult(parsing:defaultVersion:)` in CNIProtocol is being written in parallel;
/// once it lands, ``parse(_:plugin:)`` should simply call it.
enum DelegatedResult {
    static func parse(_ document: JSONValue, plugin: String) throws(CNIError) -> CNIResult {
        guard document.objectValue != nil else { throw invalid(plugin, "the result is not an object") }
        var result = CNIResult()
        if let ips = document["ips"]?.arrayValue {
            for item in ips {
                guard let text = item["address"]?.stringValue, let address = IPNetwork(text) else {
                    throw invalid(plugin, "an \"ips\" entry has no valid \"address\"")
                }
                let gateway = item["gateway"]?.stringValue.flatMap { IPAddress($0) }
                result.ips.append(CNIResult.IPConfiguration(address: address, gateway: gateway, interface: item["interface"]?.integerValue))
            }
        }
        for key in ["ip4", "ip6"] {
            guard let legacy = document[key], let text = legacy["ip"]?.stringValue else { continue }
            guard let address = IPNetwork(text) else { throw invalid(plugin, "\"\(key).ip\" is not a CIDR address") }
            result.ips.append(CNIResult.IPConfiguration(address: address, gateway: legacy["gateway"]?.stringValue.flatMap { IPAddress($0) }))
            result.routes += try routes(legacy["routes"], plugin)
        }
        result.routes += try routes(document["routes"], plugin)
        if let dns = document["dns"], !dns.isNull {
            do { result.dns = try DNS(json: dns, key: "dns") } catch { throw invalid(plugin, error.message) }
        }
        return result
    }

    private static func routes(_ value: JSONValue?, _ plugin: String) throws(CNIError) -> [CNIResult.Route] {
        guard let list = value?.arrayValue else { return [] }
        var routes: [CNIResult.Route] = []
        for item in list {
            guard let text = item["dst"]?.stringValue, let destination = IPNetwork(text) else {
                throw invalid(plugin, "a route has no valid \"dst\"")
            }
            routes.append(CNIResult.Route(destination: destination, gateway: item["gw"]?.stringValue.flatMap { IPAddress($0) },
                                          mtu: item["mtu"]?.integerValue, advmss: item["advmss"]?.integerValue,
                                          priority: item["priority"]?.integerValue, table: item["table"]?.integerValue,
                                          scope: item["scope"]?.integerValue))
        }
        return routes
    }

    private static func invalid(_ plugin: String, _ reason: String) -> CNIError {
        CNIError(.decodingFailure, "IPAM plugin \(plugin) printed an invalid result", details: reason)
    }
}
