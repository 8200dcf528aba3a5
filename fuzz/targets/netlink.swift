// libFuzzer target: rtnetlink replies as the kernel (or anything on the socket) may send them:
// splitting a datagram into messages, then every decoder the plugin uses on a reply.
import CNIProtocol
@testable import Netlink

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNetlinkReply(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let datagram = Array(UnsafeBufferPointer(start: data, count: size))
    guard let messages = NetlinkMessage.split(datagram) else { return 0 }
    for message in messages {
        _ = LinkInfo(message)
        _ = BridgePortInfo(message)
        _ = RouteNetlink.address(in: message, index: 1)
        _ = RouteNetlink.route(in: message, family: .v4)
        _ = RouteNetlink.route(in: message, family: .v6)
        _ = RouteNetlink.extendedAckMessage(message)
    }
    return 0
}
