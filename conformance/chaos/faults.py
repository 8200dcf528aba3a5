"""Faults injected between rounds, what each must lead to, and the invariants checked after.

Every fault states its expected outcome, and the checks are named after it
(`fault:<name>:<outcome>`), so an expected-failures file can list a plugin's known gaps:

| fault               | expected outcome                                                            |
|---------------------|-----------------------------------------------------------------------------|
| flush-ruleset       | CHECK reports it; the next ADD on the network restores every attachment's    |
|                     | firewall state (self-healing)                                               |
| bridge-deleted      | CHECK reports it; the next ADD re-creates the bridge and re-attaches every   |
|                     | existing attachment (self-healing)                                          |
| netns-deleted       | pods die without DEL; GC with the valid attachments frees their reservations |
|                     | and firewall state                                                          |
| full-datadir        | ADD fails with a clear CNI error, writes no reservation, leaves no link; the |
|                     | next ADD after space is freed works                                         |
| readonly-datadir    | the same, for a read-only data directory                                    |
| corrupt-reservation | a truncated or garbled reservation file: CHECK of its owner reports it, DEL |
|                     | succeeds, GC frees the file                                                 |
| stale-lock          | junk in the lock file changes nothing                                       |
| reboot              | every link and nftables object gone, files kept: ADDs work and GC frees the  |
|                     | old reservations                                                            |

After a self-healing fault is judged, attachments still broken are deleted (as a runtime would
eventually recreate the pods), so one gap is reported once, not in every later round.
"""

import errno
import os
import random
import time

from world import NETWORK, OUTSIDE_IP, sh

FAULTS = ["flush-ruleset", "bridge-deleted", "netns-deleted", "full-datadir", "readonly-datadir",
          "corrupt-reservation", "stale-lock", "reboot"]


def schedule(spec, rounds, rng):
    """The fault after each round: every listed fault in turn, in a seeded order."""
    names = [] if spec == "none" else (list(FAULTS) if spec == "all" else spec.split(","))
    unknown = [name for name in names if name not in FAULTS]
    if unknown:
        raise SystemExit(f"unknown faults {unknown}; known: {', '.join(FAULTS)}")
    rng.shuffle(names)
    return [names[i % len(names)] if names and i < rounds - 1 else None for i in range(rounds)]


def _has_gc(runner):
    return runner.args.version == "1.1.0"


def collect_garbage(runner, where):
    """GC with the live attachments as valid; crashed pods must then be gone from the files."""
    pool, ledger = runner.pool, runner.ledger
    if not pool.crashed:
        return
    if not _has_gc(runner):
        ledger.check("gc:frees-crashed-pods", False, f"{where}: no GC verb; {len(pool.crashed)} crashed pods keep "
                                                     "their reservations")
        return _delete_crashed(runner, where)
    _wait_for_dead_links(runner)
    conf = dict(runner.world.config(), **{"cni.dev/valid-attachments": pool.valid_attachments()})
    call = runner.world.call("GC", None, None, conf)
    ledger.check("op:GC", call.rc == 0, f"{where}: {call}")
    held = runner.world.reservations()
    with pool.lock:
        for label, (cid, address) in list(pool.crashed.items()):
            if ledger.check("gc:frees-crashed-pods", held.get(address) != cid, f"{where}: {address} still held by {cid}"):
                del pool.crashed[label]


def _delete_crashed(runner, where):
    """Without GC, what a runtime does for pods that died: DEL each, its namespace path gone."""
    pool, world = runner.pool, runner.world
    with pool.lock:
        crashed = dict(pool.crashed)
    for label, (cid, address) in crashed.items():
        call = world.call("DEL", cid, world.netns_path(label))
        runner.ledger.check("op:DEL-of-crashed-pod", call.rc == 0, f"{where}: {call}")
        if world.reservations().get(address) != cid:
            with pool.lock:
                pool.crashed.pop(label, None)


def _wait_for_dead_links(runner, seconds=10.0):
    """The kernel removes a dead namespace's veths asynchronously; a GC that still sees a host
    veth rightly keeps its attachment, so wait until the bridge has no more ports than pods."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with runner.pool.lock:
            live = len(runner.pool.added)
        if len(runner.world.bridge_ports()) <= live:
            return
        time.sleep(0.05)


def verify(runner, where):
    """The model against the kernel and the files."""
    world, pool, ledger = runner.world, runner.pool, runner.ledger
    with pool.lock:
        added = dict(pool.added)
        leaked = {address for _, address in pool.crashed.values()}
        impaired = set(pool.impaired)
    expected = {address: cid for cid, address, _ in added.values()}
    held = world.reservations()
    stray = {a: c for a, c in held.items() if a not in expected and a not in leaked}
    wrong = {a: (held.get(a), c) for a, c in expected.items() if held.get(a) != c}
    ok = ledger.check("invariant:reservations", not stray and not wrong, f"{where}: stray {stray}, wrong/missing {wrong}")
    ports = world.bridge_ports()
    if not impaired:
        ok &= ledger.check("invariant:bridge-ports", len(ports) == len(added), f"{where}: {len(ports)} ports, "
                                                                                f"{len(added)} attachments")
        firewall = world.firewall_addresses()
        extra, missing = firewall - set(expected) - leaked, set(expected) - firewall
        ok &= ledger.check("invariant:firewall-state", not extra and not missing, f"{where}: firewall names dead "
                                                                                  f"{sorted(extra)}, lacks {sorted(missing)}")
    for label, (cid, address, _) in added.items():
        ok &= ledger.check("invariant:container-address", address in world.container_addresses(label),
                           f"{where}: {cid} lacks {address} on eth0")
        if label not in impaired:
            runner.check(_rng(), label)
    ok &= _traffic(runner, where, added, impaired)
    ledger.check(f"round:{where}", ok, "see the failures above", quiet=False)


def _traffic(runner, where, added, impaired):
    healthy = [label for label in sorted(added) if label not in impaired]
    if len(healthy) < 2:
        return True
    a, b = healthy[0], healthy[1]
    ok = runner.ledger.check("invariant:traffic-between-containers", runner.world.ping(a, added[b][1]),
                             f"{where}: {added[a][0]} cannot reach {added[b][1]}")
    ok &= runner.ledger.check("invariant:traffic-out-through-masquerade", runner.world.ping(a, OUTSIDE_IP),
                              f"{where}: {added[a][0]} gets no reply from {OUTSIDE_IP}")
    return ok


class _Calm(random.Random):
    """A generator whose draws never fall under the kill rate: fault handling is never killed."""

    def random(self):
        return 1.0


def _rng():
    return _Calm(0)


def _free_label(runner):
    with runner.pool.lock:
        return next((l for l in runner.pool.labels if l not in runner.pool.added and l not in runner.pool.crashed), None)


def _recover(runner, name):
    """Runtimes eventually recreate pods that stay broken: DEL what is still impaired."""
    with runner.pool.lock:
        broken = list(runner.pool.impaired)
    for label in broken:
        runner.delete(_rng(), label, "normal")


def _self_healing(runner, name, breaks, healed):
    """Break every attachment, expect CHECK to report it, then the next ADD to heal all."""
    with runner.pool.lock:
        old = list(runner.pool.added)
        runner.pool.impaired.update(old)
    breaks()
    if old:
        runner.check(_rng(), old[0])
    label = _free_label(runner)
    if label is None or not runner.add(_rng(), label):
        runner.ledger.check(f"fault:{name}:add-after-fault", False, "ADD after the fault failed")
        return _recover(runner, name)
    is_healed, detail = healed()
    if runner.ledger.check(f"fault:{name}:healed-by-next-ADD", is_healed, detail):
        with runner.pool.lock:
            runner.pool.impaired.clear()
    _recover(runner, name)


def _flush_ruleset(runner):
    world = runner.world

    def healed():
        with runner.pool.lock:
            live = {address for _, address, _ in runner.pool.added.values()}
        present = world.firewall_addresses()
        return live <= present, f"firewall state missing for {sorted(live - present)}"
    _self_healing(runner, "flush-ruleset", lambda: sh("nft", "flush", "ruleset", netns=world.host), healed)


def _bridge_deleted(runner):
    world = runner.world

    def healed():
        ports = world.bridge_ports()
        with runner.pool.lock:
            count = len(runner.pool.added)
        return len(ports) == count, f"{len(ports)} ports on the re-created bridge for {count} attachments"
    _self_healing(runner, "bridge-deleted", lambda: sh("ip", "link", "del", "chaosbr0", netns=world.host, check=False), healed)


def _netns_deleted(runner):
    with runner.pool.lock:
        victims = sorted(runner.pool.added)[::3]
    for label in victims:
        runner.crash(label)
    collect_garbage(runner, "netns-deleted")
    with runner.pool.lock:
        left = [label for label in victims if label in runner.pool.crashed]
    runner.ledger.check("fault:netns-deleted:freed-by-GC", not left, f"still held after GC: {left}")


def _expect_clean_failure(runner, name):
    """ADD must fail with a CNI error object, and change nothing."""
    world = runner.world
    before = (sorted(_listing(world.data_dir)), world.bridge_ports())
    label = _free_label(runner)
    if label is None:
        return
    netns = world.netns_path(label) if world.has_netns(label) else world.create_netns(label)
    call = world.call("ADD", runner.pool.new_id(label), netns)
    error = call.json() or {}
    runner.ledger.check(f"fault:{name}:clear-error", call.rc == 1 and error.get("code") and error.get("msg"), str(call))
    after = (sorted(_listing(world.data_dir)), world.bridge_ports())
    runner.ledger.check(f"fault:{name}:nothing-left", before == after, f"before {before}, after {after}")
    runner.ledger.check(f"fault:{name}:container-untouched", not world.container_addresses(label),
                        "the failed ADD left an address in the container")


def _listing(root):
    for directory, _, files in os.walk(root):
        for file in files:
            if file != "filler":
                yield os.path.relpath(os.path.join(directory, file), root)


def _full_datadir(runner):
    filler = os.path.join(runner.world.data_dir, "filler")
    try:
        with open(filler, "wb") as handle:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
    except OSError as exc:  # full: the point; a plugin that leaks files may have filled it already
        if exc.errno != errno.ENOSPC:
            raise
    try:
        _expect_clean_failure(runner, "full-datadir")
    finally:
        if os.path.exists(filler):
            os.unlink(filler)
    label = _free_label(runner)
    if label:
        runner.ledger.check("fault:full-datadir:recovers", runner.add(_rng(), label), "ADD after freeing space failed")


def _readonly_datadir(runner):
    sh("mount", "-o", "remount,ro", runner.world.data_dir)
    try:
        _expect_clean_failure(runner, "readonly-datadir")
    finally:
        sh("mount", "-o", "remount,rw", runner.world.data_dir)
    label = _free_label(runner)
    if label:
        runner.ledger.check("fault:readonly-datadir:recovers", runner.add(_rng(), label), "ADD after remount failed")


def _corrupt_reservation(runner, rng):
    with runner.pool.lock:
        if not runner.pool.added:
            return
        label = sorted(runner.pool.added)[0]
        cid, address, result = runner.pool.added[label]
    path = os.path.join(runner.world.data_dir, NETWORK, address)
    with open(path, "wb") as handle:
        handle.write(b"" if rng.random() < 0.5 else b"\x00\xffnot a container\r\n")
    with runner.pool.lock:
        runner.pool.impaired.add(label)
    runner.check(_rng(), label)
    runner.delete(_rng(), label, "normal")
    if _has_gc(runner):
        conf = dict(runner.world.config(), **{"cni.dev/valid-attachments": runner.pool.valid_attachments()})
        runner.ledger.check("op:GC", runner.world.call("GC", None, None, conf).rc == 0, "GC failed")
    runner.ledger.check("fault:corrupt-reservation:freed", address not in runner.world.reservations(),
                        f"the corrupt reservation of {address} survived DEL and GC")


def _stale_lock(runner):
    directory = os.path.join(runner.world.data_dir, NETWORK)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "lock"), "wb") as handle:
        handle.write(b"stale lock from a dead process\n")
    label = _free_label(runner)
    if label:
        runner.ledger.check("fault:stale-lock:no-effect", runner.add(_rng(), label), "ADD with a stale lock file failed")


def _reboot(runner):
    runner.world.reboot()
    with runner.pool.lock:
        for label, (cid, address, _) in list(runner.pool.added.items()):
            runner.pool.crashed[label] = (cid, address)
        runner.pool.added.clear()
        runner.pool.impaired.clear()
    for _ in range(3):
        label = _free_label(runner)
        if label:
            runner.ledger.check("fault:reboot:add-after-reboot", runner.add(_rng(), label), "ADD after reboot failed")
    collect_garbage(runner, "reboot")
    with runner.pool.lock:
        left = len(runner.pool.crashed)
    runner.ledger.check("fault:reboot:gc-frees-old", left == 0, f"{left} pre-reboot reservations survive GC")


def inject(runner, name, rng):
    print(f"# fault: {name}", flush=True)
    actions = {
        "flush-ruleset": lambda: _flush_ruleset(runner),
        "bridge-deleted": lambda: _bridge_deleted(runner),
        "netns-deleted": lambda: _netns_deleted(runner),
        "full-datadir": lambda: _full_datadir(runner),
        "readonly-datadir": lambda: _readonly_datadir(runner),
        "corrupt-reservation": lambda: _corrupt_reservation(runner, rng),
        "stale-lock": lambda: _stale_lock(runner),
        "reboot": lambda: _reboot(runner),
    }
    actions[name]()
    verify(runner, f"after {name}")


def teardown(runner):
    """DEL of everything, GC, and nothing may be left."""
    with runner.pool.lock:
        labels = list(runner.pool.added)
    for label in labels:
        runner.delete(_rng(), label, "normal")
    collect_garbage(runner, "teardown")
    world = runner.world
    leftovers = {"reservations": world.reservations(), "bridge ports": world.bridge_ports(),
                 "firewall": sorted(world.firewall_addresses())}
    with runner.pool.lock:
        leaked = {address for _, address in runner.pool.crashed.values()}
    leftovers["reservations"] = {a: c for a, c in leftovers["reservations"].items() if a not in leaked}
    runner.ledger.check("teardown:nothing-left", not any(leftovers.values()), str(leftovers), quiet=False)


__all__ = ["FAULTS", "schedule", "collect_garbage", "verify", "inject", "teardown"]
