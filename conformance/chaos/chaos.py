#!/usr/bin/env python3
"""Chaos and soak harness: drives any bridge-style CNI plugin as runtimes do on a bad day.

    chaos.py --plugin PATH --type TYPE [--seed N] [--workers 8] [--containers 32] [--rounds 8]
             [--ops-per-round 240] [--kill-rate 0.08] [--faults LIST|all|none]
             [--expected-failures FILE] [--json FILE] [--cni-path DIRS]

Concurrent workers run seeded random ADD, DEL, CHECK and STATUS over a pool of containers (DEL
twice, DEL with an empty or deleted netns, DEL of a container never added, pods that crash
without DEL); calls are SIGKILLed at random instants and followed by what runtimes do next (DEL
after a killed ADD, DEL again after a killed DEL). Between rounds one fault is injected
(faults.py says what each fault is and what outcome is expected of the plugin), GC runs with
`cni.dev/valid-attachments`, and the invariants are checked against the kernel and the files:
reservations, bridge ports, container addresses, firewall state, no address twice, CHECK of
intact attachments, and traffic between two containers and out through masquerade. At the end
everything is deleted and nothing may be left.

Output: a PASS/FAIL line per round and per failed check, then `N passed, M failed`; `--json`
writes a summary (operations, kills, failures by category, latency medians).
"""

import argparse
import fnmatch
import json
import os
import random
import statistics
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from world import World, random_kill_delay  # noqa: E402
import faults  # noqa: E402


class Ledger:
    """Counts checks; a failure matching an expected-failure pattern is reported as XFAIL."""

    def __init__(self, expected):
        self.expected = expected
        self.passed = self.failed = self.xfailed = 0
        self.by_category = {}
        self.lock = threading.Lock()

    def check(self, name, ok, detail="", quiet=True):
        with self.lock:
            if ok:
                self.passed += 1
                if not quiet:
                    print(f"PASS {name}", flush=True)
                return True
            category = name.split(":")[0]
            self.by_category[category] = self.by_category.get(category, 0) + 1
            if any(fnmatch.fnmatch(name, pattern) for pattern in self.expected):
                self.xfailed += 1
                print(f"XFAIL {name}: {detail}", flush=True)
            else:
                self.failed += 1
                print(f"FAIL {name}: {detail}", flush=True)
            return False


class Pool:
    """The runtime's model: which container holds which address, and how each stands."""

    def __init__(self, size):
        self.labels = [f"c{i}" for i in range(size)]
        self.generation = {label: 0 for label in self.labels}
        self.added = {}      # label -> (container ID, address, result)
        self.crashed = {}    # label -> (container ID, address): netns gone, no DEL yet
        self.impaired = set()  # labels whose state a fault broke and nothing has healed yet
        self.lock = threading.Lock()

    def new_id(self, label):
        with self.lock:
            self.generation[label] += 1
            return f"chaos-{label}-{self.generation[label]}"

    def holders(self, address):
        with self.lock:
            return [cid for cid, held, *_ in list(self.added.values()) + list(self.crashed.values()) if held == address]

    def valid_attachments(self):
        with self.lock:
            return [{"containerID": cid, "ifname": "eth0"} for cid, *_ in self.added.values()]


class Runner:
    def __init__(self, world, pool, ledger, args, stats):
        self.world, self.pool, self.ledger, self.args, self.stats = world, pool, ledger, args, stats

    # -- single operations -------------------------------------------------------------------

    def call(self, rng, verb, cid, netns, conf=None, killable=True):
        kill = killable and rng.random() < self.args.kill_rate
        call = self.world.call(verb, cid, netns, conf, random_kill_delay(rng) if kill else None)
        with self.stats["lock"]:
            self.stats["operations"] += 1
            self.stats["kills"] += call.killed
            self.stats["latency"].setdefault(verb, []).append(call.ms)
        return call

    def add(self, rng, label):
        netns = self.world.netns_path(label) if self.world.has_netns(label) else self.world.create_netns(label)
        cid = self.pool.new_id(label)
        call = self.call(rng, "ADD", cid, netns)
        if call.killed:
            return self.delete_after(rng, label, cid, netns, "ADD killed")
        result = call.json() or {}
        ips = [ip.get("address", "").split("/")[0] for ip in result.get("ips", [])]
        if not self.ledger.check("op:ADD", call.rc == 0 and ips, str(call)):
            return self.delete_after(rng, label, cid, netns, "ADD failed")
        others = [holder for holder in self.pool.holders(ips[0]) if holder != cid]
        self.ledger.check("invariant:duplicate-address", not others, f"{ips[0]} given to {cid}, held by {others}")
        with self.pool.lock:
            self.pool.added[label] = (cid, ips[0], result)
        return True

    def delete_after(self, rng, label, cid, netns, why):
        """What a runtime does after a killed or failed ADD: DEL without prevResult."""
        call = self.call(rng, "DEL", cid, netns)
        while call.killed:
            call = self.call(rng, "DEL", cid, netns)
        self.ledger.check("op:DEL-after-failed-ADD", call.rc == 0, f"{why}; {call}")
        return False

    def delete(self, rng, label, netns_mode):
        with self.pool.lock:
            cid, address, result = self.pool.added[label]
        conf = dict(self.world.config(), prevResult=result)
        if netns_mode == "deleted":
            self.world.delete_netns(label)
        netns = "" if netns_mode == "empty" else self.world.netns_path(label)
        call = self.call(rng, "DEL", cid, netns, conf)
        while call.killed:  # the runtime retries a DEL it saw die
            call = self.call(rng, "DEL", cid, netns, conf)
        self.ledger.check(f"op:DEL-{netns_mode}", call.rc == 0, str(call))
        if netns_mode == "twice":
            again = self.call(rng, "DEL", cid, netns, conf, killable=False)
            self.ledger.check("op:DEL-repeated", again.rc == 0, str(again))
        with self.pool.lock:
            self.pool.added.pop(label, None)
            self.pool.impaired.discard(label)

    def check(self, rng, label):
        with self.pool.lock:
            cid, _, result = self.pool.added[label]
            impaired = label in self.pool.impaired
        call = self.call(rng, "CHECK", cid, self.world.netns_path(label), dict(self.world.config(), prevResult=result),
                         killable=False)
        if impaired:
            self.ledger.check("op:CHECK-reports-fault", call.rc != 0, f"CHECK passed on state a fault broke: {call}")
        else:
            self.ledger.check("op:CHECK", call.rc == 0, str(call))

    def crash(self, label):
        """The pod dies without DEL: its namespace (and so its veth) is gone."""
        self.world.delete_netns(label)
        with self.pool.lock:
            cid, address, _ = self.pool.added.pop(label)
            self.pool.crashed[label] = (cid, address)
            self.pool.impaired.discard(label)

    def status(self, rng):
        if self.args.version != "1.1.0":
            return
        call = self.call(rng, "STATUS", None, None, killable=False)
        self.ledger.check("op:STATUS", call.rc == 0, str(call))

    def one_operation(self, rng, label):
        with self.pool.lock:
            is_added, is_crashed = label in self.pool.added, label in self.pool.crashed
        if is_crashed:
            return
        if not is_added:
            choice = rng.random()
            if choice < 0.8:
                self.add(rng, label)
            elif choice < 0.9:
                call = self.call(rng, "DEL", self.pool.new_id(label), self.world.netns_path(label), killable=False)
                self.ledger.check("op:DEL-never-added", call.rc == 0, str(call))
            else:
                self.status(rng)
            return
        choice = rng.random()
        if choice < 0.35:
            self.check(rng, label)
        elif choice < 0.95:
            modes = ["normal", "normal", "twice", "empty", "deleted"]
            self.delete(rng, label, modes[int((choice - 0.35) / 0.6 * len(modes)) % len(modes)])
        else:
            self.crash(label)

    def worker(self, index, seed, count):
        rng = random.Random(seed)
        mine = [label for i, label in enumerate(self.pool.labels) if i % self.args.workers == index]
        for _ in range(count):
            self.one_operation(rng, rng.choice(mine))

    def round(self, number):
        per_worker = max(1, self.args.ops_per_round // self.args.workers)
        threads = [threading.Thread(target=self.worker, args=(i, self.args.seed * 1000 + number * 31 + i, per_worker))
                   for i in range(self.args.workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plugin", required=True)
    parser.add_argument("--type", required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--containers", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--ops-per-round", type=int, default=240)
    parser.add_argument("--kill-rate", type=float, default=0.08)
    parser.add_argument("--faults", default="all", help="comma-separated names from faults.py, 'all' or 'none'")
    parser.add_argument("--expected-failures", default=None)
    parser.add_argument("--json", default=None)
    parser.add_argument("--cni-path", default="/usr/lib/cni")
    args = parser.parse_args(argv)
    args.plugin = os.path.realpath(args.plugin)
    return args


def read_expected(path):
    if not path:
        return []
    with open(path, encoding="utf-8") as handle:
        return [line.split()[0] for line in handle if line.strip() and not line.lstrip().startswith("#")]


def plugin_version(plugin):
    """The newest spec version the plugin claims, up to 1.1.0."""
    world_free = json.loads(os.popen(
        f"echo '{{\"cniVersion\":\"1.0.0\"}}' | env -i CNI_COMMAND=VERSION {plugin}").read() or "{}")
    versions = world_free.get("supportedVersions", [])
    return "1.1.0" if "1.1.0" in versions else "1.0.0"


def summary(args, ledger, stats):
    return {"plugin": args.plugin, "type": args.type, "seed": args.seed, "workers": args.workers,
            "rounds": args.rounds, "operations": stats["operations"], "kills": stats["kills"],
            "passed": ledger.passed, "failed": ledger.failed, "expectedFailures": ledger.xfailed,
            "failuresByCategory": ledger.by_category,
            "latencyMedianMs": {verb: round(statistics.median(values), 2)
                                for verb, values in stats["latency"].items() if values}}


def main(argv=None):
    args = parse_args(argv)
    if os.geteuid() != 0:
        print("run as root: the harness creates network namespaces and a tmpfs", file=sys.stderr)
        return 2
    args.version = plugin_version(args.plugin)
    ledger = Ledger(read_expected(args.expected_failures))
    stats = {"operations": 0, "kills": 0, "latency": {}, "lock": threading.Lock()}
    world = World(args.plugin, args.type, f"{os.path.dirname(args.plugin)}:{args.cni_path}", args.version,
                  random.Random(args.seed))
    pool = Pool(args.containers)
    runner = Runner(world, pool, ledger, args, stats)
    schedule = faults.schedule(args.faults, args.rounds, random.Random(args.seed))
    print(f"# chaos: plugin {args.plugin} (type {args.type}, cniVersion {args.version}), seed {args.seed}, "
          f"{args.workers} workers, {args.containers} containers, {args.rounds} rounds", flush=True)
    try:
        for number in range(args.rounds):
            runner.round(number)
            faults.collect_garbage(runner, f"round {number}")
            faults.verify(runner, f"round {number}")
            if schedule[number]:
                faults.inject(runner, schedule[number], random.Random(args.seed + number))
        faults.teardown(runner)
    finally:
        world.close()
    report = summary(args, ledger, stats)
    print(f"# {stats['operations']} plugin calls, {stats['kills']} killed, {ledger.xfailed} expected failures; "
          f"medians (ms): {report['latencyMedianMs']}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2, sort_keys=True)
    print(f"{ledger.passed} passed, {ledger.failed} failed")
    return 0 if ledger.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
