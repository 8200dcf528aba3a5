# Helpers of Tests/runtimes/cri.sh (sourced): a private containerd with the CRI plugin, the
# pause image, the CRI client, cleanup and the latency comparison. Uses WORK, SOCKET, PAUSE_IMAGE.

pass() { PASSED=$((PASSED + 1)); echo "PASS $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $1: $2"; }
cri() { /usr/bin/python3 Tests/runtimes/cri/cri_client.py --socket "$SOCKET" --stubs "$WORK/stubs" "$@"; }
ctr_() { ctr --address "$SOCKET" --namespace k8s.io "$@"; }

# start_containerd BIN_DIR CONF_DIR: containerd with only its CRI plugin's CNI dirs pointing at
# ours. restrict_oom_score_adj: the sandbox refuses a negative oom_score_adj, and without it
# runc fails with "can't get final child's PID from pipe: EOF".
start_containerd() {
    local bin_dir=${1:?start_containerd BIN_DIR CONF_DIR} conf_dir=${2:?start_containerd BIN_DIR CONF_DIR}
    LAST_DIRS=("$bin_dir" "$conf_dir")
    cat >"$WORK/config.toml" <<EOF
version = 2
root = "$WORK/root"
state = "$WORK/state"
[grpc]
  address = "$SOCKET"
[plugins."io.containerd.runtime.v1.linux"]
  runtime_root = "$WORK/runc-v1"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "native"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = "$WORK/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$bin_dir"
    conf_dir = "$conf_dir"
    max_conf_num = 1
EOF
    containerd --config "$WORK/config.toml" >>"$WORK/containerd.log" 2>&1 &
    DAEMON=$!
    local _
    for _ in $(seq 1 150); do
        # The CRI service answers once its CNI configuration is loaded.
        grep -q 'StatusCode.NOT_FOUND' <(cri status none 2>&1) && return 0
        kill -0 "$DAEMON" 2>/dev/null || break
        sleep 0.2
    done
    echo "containerd's CRI plugin did not answer:"; tail -20 "$WORK/containerd.log"; return 1
}

stop_containerd() {
    [[ -n $DAEMON ]] || return 0
    kill "$DAEMON" 2>/dev/null; wait "$DAEMON" 2>/dev/null; DAEMON=""
}

# restart_containerd [BIN_DIR CONF_DIR]: the same directories as last time unless given.
restart_containerd() { stop_containerd; start_containerd "${@:-${LAST_DIRS[@]}}"; }

# A pause image without a registry: busybox-static whose only process sleeps, packed by podman
# in scratch storage as an OCI archive and imported into containerd's k8s.io namespace.
import_pause_image() {
    mkdir -p "$WORK/rootfs/bin" "$WORK/podman"/{graph,run,tmp}
    cp "$(command -v busybox)" "$WORK/rootfs/bin/busybox"
    ln -sf busybox "$WORK/rootfs/bin/sleep"
    tar -C "$WORK/rootfs" -cf "$WORK/rootfs.tar" .
    printf '[storage]\ndriver = "vfs"\ngraphroot = "%s"\nrunroot = "%s"\n' "$WORK/podman/graph" "$WORK/podman/run" >"$WORK/podman/storage.conf"
    printf '[engine]\ntmp_dir = "%s"\nevents_logger = "file"\n' "$WORK/podman/tmp" >"$WORK/podman/containers.conf"
    local podman_env=(env CONTAINERS_STORAGE_CONF="$WORK/podman/storage.conf" CONTAINERS_CONF="$WORK/podman/containers.conf")
    "${podman_env[@]}" podman import -q --change 'ENTRYPOINT ["/bin/sleep", "2147483647"]' \
        "$WORK/rootfs.tar" "$PAUSE_IMAGE" >/dev/null
    "${podman_env[@]}" podman save -q --format oci-archive -o "$WORK/pause.tar" "$PAUSE_IMAGE"
    ctr_ image import --all-platforms --snapshotter native "$WORK/pause.tar" >/dev/null
    rm -rf "$WORK/podman" "$WORK/rootfs" "$WORK/rootfs.tar"
}

# Pods a failed step left are removed through CRI (restarting containerd if it is down); shims
# still serving our socket (ours by that unique path) and pod processes we saw are ended by PID.
cleanup() {
    set +e
    [[ ${#BACKGROUND_PIDS[@]} -gt 0 ]] && kill "${BACKGROUND_PIDS[@]}" 2>/dev/null
    if [[ ${#SANDBOX[@]} -gt 0 ]]; then
        [[ -n $DAEMON ]] || start_containerd "${LAST_DIRS[@]}" >/dev/null
        remove_all_pods
    fi
    stop_containerd
    local cmdline pid
    for cmdline in /proc/[0-9]*/cmdline; do
        pid=${cmdline#/proc/}; pid=${pid%/cmdline}
        { tr '\0' ' ' <"$cmdline"; } 2>/dev/null | grep -qF -- "-address $SOCKET " && kill "$pid" 2>/dev/null
    done
    for pid in "${POD_PIDS[@]}"; do
        grep -qF 2147483647 "/proc/$pid/cmdline" 2>/dev/null && kill -KILL "$pid"
    done
    rm -rf "$WORK"
}

median() { tr -d '[] ' | tr ',' '\n' | sort -n | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
minimum() { tr -d '[] ' | tr ',' '\n' | sort -n | head -1; }

# RunPodSandbox wall time of sequential pods, nsbridge (no wrapper) against bridge + portmap +
# bandwidth. The two lists take turns in rounds, each on a freshly started containerd, so that
# a load change on a shared machine hits both alike.
compare_latency() {
    local rounds=${NSBRIDGE_CRI_BENCH_ROUNDS:-2} per_round=${NSBRIDGE_CRI_BENCH_PODS:-5} round ours="" reference="" times
    for round in $(seq 1 "$rounds"); do
        restart_containerd "$WORK/bin-plain" "$WORK/net.d" && times=$(cri bench "$per_round" "ours-$round") \
            || { fail "latency comparison" "$(tail -5 "$WORK/containerd.log")"; return 0; }
        ours+=${ours:+,}$(tr -d '[]' <<<"$times")
        restart_containerd "$WORK/bin-plain" "$WORK/net.d-ref" && times=$(cri bench "$per_round" "ref-$round") \
            || { fail "latency comparison" "$(tail -5 "$WORK/containerd.log")"; return 0; }
        reference+=${reference:+,}$(tr -d '[]' <<<"$times")
    done
    local count=$((rounds * per_round))
    echo "RunPodSandbox latency, $count sequential pods each, $rounds alternating rounds (ms):"
    printf '  %-42s median %7s  min %7s\n' "nsbridge (render-conflist.sh: one plugin)" "$(median <<<"$ours")" "$(minimum <<<"$ours")" \
        "bridge + portmap + bandwidth (reference)" "$(median <<<"$reference")" "$(minimum <<<"$reference")"
    awk -v a="$(median <<<"$ours")" -v b="$(median <<<"$reference")" 'BEGIN {printf "  median nsbridge / reference = %.2f\n", a / b}'
    echo "  nsbridge:  $ours"; echo "  reference: $reference"
    [[ -z $(ip -o link show type veth) ]] && pass "latency runs leave no veth" || fail "latency runs" "veth left"
}
