import CNIProtocol
import IPAM
import Testing

@testable import NodeTools

@Suite("Operator tool command line")
struct ToolOptionsTests {
    @Test("Options in both spellings, per command")
    func parses() throws {
        let options = try ToolOptions.parse(["reclaim", "--conf=/etc/cni/net.d/10.conflist", "--apply", "--grace", "30", "--json"])
        #expect(options == ToolOptions(command: .reclaim, conf: "/etc/cni/net.d/10.conflist", json: true, apply: true, graceSeconds: 30))
        #expect(try ToolOptions.parse(["ls", "--conf-dir", "/d"]).confDir == "/d")
        #expect(try ToolOptions.parse(["doctor", "--help"]).help)
    }

    @Test("Usage errors name the problem", arguments: [
        (["frobnicate"], "unknown command"), (["ls", "--apply"], "ls has no option --apply"),
        (["ls", "--conf"], "--conf needs a value"), (["reclaim", "--grace", "soon"], "--grace needs a number"),
        ([String](), "no command"),
    ])
    func rejects(arguments: [String], message: String) {
        #expect {
            try ToolOptions.parse(arguments)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test("Exit status 2 and the summary for a usage error; 0 for --help")
    func exitStatus() {
        var printed = "", errors = ""
        let output = ToolOutput(print: { printed += $0 }, error: { errors += $0 })
        #expect(NodeTool.run(arguments: ["ls", "--nope"], output: output) == 2)
        #expect(errors.contains("usage: nsbridge <command>"))
        #expect(NodeTool.run(arguments: ["repair", "--help"], output: output) == 0)
        #expect(printed.contains("usage: nsbridge repair"))
    }

    @Test("Reservations group into one row per attachment; legacy and unreadable records get their own")
    func grouping() {
        let attachment = Attachment(containerID: "c1", ifName: "eth0")
        let rows = AttachmentInventory.group([
            Reservation(address: IPAddress("10.0.0.2")!, owner: .attachment(attachment), reservedAt: 20),
            Reservation(address: IPAddress("fd00::2")!, owner: .attachment(attachment), reservedAt: 10),
            Reservation(address: IPAddress("10.0.0.3")!, owner: .containerOnly("old"), reservedAt: 5),
            Reservation(address: IPAddress("10.0.0.4")!, owner: .unknown, reservedAt: 5),
        ])
        #expect(rows.count == 3)
        #expect(rows[0].addresses.map(\.description) == ["10.0.0.2", "fd00::2"])
        #expect(rows[0].reservedAt == 10 && rows[0].problems.isEmpty)
        #expect(rows[1].problems.count == 1 && rows[2].problems.count == 1)
    }

    @Test("Element comments give back the container ID and interface")
    func commentFields() {
        let comment = "0123456789abcdef-fedcba9876543210, net: n, if: eth1, id: abc"
        #expect(AttachmentInventory.field("id", in: comment) == "abc")
        #expect(AttachmentInventory.field("if", in: comment) == "eth1")
        #expect(AttachmentInventory.field("id", in: nil) == "")
    }
}
