// libFuzzer target: results of every version, as prevResult or a delegated IPAM's answer. The
// first byte picks the version assumed when the result names none. A parsed result printed in
// any version must parse again, and the 1.1.0 form must survive that round trip unchanged.
import CNIProtocol

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzResult(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let versions = CNIVersion.supported
    let assumed = versions[Int(data[0]) % versions.count]
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    guard let json = try? JSONValue(parsing: bytes), let result = try? CNIResult(parsing: json, defaultVersion: assumed) else {
        return 0
    }
    for version in versions {
        guard let printed = try? result.json(for: version, versionText: version.description) else { continue }
        guard let again = try? CNIResult(parsing: printed, defaultVersion: version) else {
            fatalError("our own \(version) result does not parse: \(printed.serialized())")
        }
        if version == CNIVersion.current, (try? again.json(for: version, versionText: version.description)) != printed {
            fatalError("\(version) result changed in a round trip: \(printed.serialized())")
        }
    }
    return 0
}
