#!/usr/bin/env python3
"""Run a CNI network configuration list the way libcni does, for any plugins.

The conformance harness's bash driver (driver.sh, cni_list_*) and this module follow the same
rules; this one exists for Python callers (the benchmark) and as a small cnitool-like command:

    cnichain.py add|check|del|gc|status --conf FILE [--cid ID] [--netns PATH] [--ifname eth0]
                [--cni-path DIR:DIR] [--cap-args JSON] [--cni-args 'K=V;K=V']
                [--cache-dir DIR] [--valid-attachments JSON] [--plugin TYPE=PATH]

What libcni does, and so what this does:
- Every plugin's request config is the plugin's own object with the list's `name` and
  `cniVersion` injected, `prevResult` when there is one, and `runtimeConfig` holding only the
  capability arguments that the plugin declares in its `capabilities` (and only when at least
  one applies).
- ADD runs the plugins in order, each getting the previous plugin's result as `prevResult`, and
  stops at the first failure. The final result is cached per (network, container, ifname).
- CHECK (list version >= 0.4.0) runs in order with the cached result as `prevResult`.
- DEL runs in reverse order, with the cached result as `prevResult` for versions >= 0.4.0, stops
  at the first failure, and drops the cache entry when every plugin succeeded.
- GC and STATUS (1.1.0) run every plugin in order, GC with `cni.dev/valid-attachments`.
- A plain plugin config (no `plugins` list) is run as a list of one, as cnitool does.

The process spawner is injectable (`Chain(spawn=...)`) so a benchmark can time and account
every plugin process itself.
"""

import argparse
import json
import os
import subprocess
import sys
import time

# A fixed, minimal environment, as runtimes use for cleanup processes.
EXEC_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class Outcome:
    """What a chain call ended with: the exit status and stdout of the last plugin run."""

    def __init__(self, rc=0, out="", err="", failed_plugin=None, calls=None):
        self.rc = rc
        self.out = out
        self.err = err
        self.failed_plugin = failed_plugin
        self.calls = calls or []

    @property
    def ok(self):
        return self.rc == 0

    def json(self):
        return json.loads(self.out) if self.out.strip() else None


def default_spawn(argv, env, stdin):
    """Run one plugin process; returns (rc, stdout, stderr)."""
    proc = subprocess.run(argv, env=env, input=stdin, capture_output=True, check=False)
    return proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace")


def version_at_least(text, minimum):
    def parts(v):
        return tuple(int(p) for p in v.split("."))
    try:
        return parts(text or "0.1.0") >= parts(minimum)
    except ValueError:
        return False


def as_list(conf):
    """A conflist as is; a single plugin config as a list of one."""
    if "plugins" in conf:
        return conf
    single = {k: v for k, v in conf.items() if k not in ("name", "cniVersion")}
    return {"name": conf.get("name", ""), "cniVersion": conf.get("cniVersion", ""), "plugins": [single]}


def plugin_request(conflist, plugin, prev_result=None, cap_args=None, extra=None):
    """The request config libcni builds for one plugin of the list (buildOneConfig)."""
    conf = dict(plugin)
    conf["name"] = conflist["name"]
    conf["cniVersion"] = conflist.get("cniVersion", "")
    if prev_result is not None:
        conf["prevResult"] = prev_result
    declared = plugin.get("capabilities") or {}
    runtime = {k: v for k, v in (cap_args or {}).items() if declared.get(k) is True}
    if runtime:
        conf["runtimeConfig"] = runtime
    conf.update(extra or {})
    return conf


class Chain:
    """One network configuration list, run against plugins found in `cni_path`."""

    def __init__(self, conflist, cni_path, cache_dir, overrides=None, spawn=default_spawn):
        self.conflist = as_list(conflist)
        self.cni_path = list(cni_path)
        self.cache_dir = cache_dir
        self.overrides = dict(overrides or {})
        self.spawn = spawn

    @property
    def version(self):
        return self.conflist.get("cniVersion", "")

    def find(self, plugin_type):
        if plugin_type in self.overrides:
            return self.overrides[plugin_type]
        for directory in self.cni_path:
            candidate = os.path.join(directory, plugin_type)
            if os.access(candidate, os.X_OK):
                return candidate
        return None

    def _env(self, command, cid=None, netns=None, ifname=None, cni_args=None):
        env = {"PATH": EXEC_PATH, "CNI_COMMAND": command, "CNI_PATH": ":".join(self.cni_path)}
        for key, value in (("CNI_CONTAINERID", cid), ("CNI_NETNS", netns), ("CNI_IFNAME", ifname),
                           ("CNI_ARGS", cni_args)):
            if value is not None:
                env[key] = value
        return env

    def _run(self, index, env, request, outcome):
        plugin_type = self.conflist["plugins"][index].get("type", "")
        binary = self.find(plugin_type)
        if binary is None:
            outcome.rc, outcome.out = 1, json.dumps({
                "cniVersion": self.version, "code": 1,
                "msg": f"failed to find plugin \"{plugin_type}\" in path {self.cni_path}"})
            outcome.failed_plugin = index
            return False
        started = time.perf_counter()
        rc, out, err = self.spawn([binary], env, json.dumps(request).encode())
        outcome.calls.append((plugin_type, env["CNI_COMMAND"], rc, (time.perf_counter() - started) * 1000.0))
        outcome.rc, outcome.out, outcome.err = rc, out, err
        if rc != 0:
            outcome.failed_plugin = index
            return False
        return True

    # The result cache, like libcni's <cacheDir>/results/<network>-<containerID>-<ifname>.
    def _cache_path(self, cid, ifname):
        return os.path.join(self.cache_dir, "results", f"{self.conflist['name']}-{cid}-{ifname}")

    def cached_result(self, cid, ifname):
        try:
            with open(self._cache_path(cid, ifname), encoding="utf-8") as handle:
                return json.load(handle).get("result")
        except (OSError, ValueError):
            return None

    def _store(self, cid, ifname, result, cap_args):
        path = self._cache_path(cid, ifname)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        scratch = path + ".tmp"
        with open(scratch, "w", encoding="utf-8") as handle:
            json.dump({"kind": "cniCacheV1", "containerId": cid, "ifName": ifname,
                       "networkName": self.conflist["name"], "result": result,
                       "capabilityArgs": cap_args or {}}, handle)
        os.replace(scratch, path)

    def _forget(self, cid, ifname):
        try:
            os.unlink(self._cache_path(cid, ifname))
        except FileNotFoundError:
            pass

    def add(self, cid, netns, ifname="eth0", cap_args=None, cni_args=None):
        outcome, prev = Outcome(), None
        env = self._env("ADD", cid, netns, ifname, cni_args)
        for index, plugin in enumerate(self.conflist["plugins"]):
            if not self._run(index, env, plugin_request(self.conflist, plugin, prev, cap_args), outcome):
                return outcome
            try:
                prev = json.loads(outcome.out)
            except ValueError:
                outcome.rc, outcome.failed_plugin = 1, index
                return outcome
        self._store(cid, ifname, prev, cap_args)
        outcome.out = json.dumps(prev)
        return outcome

    def check(self, cid, netns, ifname="eth0", cap_args=None, cni_args=None):
        outcome = Outcome()
        if not version_at_least(self.version, "0.4.0"):
            outcome.rc, outcome.out = 1, json.dumps({
                "cniVersion": self.version, "code": 1, "msg": "configuration version does not support CHECK"})
            return outcome
        prev = self.cached_result(cid, ifname)
        if prev is None:
            outcome.rc, outcome.out = 1, json.dumps({
                "cniVersion": self.version, "code": 999, "msg": "no cached result to CHECK against"})
            return outcome
        env = self._env("CHECK", cid, netns, ifname, cni_args)
        for index, plugin in enumerate(self.conflist["plugins"]):
            if not self._run(index, env, plugin_request(self.conflist, plugin, prev, cap_args), outcome):
                return outcome
        return outcome

    def delete(self, cid, netns, ifname="eth0", cap_args=None, cni_args=None):
        outcome = Outcome()
        prev = self.cached_result(cid, ifname) if version_at_least(self.version, "0.4.0") else None
        env = self._env("DEL", cid, netns, ifname, cni_args)
        plugins = self.conflist["plugins"]
        for index in range(len(plugins) - 1, -1, -1):
            if not self._run(index, env, plugin_request(self.conflist, plugins[index], prev, cap_args), outcome):
                return outcome
        self._forget(cid, ifname)
        return outcome

    def gc(self, valid_attachments):
        outcome = Outcome()
        env = self._env("GC")
        extra = {"cni.dev/valid-attachments": list(valid_attachments)}
        for index, plugin in enumerate(self.conflist["plugins"]):
            if not self._run(index, env, plugin_request(self.conflist, plugin, extra=extra), outcome):
                return outcome
        return outcome

    def status(self):
        outcome = Outcome()
        env = self._env("STATUS")
        for index, plugin in enumerate(self.conflist["plugins"]):
            if not self._run(index, env, plugin_request(self.conflist, plugin), outcome):
                return outcome
        return outcome


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run a CNI conflist like libcni.")
    parser.add_argument("verb", choices=["add", "check", "del", "gc", "status"])
    parser.add_argument("--conf", required=True, help="a conflist or a single plugin config")
    parser.add_argument("--cid", default="cnichain")
    parser.add_argument("--netns", default="")
    parser.add_argument("--ifname", default="eth0")
    parser.add_argument("--cni-path", default="/usr/lib/cni")
    parser.add_argument("--cap-args", default="{}", help="JSON object of capability arguments")
    parser.add_argument("--cni-args", default=None)
    parser.add_argument("--cache-dir", default="/var/lib/cni")
    parser.add_argument("--valid-attachments", default="[]", help="GC: JSON list of {containerID, ifname}")
    parser.add_argument("--plugin", action="append", default=[], metavar="TYPE=PATH",
                        help="run PATH for netconf type TYPE instead of searching the CNI path")
    args = parser.parse_args(argv)
    with open(args.conf, encoding="utf-8") as handle:
        conf = json.load(handle)
    overrides = dict(item.split("=", 1) for item in args.plugin)
    chain = Chain(conf, args.cni_path.split(":"), args.cache_dir, overrides)
    cap_args = json.loads(args.cap_args)
    if args.verb == "add":
        outcome = chain.add(args.cid, args.netns, args.ifname, cap_args, args.cni_args)
    elif args.verb == "check":
        outcome = chain.check(args.cid, args.netns, args.ifname, cap_args, args.cni_args)
    elif args.verb == "del":
        outcome = chain.delete(args.cid, args.netns, args.ifname, cap_args, args.cni_args)
    elif args.verb == "gc":
        outcome = chain.gc(json.loads(args.valid_attachments))
    else:
        outcome = chain.status()
    if outcome.out:
        sys.stdout.write(outcome.out.rstrip("\n") + "\n")
    if outcome.err:
        sys.stderr.write(outcome.err)
    return 0 if outcome.ok else 1


if __name__ == "__main__":
    sys.exit(main())
