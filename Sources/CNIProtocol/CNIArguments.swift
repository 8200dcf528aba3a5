/// `CNI_ARGS`: `KEY=VALUE` pairs separated by `;`.
///
/// Parsing is lenient on purpose: runtimes send `IgnoreUnknown=1` together with keys such as
/// `K8S_POD_NAME`, and a plugin that rejected unknown keys would break them.
public struct CNIArguments: Equatable, Sendable {
    public private(set) var pairs: [(key: String, value: String)]

    public init(pairs: [(key: String, value: String)] = []) { self.pairs = pairs }

    /// Parses `K=V;K2=V2`. Fails only on an item without `=` or with an empty key, naming it.
    public init(parsing text: String) throws(CNIError) {
        var pairs: [(key: String, value: String)] = []
        for item in text.split(separator: ";") where !item.isEmpty {
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                throw CNIError(.invalidEnvironmentVariables, "CNI_ARGS: invalid item \"\(item)\", expected KEY=VALUE")
            }
            pairs.append((String(item[..<equals]), String(item[item.index(after: equals)...])))
        }
        self.pairs = pairs
    }

    /// The value of the last item named `key`.
    public subscript(key: String) -> String? {
        pairs.last(where: { $0.key == key })?.value
    }

    public static func == (lhs: CNIArguments, rhs: CNIArguments) -> Bool {
        lhs.pairs.map { "\($0.key)=\($0.value)" } == rhs.pairs.map { "\($0.key)=\($0.value)" }
    }
}
