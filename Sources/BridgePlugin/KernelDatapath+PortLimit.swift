#if canImport(Glibc)
import CNIProtocol
import Glibc
import Netlink

extension KernelDatapath {
    /// A Linux bridge numbers its ports in 10 bits, port 0 reserved: 1,023 ports at most.
    static let bridgePortLimit = 1023

    /// The kernel's answer when a bridge has no free port number is a bare "Exchange full"; an
    /// operator needs the limit and the way out.
    static func bridgeFull(_ bridge: String, _ error: NetlinkError) -> CNIError {
        CNIError(
            .kernel, "bridge \(bridge) is full: a Linux bridge takes at most \(bridgePortLimit) ports",
            details: "\(error); attach further containers to another network (another \"bridge\")")
    }
}
#endif
