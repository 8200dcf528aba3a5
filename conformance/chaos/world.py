"""The throwaway world a chaos run happens in, and how it is observed.

Everything lives in network namespaces this process creates (`chaos-<pid>-*`): a "host", one
namespace per container, and an "outside" host reached through the host with no route back to
the containers, so a reply from it proves masquerade. The IPAM data directory is a small tmpfs
of our own, so a full or read-only data directory can be made on purpose. Nothing of the real
host is touched, and `close()` removes all of it.

Observation never uses the plugin under test: `ip -j`, `nft -j`, the data directory and pings.
"""

import ipaddress
import json
import os
import signal
import subprocess
import tempfile
import threading
import time

EXEC_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SUBNET = ipaddress.ip_network("10.123.0.0/24")
GATEWAY = ipaddress.ip_address("10.123.0.1")
OUTSIDE_IP = "198.51.100.2"
BRIDGE = "chaosbr0"
NETWORK = "chaos"


class Call:
    """One plugin invocation and what came of it."""

    def __init__(self, verb, cid, rc, out, err, ms, killed):
        self.verb, self.cid, self.rc, self.out, self.err, self.ms, self.killed = verb, cid, rc, out, err, ms, killed

    def json(self):
        try:
            return json.loads(self.out) if self.out.strip() else None
        except ValueError:
            return None

    def __str__(self):
        text = (self.out.strip() or self.err.strip())[:300]
        return f"{self.verb} {self.cid}: rc={self.rc}{' (killed)' if self.killed else ''} {text}"


def sh(*argv, check=True, netns=None):
    """Runs an observation command, optionally inside one of our namespaces."""
    full = (["nsenter", f"--net={netns}", "--"] if netns else []) + list(argv)
    proc = subprocess.run(full, capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(full)}: {proc.stderr.strip()}")
    return proc.stdout


class World:
    def __init__(self, plugin, plugin_type, cni_path, version, rng):
        self.plugin, self.plugin_type, self.version, self.rng = plugin, plugin_type, version, rng
        self.cni_path = cni_path
        self.prefix = f"chaos-{os.getpid()}"
        self.namespaces = set()
        self.lock = threading.Lock()
        self.data_dir = tempfile.mkdtemp(prefix="chaos-ipam.")
        sh("mount", "-t", "tmpfs", "-o", "size=4m,mode=0755", "chaos-ipam", self.data_dir)
        self.host = self.create_netns("host")
        self.outside = self.create_netns("outside")
        self._wire_outside()

    # -- namespaces --------------------------------------------------------------------------

    def netns_path(self, label):
        return f"/run/netns/{self.prefix}-{label}"

    def create_netns(self, label):
        name = f"{self.prefix}-{label}"
        sh("ip", "netns", "add", name)
        with self.lock:
            self.namespaces.add(name)
        sh("ip", "link", "set", "lo", "up", netns=f"/run/netns/{name}")
        return f"/run/netns/{name}"

    def delete_netns(self, label):
        name = f"{self.prefix}-{label}"
        sh("ip", "netns", "del", name, check=False)
        with self.lock:
            self.namespaces.discard(name)

    def has_netns(self, label):
        return os.path.exists(self.netns_path(label))

    def _wire_outside(self):
        sh("ip", "link", "add", "chaos-up", "type", "veth", "peer", "name", "chaos-out", netns=self.host)
        sh("ip", "link", "set", "chaos-out", "netns", self.outside, netns=self.host)
        sh("ip", "addr", "add", "198.51.100.1/24", "dev", "chaos-up", netns=self.host)
        sh("ip", "link", "set", "chaos-up", "up", netns=self.host)
        sh("ip", "addr", "add", f"{OUTSIDE_IP}/24", "dev", "chaos-out", netns=self.outside)
        sh("ip", "link", "set", "chaos-out", "up", netns=self.outside)

    def reboot(self):
        """Every link, route and nftables object gone, as after a reboot; the files stay."""
        with self.lock:
            doomed = [n for n in self.namespaces if n != f"{self.prefix}-outside"]
        for name in doomed:
            sh("ip", "netns", "del", name, check=False)
            with self.lock:
                self.namespaces.discard(name)
        sh("ip", "netns", "del", f"{self.prefix}-outside", check=False)
        self.host = self.create_netns("host")
        self.outside = self.create_netns("outside")
        self._wire_outside()

    def close(self):
        with self.lock:
            names = list(self.namespaces)
            self.namespaces.clear()
        for name in names:
            sh("ip", "netns", "del", name, check=False)
        sh("umount", self.data_dir, check=False)
        os.rmdir(self.data_dir)

    # -- the plugin ---------------------------------------------------------------------------

    def config(self):
        return {"cniVersion": self.version, "name": NETWORK, "type": self.plugin_type, "bridge": BRIDGE,
                "isGateway": True, "isDefaultGateway": True, "ipMasq": True,
                "ipam": {"type": "host-local", "ranges": [[{"subnet": str(SUBNET)}]], "dataDir": self.data_dir}}

    def call(self, verb, cid=None, netns=None, conf=None, kill_after_ms=None):
        """Runs the plugin in the host namespace as a runtime would; optionally SIGKILLs it."""
        env = {"PATH": EXEC_PATH, "CNI_COMMAND": verb, "CNI_PATH": self.cni_path}
        if cid is not None:
            env.update({"CNI_CONTAINERID": cid, "CNI_IFNAME": "eth0"})
        if netns is not None:
            env["CNI_NETNS"] = netns
        stdin = json.dumps(conf or self.config()).encode()
        started = time.perf_counter()
        proc = subprocess.Popen(["nsenter", f"--net={self.host}", "--", self.plugin], env=env,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        killed = False
        if kill_after_ms is not None:
            proc.stdin.write(stdin)
            proc.stdin.close()
            time.sleep(kill_after_ms / 1000.0)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                killed = True
            out, err = proc.stdout.read(), proc.stderr.read()
            proc.wait()
        else:
            out, err = proc.communicate(stdin)
        ms = (time.perf_counter() - started) * 1000.0
        return Call(verb, cid, proc.returncode, out.decode(errors="replace"), err.decode(errors="replace"), ms,
                    killed)

    # -- observation ------------------------------------------------------------------------

    def reservations(self):
        """address -> first line of its reservation file (the container ID), as host-local keeps them."""
        directory = os.path.join(self.data_dir, NETWORK)
        found = {}
        for name in os.listdir(directory) if os.path.isdir(directory) else []:
            try:
                address = ipaddress.ip_address(name)
            except ValueError:
                continue
            with open(os.path.join(directory, name), "rb") as handle:
                found[str(address)] = handle.read().decode(errors="replace").splitlines()[0:1]
        return {address: (lines[0].strip() if lines else "") for address, lines in found.items()}

    def bridge_ports(self):
        links = json.loads(sh("ip", "-j", "link", "show", netns=self.host) or "[]")
        return sorted(link["ifname"] for link in links if link.get("master") == BRIDGE)

    def container_addresses(self, label):
        if not self.has_netns(label):
            return []
        out = sh("ip", "-j", "-4", "addr", "show", "dev", "eth0", netns=self.netns_path(label), check=False)
        links = json.loads(out or "[]")
        return [info["local"] for link in links for info in link.get("addr_info", [])]

    def firewall_addresses(self):
        """Container addresses named anywhere in the host's nftables ruleset (rules or elements)."""
        text = sh("nft", "list", "ruleset", netns=self.host, check=False)
        found = set()
        for token in text.replace(",", " ").replace("{", " ").replace("}", " ").split():
            try:
                address = ipaddress.ip_address(token)
            except ValueError:
                continue
            if address in SUBNET and address not in (SUBNET.network_address, SUBNET.broadcast_address, GATEWAY):
                found.add(str(address))
        return found

    def ping(self, label, address):
        proc = subprocess.run(["nsenter", f"--net={self.netns_path(label)}", "--", "ping", "-c", "1", "-W", "1",
                               address], capture_output=True, check=False)
        return proc.returncode == 0


def random_kill_delay(rng):
    """Spread kills over the whole life of a call (a few ms to a few tens of ms)."""
    return rng.choice([rng.uniform(0.2, 3.0), rng.uniform(3.0, 12.0), rng.uniform(12.0, 30.0)])


__all__ = ["World", "Call", "random_kill_delay", "sh", "OUTSIDE_IP", "SUBNET", "NETWORK", "BRIDGE"]
