/// One container interface on one network, identified as the spec does: (container ID, ifname).
public struct Attachment: Hashable, Sendable, CustomStringConvertible {
    public var containerID: String
    public var ifName: String

    public init(containerID: String, ifName: String) {
        self.containerID = containerID
        self.ifName = ifName
    }

    public var description: String { "\(containerID)/\(ifName)" }
}
