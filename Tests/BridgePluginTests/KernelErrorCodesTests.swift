import BridgePlugin
import CNIProtocol
import Glibc
import LinuxSupport
import Netlink
import Nftables
import Testing

/// The kernel modules report errnos; the plugin alone gives them CNI codes.
@Suite("CNI codes of kernel errors")
struct KernelErrorCodesTests {
    @Test("netlink failures are 999 with the kernel's text")
    func netlink() {
        let error = PluginRunner.cniError(from: NetlinkError("RTM_NEWLINK veth", errno: EEXIST, kernelMessage: "Interface name exists"))
        #expect(error.code == .internal)
        #expect(error.message.contains("Interface name exists"))
    }

    @Test("nftables EAGAIN asks the runtime to try again (11); anything else is 999")
    func nftables() {
        #expect(PluginRunner.cniError(from: NftablesError("send batch", errno: EAGAIN)).code == .tryAgainLater)
        #expect(PluginRunner.cniError(from: NftablesError("send batch", errno: EPERM)).code == .internal)
        #expect(PluginRunner.cniError(from: MissingFirewallState(missing: ["x"])).code == .internal)
    }

    @Test("a namespace that cannot be opened is code 8")
    func namespace() {
        #expect(PluginRunner.cniError(from: NamespaceError.notFound("/run/netns/x")).code == .invalidNetNS)
    }
}
