import BridgePlugin
import Nftables

extension FaultAtStep {
    func enableLocalhostRouting(bridge: String) throws {
        if step == "enableLocalhostRouting" { throw Injected() }
        try base.enableLocalhostRouting(bridge: bridge)
    }

    func forgetFlows(to mappings: [PortMapping]) throws {
        if step == "forgetFlows" { throw Injected() }
        try base.forgetFlows(to: mappings)
    }
}
