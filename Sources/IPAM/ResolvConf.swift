import CNIProtocol

/// Parses resolv.conf text into DNS settings, as the reference `host-local` does for
/// `ipam.resolvConf`: `nameserver` lines accumulate, the last `domain` wins, `search` and
/// `options` lines add their words; `#` and `;` start comments.
public enum ResolvConf {
    public static func parse(_ text: String) -> DNS {
        var dns = DNS()
        for rawLine in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = rawLine.prefix { $0 != "#" && $0 != ";" }
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let keyword = words.first else { continue }
            let values = Array(words.dropFirst())
            switch keyword {
            case "nameserver": dns.nameservers += values.prefix(1)
            case "domain": if let domain = values.first { dns.domain = domain }
            case "search": dns.search += values
            case "options": dns.options += values
            default: continue
            }
        }
        return dns
    }
}
