import CNIProtocol
import Testing

@Suite("IP addresses and networks")
struct IPAddressTests {
    @Test("IPv4 and IPv6 text round-trips", arguments: [
        "10.22.0.5", "0.0.0.0", "255.255.255.255", "::", "::1", "fe80::1", "2001:db8::", "2001:db8:0:1:1:1:1:1",
        "2001:0:0:1::1", "1:0:0:2::3",
    ])
    func roundTrip(text: String) throws {
        let address = try #require(IPAddress(text))
        #expect(address.description == text)
        #expect(IPAddress(bytes: address.bytes) == address)
    }

    @Test("RFC 5952 shortening picks the longest zero run")
    func shortening() {
        #expect(IPAddress("2001:0db8:0000:0000:0001:0000:0000:0000")?.description == "2001:db8:0:0:1::")
        #expect(IPAddress("::ffff:10.1.2.3")?.description == "::ffff:a01:203")
    }

    @Test("Bad addresses are refused", arguments: ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.1.1.1", "1::2::3", ":::", "g::1", "1:2:3:4:5:6:7:8:9"])
    func refused(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test("Network arithmetic")
    func networks() throws {
        let net = try #require(IPNetwork("10.22.0.5/16"))
        #expect(net.networkAddress.description == "10.22.0.0")
        #expect(net.lastAddress.description == "10.22.255.255")
        #expect(net.hasHostBits)
        #expect(net.contains(IPAddress("10.22.9.9")!))
        #expect(!net.contains(IPAddress("10.23.0.0")!))
        #expect(net.mask.description == "255.255.0.0")
        let v6 = try #require(IPNetwork("2001:db8::/64"))
        #expect(v6.lastAddress.description == "2001:db8::ffff:ffff:ffff:ffff")
        #expect(!v6.hasHostBits)
        #expect(IPNetwork("0.0.0.0/0")!.contains(IPAddress("1.2.3.4")!))
        #expect(IPNetwork("10.0.0.0/33") == nil)
        #expect(IPAddress("10.0.0.255")!.advanced(by: 1)?.description == "10.0.1.0")
        #expect(IPAddress("255.255.255.255")!.advanced(by: 1) == nil)
    }
}
