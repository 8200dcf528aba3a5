import CNIProtocol
import LinuxSupport

/// One address reservation as the operator tools show it.
public struct Reservation: Equatable, Sendable {
    public var address: IPAddress
    public var owner: LeaseOwner
    /// When the reservation file was last written, in seconds since the epoch.
    public var reservedAt: Int64?

    public init(address: IPAddress, owner: LeaseOwner, reservedAt: Int64?) {
        self.address = address
        self.owner = owner
        self.reservedAt = reservedAt
    }
}

extension HostLocalIPAM {
    /// Every reservation of the network with the time it was made, read without the lock (an
    /// ADD in progress may be missing or half-visible; callers give new reservations a grace
    /// period). Empty when the network has no data directory yet.
    /// - Throws: ``IPAMError`` when the directory exists but cannot be read.
    public func reservations() throws -> [Reservation] {
        // Opening the store would create the directory; an inventory must change nothing.
        guard (try? DirectoryHandle(path: configuration.dataDirectory + "/" + configuration.networkName)) != nil else { return [] }
        let store = try FileLeaseStore(dataDirectory: configuration.dataDirectory, network: configuration.networkName)
        return try store.leases().sorted { $0.address < $1.address }.map { lease in
            Reservation(address: lease.address, owner: lease.owner,
                        reservedAt: try? store.directory.modificationTime(of: lease.address.description))
        }
    }

    /// The subnet of the configured range that contains `address`.
    public func subnet(containing address: IPAddress) -> IPNetwork? {
        configuration.rangeSets.lazy.flatMap(\.ranges).first { $0.subnet.contains(address) }?.subnet
    }

    /// How many addresses the ranges can hand out in total.
    public var capacity: UInt128 {
        configuration.rangeSets.flatMap(\.ranges).reduce(0) { $0 + $1.capacity }
    }
}
