#!/usr/bin/env bash
# Prints the nsbridge conflist for one Kubernetes node, as kubenet and flannel derive theirs from
# the node's pod CIDR.
#
#   render-conflist.sh POD_CIDR CLUSTER_CIDR [DATA_DIR]
#
# POD_CIDR is the node's spec.podCIDR (e.g. 10.244.1.0/24), CLUSTER_CIDR the whole pod network
# (e.g. 10.244.0.0/16). Pods get addresses from POD_CIDR behind the bridge cni0, whose address
# (the first host) is their default gateway. Traffic to other pods (CLUSTER_CIDR) keeps the pod's
# address, so nodes route pod CIDRs to each other (host-gw style); only traffic leaving the
# cluster is masqueraded to the node's address.
set -euo pipefail
pod_cidr=${1:?usage: render-conflist.sh POD_CIDR CLUSTER_CIDR [DATA_DIR]}
cluster_cidr=${2:?usage: render-conflist.sh POD_CIDR CLUSTER_CIDR [DATA_DIR]}
data_dir=${3:-/var/lib/cni/networks}

cat <<JSON
{
  "cniVersion": "1.0.0",
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
      }
    },
    {
      "type": "portmap",
      "capabilities": {"portMappings": true}
    }
  ]
}
JSON
