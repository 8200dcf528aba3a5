"""Building blocks of the nsbridge benchmark: namespaces, timed plugin calls, statistics.

Python 3.11 standard library only. The process must run as root: it creates
network namespaces named `<tag>-...` (tag starts with `nsbb`) and moves its own
thread between them with setns(2), so every plugin it spawns runs inside a
throwaway "host" namespace and never in the machine's real one.
"""

import ctypes
import fcntl
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

CLONE_NEWNET = 0x40000000
EXEC_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_libc = ctypes.CDLL(None, use_errno=True)


class BenchError(Exception):
    """A plugin call or a set-up step failed; the message says which and why."""


def _netns_inode(path="/proc/thread-self/ns/net"):
    return os.stat(path).st_ino


class Namespaces:
    """Creates, enters and removes the named network namespaces of one run.

    Every name is `<tag>-<label>`; each one is recorded so that `cleanup()`
    removes exactly what this run made, whatever happened in between.
    """

    def __init__(self, tag):
        if not tag.startswith("nsbb"):
            raise ValueError("namespace tag must start with nsbb")
        self.tag = tag
        self.created = []
        self.real_host_inode = _netns_inode()
        self.current = None

    def create(self, label):
        name = f"{self.tag}-{label}"
        subprocess.run(["ip", "netns", "del", name], stderr=subprocess.DEVNULL, check=False)
        subprocess.run(["ip", "netns", "add", name], check=True)
        self.created.append(name)
        return f"/run/netns/{name}"

    def create_many(self, labels):
        """Batch creation through one `ip -batch` process (one fork instead of N)."""
        names = [f"{self.tag}-{label}" for label in labels]
        script = "".join(f"netns add {n}\n" for n in names)
        self.created.extend(names)
        subprocess.run(["ip", "-batch", "-"], input=script.encode(), check=True)
        return [f"/run/netns/{n}" for n in names]

    def delete_many(self, paths):
        names = [p.rsplit("/", 1)[-1] for p in paths]
        if not names:
            return
        script = "".join(f"netns del {n}\n" for n in names)
        subprocess.run(["ip", "-force", "-batch", "-"], input=script.encode(),
                       stderr=subprocess.DEVNULL, check=False)
        gone = set(names)
        self.created = [n for n in self.created if n not in gone]

    def delete(self, path):
        self.delete_many([path])

    def enter(self, path):
        """setns(2) this thread into `path`; children spawned afterwards start there."""
        if self.current == path:
            return
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            if _libc.setns(fd, CLONE_NEWNET) != 0:
                err = ctypes.get_errno()
                raise OSError(err, f"setns {path}: {os.strerror(err)}")
        finally:
            os.close(fd)
        if _netns_inode() != os.stat(path).st_ino or _netns_inode() == self.real_host_inode:
            raise BenchError(f"setns into {path} did not take effect; refusing to continue")
        self.current = path

    def assert_not_real_host(self):
        if _netns_inode() == self.real_host_inode:
            raise BenchError("about to run a plugin in the real host netns; refusing")

    def cleanup(self):
        remaining = list(self.created)
        self.delete_many([f"/run/netns/{n}" for n in remaining])
        self.created = []


def _pipe_with_room():
    r, w = os.pipe2(os.O_CLOEXEC)
    try:
        fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, 1 << 20)
    except OSError:
        pass
    return r, w


def _read_all(fd):
    chunks = []
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)


class Call:
    """One finished plugin process: exit status, output, wall and CPU time."""

    __slots__ = ("rc", "out", "err", "wall_ms", "user_ms", "sys_ms", "maxrss_kb")

    @property
    def cpu_ms(self):
        return self.user_ms + self.sys_ms

    def json(self):
        try:
            return json.loads(self.out)
        except ValueError as exc:
            raise BenchError(f"plugin printed no JSON: {self.out[:200]!r}") from exc


class Running:
    """A spawned plugin process whose end we have not collected yet."""

    def __init__(self, argv, env, stdin):
        r_in, w_in = _pipe_with_room()
        os.write(w_in, stdin)
        os.close(w_in)
        r_out, self._w_out = _pipe_with_room()
        r_err, self._w_err = _pipe_with_room()
        self._r_out, self._r_err = r_out, r_err
        actions = [(os.POSIX_SPAWN_DUP2, r_in, 0),
                   (os.POSIX_SPAWN_DUP2, self._w_out, 1),
                   (os.POSIX_SPAWN_DUP2, self._w_err, 2)]
        self.t0 = time.perf_counter_ns()
        self.pid = os.posix_spawn(argv[0], argv, env, file_actions=actions)
        os.close(r_in)
        os.close(self._w_out)
        os.close(self._w_err)

    def finish(self):
        """wait4(2) the process: its rusage includes the children it waited for."""
        _, status, ru = os.wait4(self.pid, 0)
        t1 = time.perf_counter_ns()
        call = Call()
        call.rc = os.waitstatus_to_exitcode(status)
        call.wall_ms = (t1 - self.t0) / 1e6
        call.user_ms = ru.ru_utime * 1000.0
        call.sys_ms = ru.ru_stime * 1000.0
        call.maxrss_kb = ru.ru_maxrss
        call.out = _read_all(self._r_out).decode(errors="replace")
        call.err = _read_all(self._r_err).decode(errors="replace")
        return call


def cni_env(command, cid=None, ifname=None, netns=None, cni_path="/usr/lib/cni"):
    """Exactly the variables a runtime sets, plus PATH (the reference execs iptables)."""
    env = {"PATH": EXEC_PATH, "CNI_COMMAND": command, "CNI_PATH": cni_path}
    if cid is not None:
        env["CNI_CONTAINERID"] = cid
    if ifname is not None:
        env["CNI_IFNAME"] = ifname
    if netns is not None:
        env["CNI_NETNS"] = netns
    return env


def run(argv, env, stdin=b""):
    return Running(argv, env, stdin).finish()


def quantile(values, q):
    """Nearest-rank quantile (q in 0..1) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


def summary(values):
    if not values:
        return None
    return {"median": quantile(values, 0.5), "p95": quantile(values, 0.95),
            "min": min(values), "n": len(values)}


def nft_counts():
    """Rules, chains and set/map elements of `nft -j list ruleset` in the current netns."""
    proc = subprocess.run(["nft", "-j", "list", "ruleset"], capture_output=True, check=True)
    doc = json.loads(proc.stdout or b'{"nftables": []}')
    rules = chains = elements = 0
    for item in doc.get("nftables", []):
        if "rule" in item:
            rules += 1
        elif "chain" in item:
            chains += 1
        else:
            for kind in ("set", "map"):
                if kind in item:
                    elements += len(item[kind].get("elem", []))
    return {"rules": rules, "chains": chains, "elements": elements}


def interleaved(plugins, i):
    """Plugin order for iteration i: A B, then B A, and so on."""
    return plugins if i % 2 == 0 else plugins[::-1]


def container_id(*parts):
    """A 64-hex container ID, like Podman's (deterministic per parts)."""
    import hashlib
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()


class Scratch:
    """The run's temporary directory (IPAM data dirs, /usr/bin/time output)."""

    def __init__(self, tag):
        self.path = tempfile.mkdtemp(prefix=f"{tag}-")

    def sub(self, *names):
        path = os.path.join(self.path, *names)
        os.makedirs(path, exist_ok=True)
        return path

    def cleanup(self):
        shutil.rmtree(self.path, ignore_errors=True)


def rerun_in_throwaway_host(tag, script, inside_args, setup=()):
    """Re-runs `script --inside inside_args` in a new netns standing in for the host, so the
    machine's own links and rulesets stay untouched; `setup` commands run in it first. Then
    deletes it and every netns named `<tag>-<pid>-...` the run left behind."""
    host = f"{tag}-host-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", host], check=True)
    try:
        subprocess.run(["ip", "-n", host, "link", "set", "lo", "up"], check=True)
        for command in setup:
            subprocess.run(["ip", "netns", "exec", host] + command, check=True)
        return subprocess.run(["ip", "netns", "exec", host, sys.executable, os.path.abspath(script), "--inside"]
                              + inside_args).returncode
    finally:
        prefix = f"{tag}-{os.getpid()}-"
        for line in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.splitlines():
            if line.split() and line.split()[0].startswith(prefix):
                subprocess.run(["ip", "netns", "delete", line.split()[0]], check=False)
        subprocess.run(["ip", "netns", "delete", host], check=False)
