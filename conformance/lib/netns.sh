# shellcheck shell=bash
# Namespace holders for driving CNI plugins without touching the real host.
#
# Every namespace this library creates is a named netns (`ip netns add`), so its
# path looks like what Podman passes (/run/netns/<name>) and it survives without
# a holder process. Names are `<NS_PREFIX>-<pid>-<label>`; each one is recorded
# in NS_REGISTRY so that ns_cleanup_all can remove exactly what we made, even
# when a case died half-way or the user pressed Ctrl-C.
#
# Public functions:
#   ns_init                      set up the registry (call once, before anything else)
#   ns_create LABEL              create a netns, print its path
#   ns_delete PATH_OR_NAME       delete one netns we created (no error if gone)
#   ns_host_create               create the throwaway "host" netns; sets NS_HOST
#   in_ns PATH CMD...            run CMD with its network namespace switched to PATH
#   in_host CMD...               in_ns "$NS_HOST" CMD...
#   ns_cleanup_all               delete every netns recorded in the registry

: "${NS_PREFIX:=cnct}"
NS_HOST=""

ns_init() {
    NS_REGISTRY=${NS_REGISTRY:-$(mktemp "/tmp/${NS_PREFIX}-netns.XXXXXX")}
    export NS_REGISTRY
}

# ns_create LABEL -> prints /run/netns/<name>
ns_create() {
    local name="${NS_PREFIX}-$$-$1"
    # A stale namespace of the same name can only be ours (the pid is in the name).
    ip netns del "$name" 2>/dev/null || true
    ip netns add "$name" >&2 || return 1
    echo "$name" >>"$NS_REGISTRY"
    ip netns exec "$name" ip link set lo up
    echo "/run/netns/$name"
}

ns_delete() {
    local name=${1##*/}
    ip netns del "$name" 2>/dev/null || true
}

ns_host_create() {
    NS_HOST=$(ns_create "${1:-host}")
}

# nsenter switches only the network namespace: the plugin still sees the real
# filesystem (CNI_PATH, the data dir, /run/netns paths), as it would on a host.
in_ns() {
    local path=$1; shift
    nsenter --net="$path" -- "$@"
}

in_host() {
    in_ns "$NS_HOST" "$@"
}

ns_cleanup_all() {
    [[ -n "${NS_REGISTRY:-}" && -f "$NS_REGISTRY" ]] || return 0
    local name
    while read -r name; do
        [[ -n "$name" ]] && { ip netns del "$name" 2>/dev/null || true; }
    done <"$NS_REGISTRY"
    : >"$NS_REGISTRY"
}

# ns_forget_registry: remove the registry file itself (end of run).
ns_forget_registry() {
    [[ -n "${NS_REGISTRY:-}" ]] && rm -f "$NS_REGISTRY"
    return 0
}
