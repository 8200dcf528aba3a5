import BridgePlugin
import CNIProtocol
import LinuxSupport

#if canImport(Glibc)
import Glibc
#endif

/// One nsbridge network found in a configuration file, ready to be handed to the plugin's code
/// as a runtime would: the plugin's own object, with `name` and `cniVersion` from the list.
struct SelectedNetwork {
    var file: String
    var request: PluginRequest
    var configuration: BridgeConfiguration
    var name: String { request.configuration.name }
}

/// Reads `--conf` / `--conf-dir` the way libcni does: `*.conf`, `*.conflist` and `*.json` files,
/// a directory in name order, and from a conflist only the entries whose `type` is `nsbridge`.
enum NetworkSelection {
    static let pluginType = "nsbridge"
    static let defaultConfDir = "/etc/cni/net.d"

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The networks the options name; `--conf-dir` defaults to `/etc/cni/net.d` when neither
    /// option is given and `required` is false.
    static func networks(_ options: ToolOptions, required: Bool = true) throws(Failure) -> [SelectedNetwork] {
        if let conf = options.conf {
            let found = try networks(inFile: conf)
            if found.isEmpty { throw Failure(description: "\(conf) has no plugin of type \"\(pluginType)\"") }
            return found
        }
        guard let directory = options.confDir ?? (required ? nil : defaultConfDir) else {
            throw Failure(description: "give --conf FILE or --conf-dir DIR")
        }
        var found: [SelectedNetwork] = []
        for file in try configurationFiles(in: directory, mustExist: options.confDir != nil) {
            found += (try? networks(inFile: file)) ?? []
        }
        if found.isEmpty && required { throw Failure(description: "no \(pluginType) network in \(directory)") }
        return found
    }

    /// The CNI configuration files of `directory`, sorted by name as libcni sorts them.
    static func configurationFiles(in directory: String, mustExist: Bool) throws(Failure) -> [String] {
        let handle: DirectoryHandle
        do { handle = try DirectoryHandle(path: directory) } catch {
            if mustExist { throw Failure(description: "cannot read \(directory): \(error)") }
            return []
        }
        let names = ((try? handle.entries()) ?? []).map(\.name)
            .filter { [".conf", ".conflist", ".json"].contains(where: $0.hasSuffix) }
        return names.sorted().map { directory.hasSuffix("/") ? directory + $0 : directory + "/" + $0 }
    }

    /// The nsbridge networks in one file (a conflist may hold none).
    static func networks(inFile path: String) throws(Failure) -> [SelectedNetwork] {
        let document = try parse(path)
        var entries: [[String: JSONValue]]
        if let plugins = document.member("plugins") {
            guard let list = plugins.arrayValue else { throw Failure(description: "\(path): \"plugins\" is not a list") }
            entries = list.compactMap(\.objectValue).map { entry in
                var entry = entry
                entry["name"] = document.member("name")
                entry["cniVersion"] = document.member("cniVersion")
                return entry
            }
        } else {
            entries = [document]
        }
        entries = entries.filter { $0.member("type")?.stringValue == pluginType }
        return try entries.map { entry throws(Failure) in try network(entry, file: path) }
    }

    static func parse(_ path: String) throws(Failure) -> [String: JSONValue] {
        let bytes: [UInt8]
        do { bytes = try readFile(path) } catch { throw Failure(description: "cannot read \(path): \(error)") }
        do { return try NetworkConfiguration.members(parsing: bytes) } catch {
            throw Failure(description: "\(path): \(error.message)")
        }
    }

    private static func network(_ entry: [String: JSONValue], file: String) throws(Failure) -> SelectedNetwork {
        do {
            let configuration = try NetworkConfiguration(object: entry)
            try configuration.validateName()
            let request = PluginRequest(environment: PluginEnvironment(command: .garbageCollect), configuration: configuration,
                                        stdin: Array(JSONValue.object(entry).serialized().utf8))
            return SelectedNetwork(file: file, request: request, configuration: try BridgeConfiguration(request))
        } catch {
            throw Failure(description: "\(file): \(PluginRunner.cniError(from: error).message)")
        }
    }

    static func readFile(_ path: String) throws(SystemError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw SystemError.current("open \(path)") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw SystemError.current("read \(path)") }
            if count == 0 { return bytes }
            bytes += chunk[..<count]
        }
    }
}
