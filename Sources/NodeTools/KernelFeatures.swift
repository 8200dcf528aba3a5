import LinuxSupport

#if canImport(Glibc)
import Glibc
#endif

/// Which kernel features exist, from the kernel's build configuration (`/proc/config.gz` or
/// `/boot/config-<release>`), else from the loaded and installed modules.
struct KernelFeatures {
    enum Presence: Equatable { case present, absent, unknown }

    /// `CONFIG_…=y|m` lines, or `nil` when no configuration could be read.
    let configuration: Set<String>?
    let release: String

    static func read() -> KernelFeatures {
        var name = utsname()
        uname(&name)
        let release = withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        var text: [UInt8]?
        if access("/proc/config.gz", R_OK) == 0 {
            // The kernel's own copy is gzip-compressed; gzip is an Essential package on Debian.
            let outcome = try? ChildProcess.run("/bin/gzip", arguments: ["gzip", "-dc", "/proc/config.gz"], environment: [], input: [])
            if outcome?.exitStatus == 0 { text = outcome?.standardOutput }
        }
        if text == nil { text = try? NetworkSelection.readFile("/boot/config-\(release)") }
        let symbols = text.map { bytes in
            Set(String(decoding: bytes, as: UTF8.self).split(separator: "\n").compactMap { line -> String? in
                guard line.hasSuffix("=y") || line.hasSuffix("=m") else { return nil }
                return String(line.dropLast(2))
            })
        }
        return KernelFeatures(configuration: symbols, release: release)
    }

    /// Whether `symbol` (e.g. `CONFIG_VETH`) is built in or a module; `module` is looked up in
    /// `/sys/module` and the module lists when the configuration is not readable.
    func presence(_ symbol: String, module: String?) -> Presence {
        if let configuration { return configuration.contains(symbol) ? .present : .absent }
        guard let module else { return .unknown }
        if access("/sys/module/\(module)", F_OK) == 0 { return .present }
        for list in ["modules.builtin", "modules.dep"] {
            guard let bytes = try? NetworkSelection.readFile("/lib/modules/\(release)/\(list)") else { continue }
            let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
            if lines.contains(where: { $0.contains("/\(module).ko") }) { return .present }
        }
        return .unknown
    }
}
