import BridgePlugin
import CNIProtocol

/// libcni's result cache: every runtime built on libcni (containerd, CRI-O, Podman's CNI
/// backend, cnitool) writes `<cacheDir>/results/<network>-<containerID>-<ifname>` after a
/// successful ADD and removes it after DEL. It holds what the network configuration does not:
/// the capability arguments the runtime passed (`portMappings`, `bandwidth`) and the result,
/// which names the container interface's MAC.
///
/// nsbridge writes no record of its own on the CNI path (that would be a file write on every
/// ADD); the tool reads the runtime's instead. A runtime that keeps no such cache leaves port
/// mappings and bandwidth unknown to `ls` and `repair`, which then say so.
struct RuntimeResultCache {
    let directory: String

    /// The record of `attachment`'s ADD on `network`; nil when the runtime left none.
    func record(network: String, attachment: Attachment) -> AttachmentRecord? {
        let path = "\(directory)/results/\(network)-\(attachment.containerID)-\(attachment.ifName)"
        guard let bytes = try? NetworkSelection.readFile(path),
              let document = (try? JSONValue(parsing: bytes))?.objectValue,
              document["kind"]?.stringValue == "cniCacheV1"
        else { return nil }
        let capabilities = document["capabilityArgs"]?.objectValue ?? [:]
        return AttachmentRecord(runtimeConfig: capabilities, containerMAC: Self.containerMAC(document["result"], ifname: attachment.ifName))
    }

    /// The MAC of the result's interface named `ifname` inside a sandbox.
    static func containerMAC(_ result: JSONValue?, ifname: String) -> String? {
        let interfaces = result?.objectValue?["interfaces"]?.arrayValue ?? []
        let container = interfaces.compactMap(\.objectValue).first {
            $0["name"]?.stringValue == ifname && !($0["sandbox"]?.stringValue ?? "").isEmpty
        }
        return container?["mac"]?.stringValue.flatMap { MACAddress($0)?.description }
    }
}
