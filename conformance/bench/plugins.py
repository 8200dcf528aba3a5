"""The two plugins under test, the shared netconf, and runtime-style ADD/CHECK/DEL calls."""

import json
import os

from benchlib import BenchError, Running, cni_env, container_id, run

NETWORK = "nsbbnet"
BRIDGE = "nsbb0"
SUBNET = "10.99.0.0/16"


class Plugin:
    """One side of the comparison: a label, the binary and the netconf `type` it answers to."""

    def __init__(self, label, binary, type_name, extra=None):
        self.label = label
        self.binary = binary
        self.type_name = type_name
        self.extra = extra or {}  # further netconf keys for this side only (e.g. ipspoofchk)
        self.failures = {}  # verb -> first error seen in the current scenario

    def supported_versions(self):
        call = run([self.binary], cni_env("VERSION", "", "dummy", "dummy") | {"CNI_PATH": "dummy"},
                   b'{"cniVersion":"1.0.0"}')
        if call.rc != 0:
            raise BenchError(f"{self.label}: VERSION failed rc={call.rc}: {call.err or call.out}")
        return call.json().get("supportedVersions", [])


class Network:
    """One bridge network of one plugin inside its own throwaway host netns."""

    def __init__(self, namespaces, plugin, host_netns, data_dir, version, ip_masq, port_mappings=False, number=0):
        """number > 0: a further network in the same host netns (its own name, bridge and /16),
        for node-wide scale beyond the 1,023 ports one Linux bridge can take."""
        self.namespaces = namespaces
        self.name = NETWORK + (str(number) if number else "")
        self.bridge = BRIDGE if not number else f"nsbb{number}"
        self.subnet = SUBNET if not number else f"10.{100 + number}.0.0/16"
        self.plugin = plugin
        self.host = host_netns
        self.data_dir = data_dir
        self.version = version
        self.ip_masq = ip_masq
        self.port_mappings = port_mappings  # declare the portMappings capability

    def plugin_object(self):
        conf = {"type": self.plugin.type_name, "bridge": self.bridge, "isGateway": True,
                "ipMasq": self.ip_masq,
                "ipam": {"type": "host-local", "ranges": [[{"subnet": self.subnet}]],
                         "dataDir": self.data_dir}} | self.plugin.extra
        if self.port_mappings:
            conf["capabilities"] = {"portMappings": True}
        return conf

    def request(self, prev_result=None, host_port=None):
        conf = {"cniVersion": self.version, "name": self.name} | self.plugin_object()
        if prev_result is not None:
            conf["prevResult"] = prev_result
        if self.port_mappings and host_port is not None:  # as libcni passes it, on ADD and DEL
            ports = host_port if isinstance(host_port, list) else [host_port]
            conf["runtimeConfig"] = {"portMappings": [{"hostPort": p, "containerPort": 80, "protocol": "tcp"}
                                                      for p in ports]}
        return json.dumps(conf, separators=(",", ":")).encode()

    def lease_dir(self):
        return os.path.join(self.data_dir, self.name)


class Attachment:
    """One container's attachment: id, ifname, netns path and the ADD result once known."""

    def __init__(self, network, netns, index, ifname="eth0", salt="", host_port=None):
        """host_port: one host port or a list of them to publish (port mappings scenario)."""
        self.network = network
        self.netns = netns
        self.ifname = ifname
        self.host_port = host_port
        further = [network.name] if network.name != NETWORK else []  # IDs of the first network unchanged
        self.cid = container_id(network.plugin.label, network.host, index, ifname, salt, *further)
        self.result = None

    def spawn(self, command):
        net = self.network
        prev = None if command == "ADD" else self.result
        env = cni_env(command, self.cid, self.ifname, self.netns)
        net.namespaces.enter(net.host)
        return Running([net.plugin.binary], env, net.request(prev, self.host_port))

    def check_call(self, command, call):
        if call.rc != 0:
            detail = (call.out or call.err).strip()[:400]
            raise BenchError(f"{self.network.plugin.label} {command} {self.ifname}@{self.netns}"
                             f" rc={call.rc}: {detail}")
        if command == "ADD":
            self.result = call.json()
        return call

    def call(self, command):
        return self.check_call(command, self.spawn(command).finish())

    def addresses(self):
        return [ip["address"] for ip in (self.result or {}).get("ips", [])]
