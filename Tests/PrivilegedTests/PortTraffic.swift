import CNITestSupport
import Foundation

/// Small TCP and UDP servers inside a namespace, for port-mapping tests: each connection or
/// datagram on port `port` (IPv4 and IPv6) is answered with `<tag> <peer address>`, so a test
/// sees both who answered and which source address the server saw.
final class PortEchoServer {
    private let process = Process()
    private let input = Pipe()

    private static let script = """
        import socket, sys, threading
        tag, port = sys.argv[1], int(sys.argv[2])
        def tcp(family, address):
            s = socket.socket(family, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6: s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind((address, port)); s.listen(64); ready.release()
            while True:
                c, peer = s.accept(); c.sendall(f"{tag} {peer[0]}".encode()); c.close()
        def udp(family, address):
            s = socket.socket(family, socket.SOCK_DGRAM)
            if family == socket.AF_INET6: s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind((address, port)); ready.release()
            while True:
                data, peer = s.recvfrom(64)
                try: s.sendto(f"{tag} {peer[0]}".encode(), peer)
                except OSError: pass
        ready = threading.Semaphore(0)
        for family, address in [(socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")]:
            for serve in (tcp, udp): threading.Thread(target=serve, args=(family, address), daemon=True).start()
        for _ in range(4): ready.acquire()
        open(sys.argv[3], "w").close()
        sys.stdin.read()
        """

    /// Starts the servers in `namespace` and returns once all four sockets listen (the server
    /// then creates a marker file).
    init(in namespace: ThrowawayNetworkNamespace, tag: String, port: Int) throws {
        let marker = "/tmp/nsbkt-echo-\(getpid())-\(tag)-\(port)-\(UInt32.random(in: 0...UInt32.max))"
        process.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
        process.arguments = ["--net=\(namespace.path)", "python3", "-c", Self.script, tag, String(port), marker]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = input  // the server exits when this closes
        try process.run()
        defer { unlink(marker) }
        for _ in 0..<100 where access(marker, F_OK) != 0 && process.isRunning {
            usleep(50_000)
        }
        guard access(marker, F_OK) == 0 else {
            stop()
            throw TestbedFailure("echo server \(tag) did not start")
        }
    }

    /// Closes the server's stdin, which ends it. (SIGTERM would not do: the test runner's
    /// threads block it, and children inherit the mask.) SIGKILL if it does not exit.
    func stop() {
        try? input.fileHandleForWriting.close()
        for _ in 0..<40 where process.isRunning { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}

/// One request to `host:port` from `namespace`: the server's answer, or `FAIL …`.
/// - Parameter sourcePort: binds the client to this port, so successive UDP probes are one flow.
func probePort(from namespace: ThrowawayNetworkNamespace, _ transport: String, _ host: String, _ port: Int,
               sourcePort: Int = 0) -> String {
    let script = """
        import socket, sys
        transport, host, port, source = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        s = socket.socket(family, socket.SOCK_STREAM if transport == "tcp" else socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.settimeout(1.5)
        try:
            if source: s.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", source))
            if transport == "tcp":
                s.connect((host, port)); print(s.recv(64).decode())
            else:
                s.sendto(b"x", (host, port)); print(s.recvfrom(64)[0].decode())
        except Exception as error:
            print("FAIL", error)
        """
    let output = (try? NetlinkObservation.run(in: namespace, ["python3", "-c", script, transport, host, String(port), String(sourcePort)])) ?? "FAIL nsenter"
    return output.trimmingCharacters(in: .whitespacesAndNewlines)
}
