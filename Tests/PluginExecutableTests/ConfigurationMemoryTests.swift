import Glibc
import CNIProtocol
import Foundation
import CNITestSupport
import Testing

/// The built binary's peak memory on the largest configuration it accepts (4 MiB) must stay near
/// the input's size, whatever the shape of the bytes nobody reads. Before the parser kept unread
/// containers as slices, an array of small integers cost about 14 times its size.
@Suite("nsbridge memory on large configurations")
struct ConfigurationMemoryTests {
    static let binary = PluginProcess.builtProduct(named: "nsbridge")
    static let environment: [String: String] = [
        "CNI_COMMAND": "ADD", "CNI_CONTAINERID": "memory-test", "CNI_NETNS": "/run/netns/does-not-exist",
        "CNI_IFNAME": "eth0", "CNI_PATH": "/opt/cni/bin", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
    ]

    /// A configuration whose `pad` member repeats `item` (joined by commas inside `open`/`close`;
    /// a `#` in it becomes the item's index) until the whole reaches the 4 MiB limit.
    static func padded(open: String, item: String, close: String) -> [UInt8] {
        let head = #"{"cniVersion":"1.0.0","name":"memory","type":"nsbridge","bridge":"memtest0","pad":"#
        let parts = item.split(separator: "#", omittingEmptySubsequences: false).map { Array($0.utf8) }
        let limit = PluginRunner.maximumConfigurationSize - close.utf8.count - 1
        var bytes = Array((head + open).utf8)
        for index in 0... {
            var next: [UInt8] = index > 0 ? [UInt8(ascii: ",")] : []
            next += parts.count == 1 ? parts[0] : parts[0] + Array(String(index).utf8) + parts[1]
            guard bytes.count + next.count <= limit else { break }
            bytes += next
        }
        return bytes + Array((close + "}").utf8)
    }

    /// The plugin's outcome and peak RSS in KiB, as `/usr/bin/time` reports it. `ru_maxrss` from
    /// our own `wait4` would not do: a `posix_spawn` child shares the test process's memory until
    /// it execs, and the kernel counts that high-water mark as the child's.
    static func peak(_ stdin: [UInt8]) throws -> (PluginProcess.Outcome, Int) {
        try withTemporaryDirectory(prefix: "nsbridge-memory") { directory in
            let report = directory.appending("rss")
            let outcome = try PluginProcess.run("/usr/bin/time", arguments: ["-f", "%M", "-o", report, binary],
                                                environment: environment, stdin: stdin, timeoutSeconds: 120)
            let text = (try? String(contentsOfFile: report, encoding: .utf8)) ?? ""
            return (outcome, text.split(whereSeparator: \.isWhitespace).last.flatMap { Int($0) } ?? 0)
        }
    }

    @Test("Peak RSS on a 4 MiB configuration stays within twice its size above a normal ADD's",
          arguments: [
              ("integers", "[", "1", "]"), ("empty objects", "[", "{}", "]"), ("keys", "{", #""k#":1"#, "}"),
              ("short strings", "[", #""ab""#, "]"), ("one string", "\"", "abcdefgh", "\""),
          ])
    func peakNearInputSize(shape: String, open: String, item: String, close: String) throws {
        let (normal, baseline) = try Self.peak(Array(#"{"cniVersion":"1.0.0","name":"memory","type":"nsbridge","bridge":"memtest0"}"#.utf8))
        let stdin = Self.padded(open: open, item: item, close: close)
        #expect(stdin.count <= PluginRunner.maximumConfigurationSize && stdin.count > PluginRunner.maximumConfigurationSize - 100)
        let (outcome, peak) = try Self.peak(stdin)
        // Both fail early on the missing namespace, after the whole configuration was parsed.
        #expect(normal.json?["code"]?.integerValue == 8, "\(normal)")
        #expect(outcome.json?["code"]?.integerValue == 8, "\(shape): \(outcome)")
        // The calls run in the test's own namespace and must fail before touching the kernel.
        #expect(if_nametoindex("memtest0") == 0, "a refused ADD created bridge memtest0")
        let bound = baseline + 2 * stdin.count / 1024
        #expect(baseline > 0 && peak <= bound, "\(shape): peak \(peak) KiB, normal ADD \(baseline) KiB, bound \(bound) KiB")
    }
}
