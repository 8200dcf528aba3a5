/// A CNI specification version, such as 0.4.0 or 1.1.0.
public struct CNIVersion: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var patch: Int

    public init(_ major: Int, _ minor: Int, _ patch: Int) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    /// Parses `MAJOR.MINOR.PATCH`; anything else is `nil`.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var numbers: [Int] = []
        for part in parts {
            guard !part.isEmpty, part.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(part) else { return nil }
            numbers.append(number)
        }
        self.init(numbers[0], numbers[1], numbers[2])
    }

    public static let v0_1_0 = CNIVersion(0, 1, 0)
    public static let v0_2_0 = CNIVersion(0, 2, 0)
    public static let v0_3_0 = CNIVersion(0, 3, 0)
    public static let v0_3_1 = CNIVersion(0, 3, 1)
    public static let v0_4_0 = CNIVersion(0, 4, 0)
    public static let v1_0_0 = CNIVersion(1, 0, 0)
    public static let v1_1_0 = CNIVersion(1, 1, 0)

    /// Every version this plugin accepts, oldest first.
    public static let supported: [CNIVersion] = [.v0_1_0, .v0_2_0, .v0_3_0, .v0_3_1, .v0_4_0, .v1_0_0, .v1_1_0]

    /// The newest version this plugin implements.
    public static let current = v1_1_0

    public static func < (lhs: CNIVersion, rhs: CNIVersion) -> Bool {
        (lhs.major, lhs.minor, lhs.patch) < (rhs.major, rhs.minor, rhs.patch)
    }

    public var description: String { "\(major).\(minor).\(patch)" }
}

extension CNIVersion {
    /// The supported version spelled exactly `text`, or `nil`.
    ///
    /// The reference library compares version strings exactly, so `1.0` or `01.0.0` are not
    /// 1.0.0; matching the same way keeps both plugins' answers identical.
    public static func supported(exactly text: String) -> CNIVersion? {
        supported.first { $0.description == text }
    }

    /// The supported versions as a readable list, for error messages: `0.1.0, 0.2.0, …`.
    public static var supportedList: String {
        supported.map(\.description).joined(separator: ", ")
    }

    /// What VERSION prints: `{"cniVersion": "1.1.0", "supportedVersions": [...]}`.
    ///
    /// Like the reference library, the newest version is reported regardless of the
    /// `cniVersion` on stdin; libcni only needs both keys to be present.
    public static var versionInfo: JSONValue {
        .object([
            "cniVersion": .string(current.description),
            "supportedVersions": .array(supported.map { .string($0.description) }),
        ])
    }
}
