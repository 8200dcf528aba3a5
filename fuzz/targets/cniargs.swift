// libFuzzer target: CNI_ARGS and the rest of the CNI_* environment. Parsing is lenient but
// must never trap, and every accepted pair must be found again by its key.
import CNIProtocol

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzArguments(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let arguments = try? CNIArguments(parsing: text) {
        for (key, _) in arguments.pairs where arguments[key] == nil {
            fatalError("CNI_ARGS key \(key) parsed but not found")
        }
    }
    let fields = text.split(separator: "\n", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
    let environment = [
        "CNI_COMMAND": "ADD", "CNI_ARGS": text, "CNI_CONTAINERID": fields.first ?? "",
        "CNI_IFNAME": fields.count > 1 ? fields[1] : "", "CNI_NETNS": fields.count > 2 ? fields[2] : "",
        "CNI_PATH": fields.count > 3 ? fields[3] : "",
    ]
    _ = try? PluginEnvironment(parsing: environment)
    return 0
}
