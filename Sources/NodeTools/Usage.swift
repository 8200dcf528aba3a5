/// The `--help` texts.
enum Usage {
    static let summary = """
        usage: nsbridge <command> [options]

        With no arguments nsbridge is a CNI plugin (CNI_COMMAND and a config on stdin).
        Commands for the operator:
          ls       list every attachment of a network and what is wrong with it
          doctor   check the node for what breaks the configured network
          reclaim  free the reservations of attachments that are provably dead
          repair   re-create missing firewall state from IPAM records and live links

        Common options: --conf FILE (a netconf or conflist), --conf-dir DIR, --json, --help
        Exit status: 0 fine, 1 a problem was found, 2 usage error, 3 could not read config or kernel

        """

    static func text(for command: ToolOptions.Command) -> String {
        switch command {
        case .ls: """
            usage: nsbridge ls (--conf FILE | --conf-dir DIR) [--cache-dir DIR] [--json]

            Lists every attachment of each nsbridge network: container ID, interface, addresses,
            host veth, and problems: a reservation with no host veth, a veth on the bridge with no
            reservation, masquerade, forwarding-acceptance, isolate, spoof-check, port-mapping or
            shaping state missing, stale or left behind, nftables elements and ifbs whose
            attachment is gone. Port mappings and bandwidth are compared with the runtime's record
            of the ADD, libcni's result cache under --cache-dir (default /var/lib/cni).
            --json prints an array of objects with containerID, ifname, addresses, hostVeth,
            reservedAt, network and problems. Exit status 1 when any attachment has a problem.

            """
        case .doctor: """
            usage: nsbridge doctor [--conf FILE | --conf-dir DIR] [--json]

            Checks the node for what breaks the network (default: every nsbridge network in
            /etc/cni/net.d): kernel features, ip_forward, FORWARD drop policies of other tables
            (Docker, firewalld), br_netfilter, bridge address conflicts and drift, MTU against the
            uplink, a bridge's multicast snooping, IPAM usage and leaks, accept_ra, dataDir
            permissions, a conflist that sorts before ours, and leftovers of the reference plugins.
            It reads the sysctls, links and nftables of the network namespace it runs in.
            Exit status 1 when an error is found; warnings and information do not change it.

            """
        case .reclaim: """
            usage: nsbridge reclaim (--conf FILE | --conf-dir DIR) [--apply] [--grace SECONDS] [--json]

            Frees the reservations and firewall state of attachments that are provably dead: no
            host veth, and either the reservation predates the current boot or no network
            namespace on the node holds its addresses. Reservations younger than --grace
            (default 120 s) are left alone: their ADD may still be running. Without --apply it
            only lists what it would free. It frees through the plugin's own DEL.

            """
        case .repair: """
            usage: nsbridge repair (--conf FILE | --conf-dir DIR) [--cache-dir DIR] [--json]

            Re-creates missing network-level and per-attachment firewall state of the attachments
            whose host veth exists: masquerade, forwarding acceptance and isolate from the IPAM
            records and the configuration; ipspoofchk/macspoofchk when the container's MAC is
            known; port mappings from the runtime's record of the ADD (libcni's result cache under
            --cache-dir, default /var/lib/cni). What it cannot restore is listed with the reason.
            Run it after `nft flush ruleset` or a firewalld reload (see nsbridge-repair.service).

            """
        case .help: summary
        }
    }
}
