#if canImport(Glibc)
import CNIProtocol
import Netlink

// CHECK's side of the kernel traffic shaper: read back each qdisc and the redirect, and compare.
extension KernelTrafficShaper {
    func checkShaping(_ spec: ShapingSpec) throws -> [String] {
        // A missing host veth is reported by the veth check itself.
        guard let host = try netlink.link(named: spec.hostLink) else { return [] }
        var problems: [String] = []
        if let ingress = spec.limits.ingress {
            problems += try checkBucket(Self.tokenBucket(ingress), on: host, "ingress shaping")
        }
        if let egress = spec.limits.egress {
            problems += try checkEgress(Self.tokenBucket(egress), host: host, ifbName: spec.ifb)
        }
        return problems
    }

    private func checkEgress(_ bucket: TokenBucket, host: LinkInfo, ifbName: String) throws -> [String] {
        guard let ifb = try netlink.link(named: ifbName), ifb.kind == "ifb" else {
            return ["egress shaping: ifb \(ifbName) is missing"]
        }
        var problems = try checkBucket(bucket, on: ifb, "egress shaping")
        if !ifb.isUp { problems.append("egress shaping: ifb \(ifbName) is down") }
        if try netlink.qdisc(ofLink: host.index, at: .ingress)?.kind != "ingress" {
            problems.append("egress shaping: \(host.name) has no ingress qdisc")
        } else if try !netlink.ingressRedirectTargets(ofLink: host.index).contains(ifb.index) {
            problems.append("egress shaping: nothing redirects what \(host.name) receives to \(ifbName)")
        }
        return problems
    }

    private func checkBucket(_ bucket: TokenBucket, on link: LinkInfo, _ what: String) throws -> [String] {
        let qdisc = try netlink.qdisc(ofLink: link.index, at: .root)
        guard let reading = qdisc?.tokenBucket else {
            return ["\(what): \(link.name) has a \(qdisc?.kind ?? "missing") root qdisc, not tbf"]
        }
        guard bucket.isEquivalent(to: reading) else {
            return [
                "\(what): tbf on \(link.name) has rate \(reading.rateBytesPerSecond) B/s, burst about \(reading.burstBytes) B, "
                    + "limit \(reading.limitBytes) B; the configuration says \(bucket.rateBytesPerSecond) B/s, "
                    + "\(bucket.burstBytes) B, \(bucket.limitBytes) B"
            ]
        }
        return []
    }
}
#endif
