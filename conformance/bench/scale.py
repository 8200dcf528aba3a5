"""The scale scenario (mixed into `Scenarios`): ADD and DEL latency with 1, 1,000, 4,000...
containers already attached, ipMasq on, the nftables state at each level, and the kernel's own
floor for one attachment at each level (kernel_floor.py), so that a plugin's growth can be set
against the part of it no plugin can avoid."""

import time

from benchlib import interleaved, nft_counts
from kernel_floor import attach_floor
from plugins import Attachment, Network

# Containers per bridge in the scale scenario: a Linux bridge takes at most 1,023 ports
# (BR_MAX_PORTS is 1,024 and port number 0 is reserved); 1,000 leaves room for the probes.
PORTS_PER_BRIDGE = 1000


class ScaleScenario:
    # -- 4. scale ----------------------------------------------------------

    def scale(self):
        """Probes ADD+DEL with 1, 1,000, 4,000... containers attached (ipMasq on). A Linux bridge
        takes at most 1,023 ports, so beyond PORTS_PER_BRIDGE the node gets further networks
        (bridges, /16s) in the same host netns; the probes always join the first, fullest one."""
        self.begin()
        hosts = {p.label: self.ns.create(f"scale-{p.label[:3]}") for p in self.plugins}
        nets = {p.label: [] for p in self.plugins}
        have = {p.label: [] for p in self.plugins}
        made, probes = [], {}
        for level in self.o.scale:
            active = [p for p in self.plugins
                      if not (p.label == "reference" and level > self.o.reference_scale_max)]
            t0 = time.monotonic()
            for p in active:
                made += self.grow(p, hosts[p.label], nets[p.label], have[p.label], level)
            self.fill(active, have, level)
            fill_s = time.monotonic() - t0
            time.sleep(self.o.scale_rest)  # the kernel's own follow-up of the fill (DAD, MLD, timers)
            probes[level] = self.scale_probes(active, {k: v[0] for k, v in nets.items() if v}, level, made)
            print(f"  scale {level}: filled in {fill_s:.1f} s", flush=True)
            if len(active) < len(self.plugins):
                self.report.note(f"scale {level}: reference skipped (above --reference-scale-max "
                                 f"{self.o.reference_scale_max})")
        self.scale_ratios(probes)
        self.settle(made + list(hosts.values()))

    def grow(self, plugin, host, nets, have, level):
        """Adds namespaces and attachments (not yet ADDed) up to `level`; returns the new netns paths."""
        while len(nets) * PORTS_PER_BRIDGE < level:
            data = self.scratch.sub(f"scale-{plugin.label}-data")
            nets.append(Network(self.ns, plugin, host, data, self.version, True, number=len(nets)))
        paths = self.containers(plugin, "scale", level - len(have), start=len(have))
        have += [Attachment(nets[(len(have) + j) // PORTS_PER_BRIDGE], path, len(have) + j)
                 for j, path in enumerate(paths)]
        return paths

    def fill(self, active, have, level):
        start = min(sum(1 for a in have[p.label] if a.result) for p in active)
        for i in range(start, level):
            for p in interleaved(active, i):
                att = have[p.label][i]
                if att.result is None:
                    self.attempt(p, lambda a=att: a.call("ADD"))

    def scale_probes(self, active, nets, level, made):
        calls = {verb: {p.label: [] for p in active} for verb in ("ADD", "DEL", "floor")}
        for i in range(self.o.scale_probes):
            for p in interleaved(active, i):
                path = self.containers(p, f"sp{level}", 1, start=i)[0]
                made.append(path)
                att = Attachment(nets[p.label], path, i, salt=f"probe{level}")
                pair = self.attempt(p, lambda a=att: self.probe(a))
                if pair:
                    calls["ADD"][p.label].append(pair[0])
                    calls["DEL"][p.label].append(pair[1])
                floor = self.attempt(p, lambda n=nets[p.label]: self.floor_probe(n, level, i, made), verb="floor")
                if floor is not None:
                    calls["floor"][p.label].append(floor)
        counts = {}
        for p in active:
            self.ns.enter(nets[p.label].host)
            counts[p.label] = nft_counts()
        fails = self.failures()
        for verb in ("ADD", "DEL"):
            by_plugin = calls[verb]
            self.report.row(f"scale.{level}.{verb}", f"{verb} with {level} attached, ipMasq on", "ms",
                            {k: [c.wall_ms for c in v] for k, v in by_plugin.items()}, fails)
            self.report.row(f"scale.{level}.{verb}.cpu", f"{verb} CPU user+sys with {level} attached", "ms",
                            {k: [c.cpu_ms for c in v] for k, v in by_plugin.items()}, fails)
        self.report.row(f"scale.{level}.floor", f"kernel floor of one attachment with {level} attached", "ms",
                        calls["floor"], fails)
        for key in ("rules", "chains", "elements"):
            self.report.row(f"scale.{level}.nft-{key}", f"nft {key} with {level} attached", "count",
                            {k: [v[key]] for k, v in counts.items()}, fails)
        return calls

    def floor_probe(self, network, level, i, made):
        """The bare kernel work of one attachment on `network`'s bridge (see kernel_floor.py), in
        a fresh container netns, beside the plugin's probe on the same node."""
        path = self.containers(network.plugin, f"kf{level}", 1, start=i)[0]
        made.append(path)
        return attach_floor(self.ns, network.host, path, network.bridge, f"nsbbkf{i}")

    def scale_ratios(self, probes):
        """Growth of each level against the lowest, per plugin: the 1.2x / 1.3x targets of issue #15."""
        low = min(probes)
        for level in sorted(probes)[1:]:
            for verb in ("ADD", "DEL"):
                for part, label in (("wall_ms", ""), ("cpu_ms", " CPU")):
                    high_values = {k: [getattr(c, part) for c in v] for k, v in probes[level][verb].items()}
                    low_values = {k: [getattr(c, part) for c in v] for k, v in probes[low][verb].items()}
                    self.report.ratio_row(f"scale.ratio.{level}.{verb}{'.cpu' if label else ''}",
                                          f"{verb}{label} {level} attached / {low} attached", high_values, low_values)
            self.report.ratio_row(f"scale.ratio.{level}.floor", f"kernel floor {level} attached / {low} attached",
                                  probes[level]["floor"], probes[low]["floor"])
