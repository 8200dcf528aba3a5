"""The benchmark scenarios. Each one alternates the plugins call by call (A B, B A, ...)
so that drift on the machine (page cache, other load, kernel background work) hits
both sides alike. Namespaces are made before and removed after the timed calls."""

import glob
import ipaddress
import os
import time

from benchlib import BenchError, Running, cni_env, interleaved, nft_counts, run
from plugins import SUBNET, Attachment, Network
from scale import ScaleScenario


class Scenarios(ScaleScenario):
    def __init__(self, opts, namespaces, scratch, plugins, version, report):
        self.o = opts
        self.ns = namespaces
        self.scratch = scratch
        self.plugins = plugins
        self.version = version
        self.report = report
        self.guard = namespaces.create("guard")

    # -- helpers ---------------------------------------------------------

    def network(self, plugin, phase, ip_masq, data_tag=None):
        host = self.ns.create(f"{phase}-{plugin.label[:3]}")
        data = self.scratch.sub(f"{phase}-{plugin.label}-{data_tag or 'data'}")
        return Network(self.ns, plugin, host, data, self.version, ip_masq)

    def containers(self, plugin, phase, count, start=0):
        labels = [f"{phase}-{plugin.label[:3]}-c{start + i}" for i in range(count)]
        return self.ns.create_many(labels) if labels else []

    def begin(self):
        for p in self.plugins:
            p.failures = {}

    def attempt(self, plugin, action, verb="ADD"):
        """Run action() unless this verb (or any ADD) of the plugin already failed in this
        scenario; a failure is remembered and printed, and the other plugin carries on."""
        if "ADD" in plugin.failures or verb in plugin.failures:
            return None
        try:
            return action()
        except BenchError as exc:
            plugin.failures[verb] = str(exc)
            print(f"  !! {plugin.label}: {exc}", flush=True)
            return None

    def failures(self, verb="ADD"):
        found = {}
        for p in self.plugins:
            why = p.failures.get(verb) or p.failures.get("ADD")
            if why:
                found[p.label] = why
        return found

    def settle(self, paths):
        self.ns.enter(self.guard)
        self.ns.delete_many(paths)
        time.sleep(self.o.settle)

    # -- 1. VERSION ------------------------------------------------------

    def version_startup(self):
        self.begin()
        self.ns.enter(self.guard)
        env = cni_env("VERSION", "", "dummy", "dummy") | {"CNI_PATH": "dummy"}
        stdin = b'{"cniVersion":"1.0.0"}'
        walls = {p.label: [] for p in self.plugins}
        floor = []
        for i in range(self.o.version_runs):
            for p in interleaved(self.plugins, i):
                call = run([p.binary], env, stdin)
                if call.rc == 0:
                    walls[p.label].append(call.wall_ms)
            floor.append(run(["/bin/true"], env).wall_ms)
        self.report.row("version", "VERSION start-up", "ms", walls)
        rss = {p.label: [] for p in self.plugins}
        out = os.path.join(self.scratch.path, "time.out")
        for i in range(self.o.rss_runs):
            for p in interleaved(self.plugins, i):
                call = run(["/usr/bin/time", "-f", "%M", "-o", out, p.binary], env, stdin)
                if call.rc == 0:
                    rss[p.label].append(read_time_output(out))
        self.report.row("version.rss", "VERSION peak RSS", "KiB", rss)
        self.report.row("floor", "spawn floor: /bin/true (both)", "ms",
                        {p.label: floor for p in self.plugins})

    # -- 2. sequential ADD / CHECK / DEL -----------------------------------

    def sequential(self, ip_masq):
        self.begin()
        phase = f"seq{'m' if ip_masq else ''}"
        masq = "on" if ip_masq else "off"
        nets = {p.label: self.network(p, phase, ip_masq) for p in self.plugins}
        made, atts = [], {}
        for p in self.plugins:
            paths = self.containers(p, phase, self.o.n + 1)
            made += paths
            atts[p.label] = [Attachment(nets[p.label], path, i) for i, path in enumerate(paths)]
        for p in self.plugins:  # warm-up (bridge creation, page cache): not counted
            warm = atts[p.label].pop()
            self.attempt(p, lambda w=warm: (w.call("ADD"), w.call("DEL")))
        samples = {}
        for verb in ("ADD", "CHECK", "DEL"):
            samples[verb] = {p.label: [] for p in self.plugins}
            for i in range(self.o.n):
                for p in interleaved(self.plugins, i):
                    call = self.attempt(p, lambda a=atts[p.label][i], v=verb: a.call(v), verb)
                    if call:
                        samples[verb][p.label].append(call)
        for verb, calls in samples.items():
            self.report.row(f"seq.masq-{masq}.{verb}", f"{verb} sequential, ipMasq {masq}", "ms",
                            {k: [c.wall_ms for c in v] for k, v in calls.items()}, self.failures(verb))
        fails = self.failures()
        adds = samples["ADD"]
        for part in ("cpu", "user", "sys"):
            self.report.row(f"cpu.masq-{masq}.ADD.{part}",
                            f"ADD CPU {'user+sys' if part == 'cpu' else part}, ipMasq {masq}", "ms",
                            {k: [getattr(c, f"{part}_ms") for c in v] for k, v in adds.items()}, fails)
        self.report.row(f"cpu.masq-{masq}.DEL.cpu", f"DEL CPU user+sys, ipMasq {masq}", "ms",
                        {k: [c.cpu_ms for c in v] for k, v in samples["DEL"].items()}, self.failures("DEL"))
        self.settle(made + [n.host for n in nets.values()])

    # -- 3. parallel -------------------------------------------------------

    def parallel(self):
        self.begin()
        k = self.o.parallel
        nets = {p.label: self.network(p, "par", True) for p in self.plugins}
        totals = {verb: {p.label: [] for p in self.plugins} for verb in ("ADD", "DEL")}
        for r in range(self.o.parallel_rounds):
            for p in interleaved(self.plugins, r):
                paths = self.containers(p, f"par{r}", k)
                atts = [Attachment(nets[p.label], path, i, salt=r) for i, path in enumerate(paths)]
                for verb in ("ADD", "DEL"):
                    wall = self.attempt(p, lambda v=verb: self.burst(atts, v), verb)
                    if wall is not None:
                        totals[verb][p.label].append(wall)
                self.ns.enter(self.guard)
                self.ns.delete_many(paths)
        for verb in ("ADD", "DEL"):
            self.report.row(f"par.{verb}", f"{k} parallel {verb}s, total wall, ipMasq on", "ms",
                            totals[verb], self.failures(verb))
        self.settle([n.host for n in nets.values()])

    def burst(self, atts, verb):
        """Start every call at once, wait for all; check success and distinct addresses."""
        atts[0].network.namespaces.enter(atts[0].network.host)
        t0 = time.perf_counter_ns()
        running = [a.spawn(verb) for a in atts]
        calls = [r.finish() for r in running]
        wall = (time.perf_counter_ns() - t0) / 1e6
        for a, c in zip(atts, calls):
            a.check_call(verb, c)
        if verb == "ADD":
            addrs = [x for a in atts for x in a.addresses()]
            if len(addrs) != len(atts) or len(set(addrs)) != len(addrs):
                raise BenchError(f"parallel ADD gave {len(set(addrs))} distinct addresses"
                                 f" for {len(atts)} containers")
        return wall

    # -- 5. peak RSS -------------------------------------------------------

    def peak_rss(self, ip_masq):
        self.begin()
        masq = "on" if ip_masq else "off"
        phase = f"rss{'m' if ip_masq else ''}"
        nets = {p.label: self.network(p, phase, ip_masq) for p in self.plugins}
        made, rss = [], {p.label: [] for p in self.plugins}
        out = os.path.join(self.scratch.path, "time.out")
        for i in range(self.o.rss_runs):
            for p in interleaved(self.plugins, i):
                path = self.containers(p, phase, 1, start=i)[0]
                made.append(path)
                att = Attachment(nets[p.label], path, i)
                kb = self.attempt(p, lambda a=att: self.timed_rss(a, out))
                if kb is not None:
                    rss[p.label].append(kb)
        self.report.row(f"rss.masq-{masq}.ADD", f"ADD peak RSS (max of process tree), ipMasq {masq}",
                        "KiB", rss, self.failures())
        self.settle(made + [n.host for n in nets.values()])

    def timed_rss(self, att, out):
        net = att.network
        net.namespaces.enter(net.host)
        argv = ["/usr/bin/time", "-f", "%M", "-o", out, net.plugin.binary]
        env = cni_env("ADD", att.cid, att.ifname, att.netns)
        att.check_call("ADD", Running(argv, env, net.request()).finish())
        kb = read_time_output(out)
        att.call("DEL")
        return kb

    # -- IPAM figure -------------------------------------------------------

    def ipam(self):
        self.begin()
        hosts = {p.label: self.ns.create(f"ipam-{p.label[:3]}") for p in self.plugins}
        adds_by_level = {}
        levels = self.o.ipam_taken
        for level in levels:
            nets = {}
            for p in self.plugins:
                data = self.scratch.sub(f"ipam-{p.label}-{level}")
                nets[p.label] = Network(self.ns, p, hosts[p.label], data, self.version, False)
                fill_leases(nets[p.label], level)
            adds, dels = self.ipam_probes(nets, f"ipam{level}", forget_last=True)
            self.report.row(f"ipam.{level}.ADD", f"ADD, /16 with {level} taken", "ms", adds, self.failures())
            self.report.row(f"ipam.{level}.DEL", f"DEL, /16 with {level} taken", "ms", dels, self.failures())
            adds_by_level[level] = adds
            if level == levels[-1]:  # steady state: the search starts after the last allocation
                adds, dels = self.ipam_probes(nets, f"ipamk{level}", forget_last=False)
                self.report.row(f"ipam.{level}.ADD.kept", f"ADD, {level} taken, last_reserved_ip kept",
                                "ms", adds, self.failures())
        self.report.ratio_row("ipam.ratio.ADD", f"ADD {levels[-1]} taken / {levels[0]} taken",
                              adds_by_level[levels[-1]], adds_by_level[levels[0]])
        self.settle(list(hosts.values()))

    def ipam_probes(self, nets, tag, forget_last):
        """ipam_runs ADD+DEL probes per plugin (after one warm-up), each in a fresh netns."""
        adds = {p.label: [] for p in self.plugins}
        dels = {p.label: [] for p in self.plugins}
        made = []
        for i in range(self.o.ipam_runs + 1):
            for p in interleaved(self.plugins, i):
                path = self.containers(p, tag, 1, start=i)[0]
                made.append(path)
                att = Attachment(nets[p.label], path, i, salt=tag)
                pair = self.attempt(p, lambda a=att: self.probe(a, forget_last))
                if pair and i > 0:  # the first call warms up (and builds the bridge)
                    adds[p.label].append(pair[0].wall_ms)
                    dels[p.label].append(pair[1].wall_ms)
        self.ns.enter(self.guard)
        self.ns.delete_many(made)
        return adds, dels

    def probe(self, att, forget_last=False):
        """ADD then DEL one extra container; returns both calls."""
        if forget_last:  # make the allocator search from the start of the range every time
            for f in glob.glob(os.path.join(att.network.lease_dir(), "last_reserved_ip*")):
                os.unlink(f)
        return att.call("ADD"), att.call("DEL")

    # -- 6. port mappings at scale (nsbridge only) -------------------------

    def portmap_scale(self):
        """ADD and DEL of a container publishing one port, with 1 and with 1,000 mappings already
        in place. The mappings in place are held by the same few containers at every level, so
        the figure isolates the cost of the mappings from that of more containers (which the
        scale scenario measures). nsbridge only: the reference `bridge` has no portMappings
        capability (the chain with `portmap` is the chain benchmark's job)."""
        self.begin()
        plugin = next(p for p in self.plugins if p.label == "nsbridge")
        net = self.network(plugin, "pm", True)
        net.port_mappings = True
        holders_n = 4
        made, adds, dels, holders = [], {}, {}, []
        for level in self.o.portmap_scale:
            for h in holders:  # the previous level's holders leave
                self.attempt(plugin, lambda a=h: a.call("DEL"), "DEL")
            paths = self.containers(plugin, f"pmh{level}", holders_n)
            made += paths
            ports = list(range(20000, 20000 + level))
            holders = [Attachment(net, path, k, salt=f"holder{level}", host_port=ports[k::holders_n])
                       for k, path in enumerate(paths)]
            for h in holders:
                self.attempt(plugin, lambda a=h: a.call("ADD"))
            adds[level], dels[level] = self.portmap_probes(plugin, net, level, made)
            self.ns.enter(net.host)
            counts = nft_counts()
            fails = self.failures()
            self.report.row(f"portmap.{level}.ADD", f"ADD with 1 mapping, {level} mapped, ipMasq on", "ms", adds[level], fails)
            self.report.row(f"portmap.{level}.DEL", f"DEL with 1 mapping, {level} mapped, ipMasq on", "ms", dels[level], fails)
            for key in ("rules", "elements"):
                self.report.row(f"portmap.{level}.nft-{key}", f"nft {key} with {level} mapped", "count",
                                {plugin.label: [counts[key]]}, fails)
        low, high = self.o.portmap_scale[0], self.o.portmap_scale[-1]
        for verb, samples in (("ADD", adds), ("DEL", dels)):
            self.report.ratio_row(f"portmap.ratio.{verb}", f"{verb} {high} mapped / {low} mapped",
                                  samples[high], samples[low])
        self.settle(made + [net.host])

    def portmap_probes(self, plugin, net, level, made):
        adds, dels = {plugin.label: []}, {plugin.label: []}
        for i in range(self.o.scale_probes + 1):
            path = self.containers(plugin, f"pmp{level}", 1, start=i)[0]
            made.append(path)
            att = Attachment(net, path, i, salt=f"pm{level}", host_port=40000 + i)
            pair = self.attempt(plugin, lambda a=att: self.probe(a))
            if pair and i > 0:  # the first probe warms up
                adds[plugin.label].append(pair[0].wall_ms)
                dels[plugin.label].append(pair[1].wall_ms)
        return adds, dels


def read_time_output(path):
    """The %M figure /usr/bin/time wrote (its last word; earlier lines may be warnings)."""
    with open(path) as f:
        return int(f.read().split()[-1])


def fill_leases(network, count):
    """Pre-create host-local reservation files `<dir>/<net>/<ip>` = `<cid>\\r\\n<ifname>`."""
    lease_dir = network.lease_dir()
    os.makedirs(lease_dir, exist_ok=True)
    base = ipaddress.ip_network(SUBNET).network_address + 2  # .1 is the gateway
    for i in range(count):
        with open(os.path.join(lease_dir, str(base + i)), "w") as f:
            f.write(f"{i:064x}\r\neth0")
