# hostPort and bandwidth scenarios of Tests/runtimes/cri.sh (sourced by cri.sh):
# both served by nsbridge itself through its portMappings and bandwidth capabilities, with no
# portmap or bandwidth plugin in the conflist. containerd sends Go field names (HostPort,
# ContainerPort, IngressRate, ...), which nsbridge matches as Go's encoding/json does.

# A one-file HTTP server inside a pod's namespace, ended by its PID.
serve_in_pod() {   # serve_in_pod POD PORT -> sets SERVER
    mkdir -p "$WORK/www" && echo "hello from $1" >"$WORK/www/index.html"
    local netns; netns=$(pod_field "$1" netns)
    # nsenter execs the server, so $! is the server itself.
    nsenter --net="$netns" /usr/bin/python3 -m http.server "$2" --bind 0.0.0.0 --directory "$WORK/www" >/dev/null 2>&1 &
    SERVER=$!
    BACKGROUND_PIDS+=("$SERVER")
    local _
    for _ in $(seq 1 50); do grep -q ":$2 " <(in_pod "$1" ss -ltn) && return 0; sleep 0.1; done
    return 1
}

host_port() {
    run_pod pod-web --port tcp:18080:80 || { fail "RunPodSandbox with port_mappings" "see above"; return 0; }
    local id=${SANDBOX[pod-web]}
    grep "^ADD $id " "$WORK/cni.log" | grep -q '"portMappings":\[{"HostPort":18080,"ContainerPort":80' \
        && pass "containerd sends portMappings with Go field names" \
        || fail "portMappings in runtimeConfig" "$(grep "^ADD $id " "$WORK/cni.log")"
    serve_in_pod pod-web 80 || { fail "http server in pod-web" "did not listen"; return 0; }
    curl -sf --max-time 3 "http://$(pod_field pod-web ip):80/" | grep -q 'hello from pod-web' \
        && pass "the pod's server answers on the pod's address" || fail "server in pod-web" "no answer on port 80"
    curl -sf --max-time 3 "http://$NODE_IP:18080/" | grep -q 'hello from pod-web' \
        && pass "hostPort reachable from the node at its address" || fail "hostPort from the node" "$NODE_IP:18080"
    curl -sf --max-time 3 "http://127.0.0.1:18080/" | grep -q 'hello from pod-web' \
        && pass "hostPort reachable from the node at localhost" || fail "hostPort from localhost" "127.0.0.1:18080"
    in_pod pod-a curl -sf --max-time 3 "http://$NODE_IP:18080/" | grep -q 'hello from pod-web' \
        && pass "hostPort reachable from another pod" || fail "hostPort from pod-a" "$NODE_IP:18080"
    kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
    cri stop "$id" && cri remove "$id" && unset "SANDBOX[pod-web]"
    # grep reads from a process substitution: with pipefail, an early exit of grep -q in a pipe
    # could turn a match into a failure.
    grep -q 18080 <(nft list ruleset 2>/dev/null) && fail "hostPort teardown" "18080 still in the ruleset" \
        || pass "the hostPort mapping is gone after stop and remove"
}

# kubernetes.io/{ingress,egress}-bandwidth in bits per second. containerd 1.6 sends each rate with
# a burst of 2^32-1 bits (512 MiB), so a transfer runs at line rate until that bucket is empty:
# the qdisc is read back first, then iperf3 from the node into the pod must average about
# 2 Mbit/s once the burst is spent.
bandwidth_annotations() {
    run_pod pod-slow --annotation kubernetes.io/ingress-bandwidth=2M --annotation kubernetes.io/egress-bandwidth=2M \
        || { fail "RunPodSandbox with bandwidth annotations" "see above"; return 0; }
    local id=${SANDBOX[pod-slow]} ip host_veth
    ip=$(pod_field pod-slow ip)
    grep "^ADD $id " "$WORK/cni.log" | grep -q '"bandwidth":{"IngressRate":2000000' \
        && pass "containerd sends bandwidth with Go field names" \
        || fail "bandwidth in runtimeConfig" "$(grep "^ADD $id " "$WORK/cni.log")"
    # eth0@ifN: N is the host end's index (sysfs would show the host's namespace, not the pod's).
    local peer; peer=$(in_pod pod-slow ip -o link show eth0 | sed -n 's/^[0-9]*: eth0@if\([0-9]*\):.*/\1/p')
    host_veth=$(ip -o link show | awk -F': ' -v idx="$peer" '$1 == idx {sub(/@.*/, "", $2); print $2}')
    tc -j qdisc show dev "$host_veth" | jq -e 'any(.[]; .kind == "tbf" and .options.rate == 250000)' >/dev/null \
        && pass "a 2 Mbit/s tbf shapes traffic into the pod on its host veth ($host_veth)" \
        || fail "ingress qdisc" "$(tc qdisc show dev "$host_veth")"
    in_pod pod-slow iperf3 -s -1 -D -p 5201 -I "$WORK/iperf3.pid" >/dev/null 2>&1; sleep 0.3
    local bps
    # The tbf sends the burst at once, then TCP moves in bursts as the queue drains; the mean
    # after the first two seconds is the shaped rate (unshaped it is in Gbit/s).
    bps=$(iperf3 -c "$ip" -p 5201 -t "${NSBRIDGE_CRI_SHAPING_SECONDS:-20}" -i 1 -J 2>/dev/null \
        | jq -r '[.intervals[2:][].sum.bits_per_second] | if length > 0 then add / length else 0 end')
    { [[ -s $WORK/iperf3.pid ]] && kill "$(cat "$WORK/iperf3.pid")"; } 2>/dev/null || true
    awk -v b="$bps" 'BEGIN {exit !(b > 0 && b < 4000000)}' \
        && pass "once the burst is spent, traffic into the pod averages $(printf '%.0f' "$bps") bit/s for 2M" \
        || fail "shaping" "$bps bit/s after the burst for a 2M annotation"
    cri stop "$id" && cri remove "$id" && unset "SANDBOX[pod-slow]"
}
