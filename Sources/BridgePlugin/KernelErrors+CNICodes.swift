#if canImport(Glibc)
import CNIProtocol
import Glibc
import LinuxSupport
import Netlink
import Nftables

// The CNI codes of the kernel modules' errors, in one place: Netlink, Nftables and
// LinuxSupport report what failed and the errno, and the plugin decides what that means to a
// runtime. `PluginRunner` applies these through `CNIErrorConvertible`.

extension NetlinkError: CNIErrorConvertible {
    /// Netlink failures have no dedicated CNI code; they are reported as 999 with the full text.
    public var cniError: CNIError { CNIError(.internal, description) }
}

extension NftablesError: CNIErrorConvertible {
    /// EAGAIN (the kernel's "ruleset changed under you") is worth a retry: code 11.
    public var cniError: CNIError {
        CNIError(errno == EAGAIN ? .tryAgainLater : .internal, "failed to program nftables", details: description)
    }
}

extension MissingFirewallState: CNIErrorConvertible {
    public var cniError: CNIError { CNIError(.internal, "firewall state is missing", details: description) }
}

extension NamespaceError: CNIErrorConvertible {
    /// A namespace that cannot be opened is a usage error of the runtime, reported as the
    /// reference library does (code 8, invalid netns), with the path in the message.
    public var cniError: CNIError {
        CNIError(.invalidNetNS, description)
    }
}
#endif
