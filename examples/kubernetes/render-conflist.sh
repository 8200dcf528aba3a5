#!/bin/sh
# Prints the nsbridge conflist for one Kubernetes node, as kubenet and flannel derive theirs from
# the node's pod CIDR.
#
#   render-conflist.sh [--cni-version VERSION] POD_CIDR CLUSTER_CIDR [DATA_DIR]
#
# POD_CIDR is the node's spec.podCIDR (e.g. 10.244.1.0/24), CLUSTER_CIDR the whole pod network
# (e.g. 10.244.0.0/16). Pods get addresses from POD_CIDR behind the bridge cni0, whose address
# (the first host) is their default gateway. Traffic to other pods (CLUSTER_CIDR) keeps the pod's
# address, so nodes route pod CIDRs to each other (host-gw style); only traffic leaving the
# cluster is masqueraded to the node's address.
#
# nsbridge serves hostPort (portMappings) and the bandwidth annotations itself, so the list has
# no portmap or bandwidth plugin. The default cniVersion 1.0.0 suits any libcni from 1.0 on;
# --cni-version 1.1.0 lets a libcni that speaks 1.1 (containerd 2.0, CRI-O 1.30) send STATUS and GC.
# POSIX sh: the installer image (Containerfile) runs it with busybox.
set -eu
usage="usage: render-conflist.sh [--cni-version VERSION] POD_CIDR CLUSTER_CIDR [DATA_DIR]"
cni_version=1.0.0
if [ "${1:-}" = --cni-version ]; then cni_version=${2:?$usage}; shift 2; fi
case $cni_version in
    1.0.0|1.1.0) ;;
    *) echo "render-conflist.sh: --cni-version must be 1.0.0 or 1.1.0, not '$cni_version'" >&2; exit 2 ;;
esac
pod_cidr=${1:?$usage}
cluster_cidr=${2:?$usage}
data_dir=${3:-/var/lib/cni/networks}

cat <<JSON
{
  "cniVersion": "$cni_version",
  "name": "k8s-pod-network",
  "plugins": [
    {
      "type": "nsbridge",
      "bridge": "cni0",
      "isGateway": true,
      "isDefaultGateway": true,
      "hairpinMode": true,
      "ipMasq": true,
      "ipMasqExclude": ["$cluster_cidr"],
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "$pod_cidr"}]],
        "dataDir": "$data_dir"
      },
      "capabilities": {"portMappings": true, "bandwidth": true}
    }
  ]
}
JSON
