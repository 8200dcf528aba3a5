#!/bin/sh
# Entrypoint of the nsbridge installer image (Containerfile): installs the plugin and its
# conflist on the node whose directories are mounted at /host, then optionally stays running.
#
#   install-cni.sh [--sleep]
#
# Environment:
#   CLUSTER_CIDR  the whole pod network, never masqueraded (required)
#   POD_CIDR      this node's spec.podCIDR; when unset, read from the API server for NODE_NAME
#   NODE_NAME     this node (the DaemonSet passes spec.nodeName)
#   CNI_VERSION   cniVersion of the conflist: 1.0.0 (default) or 1.1.0 (STATUS and GC)
#   CNI_BIN_DIR   default /host/opt/cni/bin;  CNI_CONF_DIR  default /host/etc/cni/net.d
#   CNI_CONF_NAME default 10-nsbridge.conflist
#
# Both files are written to a temporary name in the target directory and renamed over the old
# one, so a runtime never executes a half-copied binary or reads a half-written conflist. A file
# that already has the wanted content is left alone (same inode, same mtime), so re-running the
# installer on every pod restart does not make the runtime reload its configuration.
set -eu
here=/usr/local/lib/nsbridge
bin_dir=${CNI_BIN_DIR:-/host/opt/cni/bin}
conf_dir=${CNI_CONF_DIR:-/host/etc/cni/net.d}
conf_name=${CNI_CONF_NAME:-10-nsbridge.conflist}
cluster_cidr=${CLUSTER_CIDR:?CLUSTER_CIDR must name the whole pod network}

# The node object's spec.podCIDR, fetched with the pod's service-account token. busybox's wget
# does not check the server certificate against the cluster CA: set POD_CIDR where that matters.
pod_cidr_from_api() {
    sa=/var/run/secrets/kubernetes.io/serviceaccount
    [ -n "${NODE_NAME:-}" ] && [ -r "$sa/token" ] || { echo "install-cni: set POD_CIDR, or NODE_NAME in a pod with a service account" >&2; exit 1; }
    wget -q -O - --header "Authorization: Bearer $(cat "$sa/token")" \
        "https://${KUBERNETES_SERVICE_HOST:-kubernetes.default.svc}:${KUBERNETES_SERVICE_PORT:-443}/api/v1/nodes/$NODE_NAME" \
        | tr -d '\n ' | sed -n 's/.*"podCIDR":"\([^"]*\)".*/\1/p'
}

# place SOURCE TARGET MODE: atomic replace unless TARGET already holds SOURCE's bytes.
place() {
    if cmp -s "$1" "$2"; then echo "install-cni: $2 is up to date"; return 0; fi
    tmp=$(dirname "$2")/.$(basename "$2").tmp.$$
    cp "$1" "$tmp" && chmod "$3" "$tmp" && mv -f "$tmp" "$2" || { rm -f "$tmp"; exit 1; }
    echo "install-cni: installed $2"
}

pod_cidr=${POD_CIDR:-$(pod_cidr_from_api)}
[ -n "$pod_cidr" ] || { echo "install-cni: node ${NODE_NAME:-?} has no spec.podCIDR" >&2; exit 1; }
mkdir -p "$bin_dir" "$conf_dir"
place "$here/nsbridge" "$bin_dir/nsbridge" 0755
rendered=$(mktemp)
trap 'rm -f "$rendered"' EXIT
sh "$here/render-conflist.sh" --cni-version "${CNI_VERSION:-1.0.0}" "$pod_cidr" "$cluster_cidr" >"$rendered"
place "$rendered" "$conf_dir/$conf_name" 0644
rm -f "$rendered"
# As the DaemonSet's container: stay up (so a new image version re-installs on a rolling update)
# and stop at once on SIGTERM, which a shell that is PID 1 would otherwise ignore.
if [ "${1:-}" = --sleep ]; then
    trap 'exit 0' TERM INT
    while :; do sleep 3600 & wait $!; done
fi
