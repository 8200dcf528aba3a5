// libFuzzer target: what the IPAM store reads back from disk, as a reference host-local or a
// damaged file may have left it: a reservation file's owner, an index file's addresses, an
// index file's name, a file name as an address.
import CNIProtocol
@testable import IPAM

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReservation(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = FileLeaseStore.owner(parsing: bytes)
    let text = String(decoding: bytes, as: UTF8.self)
    for line in text.split(separator: "\n") { _ = IPAddress(line) }
    if let attachment = FileLeaseStore.attachment(fromIndexName: text),
        FileLeaseStore.attachment(fromIndexName: FileLeaseStore.indexName(for: attachment)) != attachment
    {
        fatalError("index name \(text) does not round-trip")
    }
    if let address = IPAddress(text), IPAddress(address.description) != address {
        fatalError("address \(text) does not round-trip")
    }
    return 0
}
