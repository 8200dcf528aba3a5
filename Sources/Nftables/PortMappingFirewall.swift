import CNIProtocol
#if canImport(Glibc)
import Glibc
#endif

/// Port mappings (the `portMappings` capability) in nsbridge's table `inet nsbridge`; see
/// `PortMappingObjects` for the ruleset.
///
/// - ADD reads the ruleset generation, the ready marker (one element lookup instead of listing
///   the five chains) and the element at each of its keys, refuses a key held by another
///   attachment (`PortMappingConflict`, naming the holder), and applies one batch pinned to
///   that generation: the objects' setup only when the marker is missing (first use, or after
///   `nft flush ruleset`), then its own elements. If another transaction committed in between,
///   the kernel answers ERESTART and ADD reads again, so two concurrent ADDs of one host port
///   cannot both win. Cost: one lookup per key plus one, whatever the number of mappings in
///   place. A chain emptied by hand is not noticed by ADD; CHECK reports it.
/// - DEL deletes the attachment's elements by owner comment: at its keys when the runtime
///   passes the mappings again (it does on DEL), otherwise by listing the maps.
/// - CHECK reports missing chains and elements that are missing or owned by someone else.
/// - GC deletes the network's elements whose owner is not valid, and the objects once every
///   map is empty. DEL leaves the (empty) objects for the next ADD, as the reference leaves its
///   top-level chains.
public struct PortMappingFirewall {
    let transport: any NftablesTransport

    public init(transport: any NftablesTransport) {
        self.transport = transport
    }

    /// What one attachment publishes.
    public struct Publication: Sendable {
        public var network: String
        public var attachment: Attachment
        public var mappings: [PortMapping]
        /// The container's addresses; the first of each family is the target.
        public var addresses: [IPAddress]
        /// The bridge the container is attached to (for hairpin).
        public var bridge: String

        public init(network: String, attachment: Attachment, mappings: [PortMapping], addresses: [IPAddress], bridge: String) {
            self.network = network
            self.attachment = attachment
            self.mappings = mappings
            self.addresses = addresses
            self.bridge = bridge
        }

        var comment: String { OwnerTag.elementComment(network: network, attachment: attachment) }

        /// The first address of each family.
        var targets: [IPAddress] {
            IPFamily.allCases.compactMap { family in addresses.first { $0.family == family } }
        }

        var mapElements: [(set: NamedSet, element: SetElement, mapping: PortMapping)] {
            mappings.flatMap { mapping in
                targets.filter { mapping.applies(to: $0.family) }.map { address in
                    let (set, element) = PortMappingObjects.element(mapping, to: address, comment: comment)
                    return (set, element, mapping)
                }
            }
        }

        var hairpinElements: [(set: NamedSet, element: SetElement)] {
            mappings.isEmpty ? [] : targets.map { PortMappingObjects.hairpinElement($0, bridge: bridge, comment: comment) }
        }
    }

    /// Publishes the mappings, creating or repairing the shared objects if needed.
    /// - Throws: `PortMappingConflict` if a host port is held by another attachment (nothing is
    ///   changed then); `NftablesError`.
    public func add(_ publication: Publication) throws {
        guard !publication.mappings.isEmpty else { return }
        try transport.retryingWhileRulesetChanges("add port mappings") {
            let generation = try transport.generation()
            var operations = try isReady() ? [] : PortMappingObjects.setup()
            operations += try elementOperations(publication)
            guard !operations.isEmpty else { return }
            try transport.apply(Batch(operations, expectedGeneration: generation))
        }
    }

    /// True when the setup's last element is there (so was the rest of its batch).
    func isReady() throws -> Bool {
        let marker = PortMappingObjects.readyMarker
        return try transport.elements(of: marker.set, keys: [marker.element.key])?.isEmpty == false
    }

    /// Adds what is missing, replaces what differs; throws on a key another attachment holds.
    private func elementOperations(_ publication: Publication) throws -> [Operation] {
        let owner = OwnerTag.owner(network: publication.network, attachment: publication.attachment)
        var operations: [Operation] = []
        for (set, element, mapping) in publication.mapElements {
            let present = try transport.elements(of: set, keys: [element.key])?.first
            if let present, OwnerTag.ownerPrefix(of: present.comment) != owner {
                throw PortMappingConflict(mapping: mapping, holder: Self.holder(present.comment))
            }
            operations += Self.put(element, in: set, replacing: present)
        }
        for (set, element) in publication.hairpinElements {
            // An address reused from a dead attachment is simply taken over.
            let present = try transport.elements(of: set, keys: [element.key])?.first
            operations += Self.put(element, in: set, replacing: present)
        }
        return operations
    }

    private static func put(_ element: SetElement, in set: NamedSet, replacing present: SetElement?) -> [Operation] {
        guard let present else { return [.addElements(set, [element])] }
        if present.comment == element.comment && present.data == element.data { return [] }
        return NetworkObjects.replace(element, in: set)
    }

    /// `net: N, if: X, id: Y` from an element comment.
    static func holder(_ comment: String?) -> String {
        guard let comment else { return "an element without owner comment" }
        guard OwnerTag.ownerPrefix(of: comment) != nil else { return comment }
        return String(comment.dropFirst(33).drop { $0 == "," || $0 == " " })
    }
}
