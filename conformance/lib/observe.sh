# shellcheck shell=bash
# Independent observation of what a plugin did: only `ip -j`, `nft -j`, the
# IPAM data directory and real packets. Nothing here trusts the plugin's output.
#
# Uses NS_HOST (lib/netns.sh) as the host side.
#
# Public functions:
#   obs_link NETNS IFNAME          ip -j link JSON object of IFNAME, or nothing
#   obs_mac NETNS IFNAME           its MAC address
#   obs_addrs NETNS IFNAME         its global addresses as addr/prefix, one a line
#   obs_routes NETNS               "dst via gw" lines of the main table
#   obs_host_peer NETNS IFNAME     name of the host-side veth whose peer is IFNAME
#   obs_bridge_ports BRIDGE        names of the links enslaved to BRIDGE (host)
#   obs_ipam_files DATADIR CID [IFNAME]
#                                  reservation files owned by CID(/IFNAME)
#   obs_reserved_ips DATADIR       every reserved IP, whoever owns it
#   obs_ruleset                    `nft -j list ruleset` of the host netns
#   obs_ruleset_mentions WORD...   true (and prints the word) if the host ruleset
#                                  contains any WORD as a whole token (an IP or an ID)
#   ping_ok NETNS ADDR             one ping, 1 s timeout

obs_link() {
    in_ns "$1" ip -j link show dev "$2" 2>/dev/null | jq -c '.[0] // empty' 2>/dev/null || true
}

obs_mac() {
    in_ns "$1" ip -j link show dev "$2" 2>/dev/null | jq -r '.[0].address // empty' 2>/dev/null || true
}

obs_addrs() {
    in_ns "$1" ip -j addr show dev "$2" scope global 2>/dev/null |
        jq -r '.[0].addr_info[]? | select(.local) | "\(.local)/\(.prefixlen)"' 2>/dev/null || true
}

obs_routes() {
    in_ns "$1" ip -j route show table main 2>/dev/null |
        jq -r '.[] | "\(.dst) via \(.gateway // "-") dev \(.dev)"' || true
    in_ns "$1" ip -j -6 route show table main 2>/dev/null |
        jq -r '.[] | "\(.dst) via \(.gateway // "-") dev \(.dev)"' || true
}

# The container end of a veth reports its peer's ifindex as link_index; the
# host link with that ifindex, pointing back at the container ifindex, is the peer.
obs_host_peer() {
    local c peer_idx own_idx
    c=$(obs_link "$1" "$2")
    [[ -n "$c" ]] || return 0
    peer_idx=$(jq -r '.link_index // empty' <<<"$c")
    own_idx=$(jq -r '.ifindex' <<<"$c")
    [[ -n "$peer_idx" ]] || return 0
    in_host ip -j link show 2>/dev/null | jq -r --argjson p "$peer_idx" --argjson o "$own_idx" \
        '.[] | select(.ifindex == $p and .link_index == $o) | .ifname'
}

obs_bridge_ports() {
    in_host ip -j link show master "$1" 2>/dev/null | jq -r '.[].ifname' 2>/dev/null || true
}

# host-local layout: <dataDir>/<network>/<ip> holding "<cid>\r\n<ifname>"
# (older files hold only "<cid>"). Any other file whose name contains the
# container ID (a plugin's own index, say) also counts as owned by it.
obs_ipam_files() {
    local dir=$1 cid=$2 ifname=${3:-} f content
    [[ -d "$dir" ]] || return 0
    while IFS= read -r -d '' f; do
        case ${f##*/} in lock | last_reserved_ip.*) continue ;; esac
        if [[ "${f##*/}" == *"$cid"* ]]; then
            [[ -z "$ifname" || "${f##*/}" == *"$ifname"* ]] && echo "$f"
            continue
        fi
        content=$(tr -d '\r' <"$f" | head -c 4096)
        local owner=${content%%$'\n'*} ifn=""
        [[ "$content" == *$'\n'* ]] && ifn=${content#*$'\n'}
        [[ "$owner" == "$cid" ]] || continue
        [[ -z "$ifname" || -z "$ifn" || "$ifn" == "$ifname" ]] && echo "$f"
    done < <(find "$dir" -type f -print0)
    return 0
}

# obs_reserved_ips DATADIR -> every reserved IP, whoever owns it: the files
# <dataDir>/<network>/<ip> of the host-local layout.
obs_reserved_ips() {
    [[ -d "$1" ]] || return 0
    find "$1" -mindepth 2 -maxdepth 2 -type f ! -name lock ! -name 'last_reserved_ip.*' -printf '%f\n'
}

obs_ruleset() {
    in_host nft -j list ruleset 2>/dev/null || echo '{}'
}

# Token match so that 10.0.0.2 is not found inside 10.0.0.20 (or an ID inside
# a longer one): the characters around a hit must not continue an IP/ID.
obs_ruleset_mentions() {
    local rules word esc
    rules=$(obs_ruleset)
    for word in "$@"; do
        [[ -n "$word" ]] || continue
        esc=$(sed 's/[.[\*^$]/\\&/g' <<<"$word")
        if grep -Eq "(^|[^0-9A-Za-z:._-])${esc}([^0-9A-Za-z:_-]|$|\.[^0-9])" <<<"$rules"; then
            echo "$word"
            return 0
        fi
    done
    return 1
}

# ping from iputils if present, else busybox (Debian's busybox has it).
if command -v ping >/dev/null 2>&1; then
    _PING=(ping)
else
    _PING=(busybox ping)
fi

ping_ok() {
    in_ns "$1" "${_PING[@]}" -c1 -W1 "$2" >/dev/null 2>&1
}
