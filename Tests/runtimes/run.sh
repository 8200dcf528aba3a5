#!/usr/bin/env bash
# Runtime-facing tests: the Kubernetes example files are valid and consistent, the multi-node
# model works (multinode.sh), Podman's CNI backend (podman.sh) and containerd's ctr
# (containerd.sh) run containers on nsbridge, and
# broken plugin wrappers make those tests fail.
#
#   sudo Tests/runtimes/run.sh [--nsbridge BIN]
set -euo pipefail
cd "$(dirname "$0")/../.."
passed=0 failed=0

# The example manifests parse as YAML, hold the expected objects, and run the installer image
# (tested by image.sh) named by NSBRIDGE_IMAGE.
if python3 - <<'PY'
import sys, yaml
path = "examples/kubernetes/nsbridge-daemonset.yaml"
docs = [d for d in yaml.safe_load_all(open(path)) if d]
kinds = sorted(d["kind"] for d in docs)
assert kinds == ["ClusterRole", "ClusterRoleBinding", "ConfigMap", "DaemonSet", "ServiceAccount"], kinds
config = next(d for d in docs if d["kind"] == "ConfigMap")
assert set(config["data"]) == {"cluster-cidr", "cni-version"}, config["data"]
daemonset = next(d for d in docs if d["kind"] == "DaemonSet")
containers = daemonset["spec"]["template"]["spec"]["containers"]
# The installer image (make image) through the documented variable, never a placeholder registry.
assert [c["image"] for c in containers] == ["${NSBRIDGE_IMAGE}"], containers
assert containers[0]["args"] == ["--sleep"], containers[0]
paths = {v["hostPath"]["path"] for v in daemonset["spec"]["template"]["spec"]["volumes"] if "hostPath" in v}
assert paths == {"/opt/cni/bin", "/etc/cni/net.d"}, paths
PY
then passed=$((passed + 1)); echo "PASS kubernetes manifests are valid YAML and consistent"
else failed=$((failed + 1)); echo "FAIL kubernetes manifests"; fi

if examples/kubernetes/render-conflist.sh 10.244.7.0/24 10.244.0.0/16 | jq -e '.plugins[0].ipam.ranges[0][0].subnet == "10.244.7.0/24"' >/dev/null
then passed=$((passed + 1)); echo "PASS render-conflist.sh renders valid JSON for a pod CIDR"
else failed=$((failed + 1)); echo "FAIL render-conflist.sh"; fi

# One plugin serving hostPort and bandwidth itself; --cni-version 1.1.0 for STATUS and GC.
if examples/kubernetes/render-conflist.sh --cni-version 1.1.0 10.244.7.0/24 10.244.0.0/16 | jq -e '.cniVersion == "1.1.0"
        and ([.plugins[].type] == ["nsbridge"]) and .plugins[0].capabilities == {portMappings: true, bandwidth: true}' >/dev/null \
    && ! examples/kubernetes/render-conflist.sh --cni-version 0.4.0 10.244.7.0/24 10.244.0.0/16 >/dev/null 2>&1
then passed=$((passed + 1)); echo "PASS render-conflist.sh --cni-version 1.1.0: nsbridge alone with portMappings and bandwidth"
else failed=$((failed + 1)); echo "FAIL render-conflist.sh --cni-version"; fi

if Tests/runtimes/multinode.sh "$@"; then passed=$((passed + 1)); echo "PASS multi-node (host-gw) model"
else failed=$((failed + 1)); echo "FAIL multi-node (host-gw) model"; fi

if Tests/runtimes/podman.sh "$@"; then passed=$((passed + 1)); echo "PASS podman with the CNI backend"
else failed=$((failed + 1)); echo "FAIL podman with the CNI backend"; fi

if Tests/runtimes/containerd.sh "$@"; then passed=$((passed + 1)); echo "PASS containerd (ctr run --cni)"
else failed=$((failed + 1)); echo "FAIL containerd (ctr run --cni)"; fi

if Tests/runtimes/cnitool.sh "$@"; then passed=$((passed + 1)); echo "PASS cnitool (libcni) add/check/del/gc/status"
else failed=$((failed + 1)); echo "FAIL cnitool (libcni)"; fi

if Tests/runtimes/image.sh "$@"; then passed=$((passed + 1)); echo "PASS the installer image (podman) installs a working plugin"
else failed=$((failed + 1)); echo "FAIL the installer image"; fi

if Tests/runtimes/cri.sh "$@"; then passed=$((passed + 1)); echo "PASS containerd CRI (RunPodSandbox)"
else failed=$((failed + 1)); echo "FAIL containerd CRI (RunPodSandbox)"; fi

# The tests must catch a misbehaving plugin: a result without ips[].interface (Podman then
# silently loses the address) fails the Podman test, and a skipped DEL fails the multi-node test.
mutant=$(mktemp -d /tmp/nsbrt-mutant.XXXXXX)
real=$(realpath "${2:-.build/release/nsbridge}")
cat >"$mutant/nsbridge" <<WRAP
#!/bin/sh
if [ "\$CNI_COMMAND" = ADD ]; then "$real" | jq -c 'del(.ips[]?.interface)'; exit 0; fi
exec "$real"
WRAP
chmod +x "$mutant/nsbridge"
if Tests/runtimes/podman.sh --nsbridge "$mutant/nsbridge" --quick >/dev/null 2>&1; then
    failed=$((failed + 1)); echo "FAIL podman test passed a plugin whose result lacks ips[].interface"
else passed=$((passed + 1)); echo "PASS podman test fails a plugin whose result lacks ips[].interface"; fi
rm -rf "$mutant"

# The test must catch a plugin that leaks: a wrapper that skips DEL has to fail it.
mutant=$(mktemp -d /tmp/nsbmn-mutant.XXXXXX)
real=$(realpath "${2:-.build/release/nsbridge}")
printf '#!/bin/sh\n[ "$CNI_COMMAND" = DEL ] && exit 0\nexec %s "$@"\n' "$real" >"$mutant/nsbridge"
chmod +x "$mutant/nsbridge"
if Tests/runtimes/multinode.sh --nsbridge "$mutant/nsbridge" >/dev/null; then
    failed=$((failed + 1)); echo "FAIL multi-node test passed a plugin that skips DEL"
else passed=$((passed + 1)); echo "PASS multi-node test fails a plugin that skips DEL"; fi
if Tests/runtimes/containerd.sh --nsbridge "$mutant/nsbridge" >/dev/null 2>&1; then
    failed=$((failed + 1)); echo "FAIL containerd test passed a plugin that skips DEL"
else passed=$((passed + 1)); echo "PASS containerd test fails a plugin that skips DEL"; fi
if Tests/runtimes/cri.sh --nsbridge "$mutant/nsbridge" --quick >/dev/null 2>&1; then
    failed=$((failed + 1)); echo "FAIL CRI test passed a plugin that skips DEL"
else passed=$((passed + 1)); echo "PASS CRI test fails a plugin that skips DEL"; fi
rm -rf "$mutant"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
