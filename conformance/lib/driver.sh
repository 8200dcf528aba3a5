# shellcheck shell=bash
# Drive a CNI plugin binary exactly as a runtime (libcni) does.
#
# Settings (set before calling; run.sh and the examples do this):
#   CNI_PLUGIN       path of the plugin binary under test
#   CNI_PLUGIN_TYPE  the netconf "type" that maps to CNI_PLUGIN (other types are
#                    looked up in CNI_PATH_DIRS, e.g. host-local or portmap)
#   CNI_PATH_DIRS    value passed as CNI_PATH (':'-separated)
#   CNI_HOST_NETNS   netns path the plugin runs in ("" = the caller's netns)
#   CNI_WORK         scratch directory for captured output (default: /tmp)
#
# After every call: CNI_RC (exit status), CNI_OUT (stdout), CNI_ERR (stderr),
# CNI_MS (wall time in milliseconds).
#
# Public functions:
#   cni_invoke BIN STDIN VAR=VALUE...   run BIN with exactly these CNI_* variables
#   cni_exec VERB CID IFNAME NETNS CONFIG [CNI_ARGS]
#                                       runtime-style call of CNI_PLUGIN; pass "-"
#                                       for CID/IFNAME/NETNS to leave the variable
#                                       unset ("" sets it empty)
#   cni_netconf NAME VERSION PLUGIN_JSON [PREV_RESULT] [CAP_ARGS]
#                                       print the request config libcni would build
#   cni_version_info                    VERSION call; prints the supportedVersions list
#   cni_list_add|cni_list_check|cni_list_del CONFLIST CID IFNAME NETNS [CNI_ARGS] [CAP_ARGS]
#                                       run a whole conflist like libcni; ADD leaves the
#                                       final result in CNI_RESULT, CHECK/DEL read it.

: "${CNI_HOST_NETNS:=}"
: "${CNI_WORK:=/tmp}"
: "${CNI_PLUGIN_TYPE:=}"
CNI_RC=0 CNI_OUT="" CNI_ERR="" CNI_MS=0 CNI_RESULT=""

# A fixed, minimal environment: runtimes run DEL from cleanup processes with
# almost nothing set, and a plugin must not depend on the caller's variables.
CNI_EXEC_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# cni_invoke BIN STDIN VAR=VALUE...
cni_invoke() {
    local bin=$1 stdin=$2; shift 2
    local base="$CNI_WORK/exec.$BASHPID"
    local -a ns_prefix=()
    [[ -n "$CNI_HOST_NETNS" ]] && ns_prefix=(nsenter --net="$CNI_HOST_NETNS" --)
    local t0=$EPOCHREALTIME
    CNI_RC=0
    "${ns_prefix[@]}" env -i PATH="$CNI_EXEC_PATH" "$@" "$bin" \
        <<<"$stdin" >"$base.out" 2>"$base.err" || CNI_RC=$?
    local t1=$EPOCHREALTIME
    CNI_MS=$(( (10#${t1//[.,]/} - 10#${t0//[.,]/}) / 1000 ))  # µs -> ms, any locale
    CNI_OUT=$(<"$base.out")
    CNI_ERR=$(<"$base.err")
    rm -f "$base.out" "$base.err"
    return 0
}

# _cni_env VERB CID IFNAME NETNS [CNI_ARGS] -> fills the array CNI_ENV
_cni_env() {
    CNI_ENV=("CNI_COMMAND=$1" "CNI_PATH=$CNI_PATH_DIRS")
    [[ "$2" != "-" ]] && CNI_ENV+=("CNI_CONTAINERID=$2")
    [[ "$3" != "-" ]] && CNI_ENV+=("CNI_IFNAME=$3")
    [[ "$4" != "-" ]] && CNI_ENV+=("CNI_NETNS=$4")
    [[ $# -ge 5 ]] && CNI_ENV+=("CNI_ARGS=$5")
    return 0
}

# cni_exec VERB CID IFNAME NETNS CONFIG [CNI_ARGS]
cni_exec() {
    local verb=$1 cid=$2 ifname=$3 netns=$4 config=$5
    _cni_env "$verb" "$cid" "$ifname" "$netns" "${@:6}"
    cni_invoke "$CNI_PLUGIN" "$config" "${CNI_ENV[@]}"
}

# cni_netconf NAME VERSION PLUGIN_JSON [PREV_RESULT] [CAP_ARGS]
# Mirrors libcni's buildOneConfig: inject name and cniVersion, prevResult when
# given, and runtimeConfig = the capability args the plugin declared in
# "capabilities" (only those, and only when there is at least one).
cni_netconf() {
    local name=$1 version=$2 plugin=$3 prev=${4:-null} caps=${5:-null}
    [[ -n "$prev" ]] || prev=null
    [[ -n "$caps" ]] || caps=null
    jq -c --arg name "$name" --arg v "$version" \
        --argjson prev "$prev" --argjson caps "$caps" '
        .name = $name | .cniVersion = $v
        | if $prev != null then .prevResult = $prev else . end
        | (.capabilities // {}) as $declared
        | (($caps // {}) | with_entries(select($declared[.key] == true))) as $rc
        | if ($rc | length) > 0 then .runtimeConfig = $rc else . end' <<<"$plugin"
}

# cni_version_info [STDIN_VERSION] -> prints supportedVersions, space separated.
# Sends exactly what Podman sends (dummy variables, empty container id).
cni_version_info() {
    cni_invoke "$CNI_PLUGIN" "{\"cniVersion\":\"${1:-1.0.0}\"}" \
        CNI_COMMAND=VERSION CNI_CONTAINERID= CNI_NETNS=dummy CNI_IFNAME=dummy CNI_PATH=dummy
    [[ $CNI_RC -eq 0 ]] || return 1
    jq -er '.supportedVersions | join(" ")' <<<"$CNI_OUT"
}

# cni_find_plugin TYPE -> path of the binary for a netconf "type"
cni_find_plugin() {
    local type=$1 dir
    if [[ -n "$CNI_PLUGIN_TYPE" && "$type" == "$CNI_PLUGIN_TYPE" ]]; then
        echo "$CNI_PLUGIN"; return 0
    fi
    local IFS=:
    for dir in $CNI_PATH_DIRS; do
        [[ -x "$dir/$type" ]] && { echo "$dir/$type"; return 0; }
    done
    return 1
}

_cni_list_version() { jq -r '.cniVersion' <<<"$1"; }

# _cni_list_call VERB LIST INDEX CID IFNAME NETNS PREV CNI_ARGS CAP_ARGS
_cni_list_call() {
    local verb=$1 list=$2 idx=$3 cid=$4 ifname=$5 netns=$6 prev=$7 args=$8 caps=$9
    local plugin name version type bin conf
    plugin=$(jq -c ".plugins[$idx]" <<<"$list")
    name=$(jq -r '.name' <<<"$list")
    version=$(_cni_list_version "$list")
    type=$(jq -r '.type' <<<"$plugin")
    bin=$(cni_find_plugin "$type") || {
        CNI_RC=127 CNI_OUT="" CNI_ERR="plugin type $type not found in $CNI_PATH_DIRS"
        return 0
    }
    conf=$(cni_netconf "$name" "$version" "$plugin" "$prev" "$caps")
    _cni_env "$verb" "$cid" "$ifname" "$netns" "$args"
    cni_invoke "$bin" "$conf" "${CNI_ENV[@]}"
}

# cni_list_add CONFLIST CID IFNAME NETNS [CNI_ARGS] [CAP_ARGS]
# Runs every plugin in order, each getting the previous result as prevResult.
# Stops at the first failure (CNI_RC != 0). Final result in CNI_RESULT.
cni_list_add() {
    local list=$1 cid=$2 ifname=$3 netns=$4 args=${5:-} caps=${6:-null}
    local n i prev=null
    n=$(jq '.plugins | length' <<<"$list")
    CNI_RESULT=""
    for ((i = 0; i < n; i++)); do
        _cni_list_call ADD "$list" "$i" "$cid" "$ifname" "$netns" "$prev" "$args" "$caps"
        [[ $CNI_RC -eq 0 ]] || { CNI_FAILED_PLUGIN=$i; return 0; }
        prev=$CNI_OUT
    done
    CNI_RESULT=$prev
}

# cni_list_check CONFLIST CID IFNAME NETNS [CNI_ARGS] [CAP_ARGS]  (uses CNI_RESULT)
cni_list_check() {
    local list=$1 cid=$2 ifname=$3 netns=$4 args=${5:-} caps=${6:-null}
    local n i
    n=$(jq '.plugins | length' <<<"$list")
    for ((i = 0; i < n; i++)); do
        _cni_list_call CHECK "$list" "$i" "$cid" "$ifname" "$netns" "$CNI_RESULT" "$args" "$caps"
        [[ $CNI_RC -eq 0 ]] || { CNI_FAILED_PLUGIN=$i; return 0; }
    done
}

# cni_list_del CONFLIST CID IFNAME NETNS [CNI_ARGS] [CAP_ARGS]  (uses CNI_RESULT)
# Reverse order, stopping at the first failure, as libcni's DelNetworkList does;
# like libcni, prevResult is only sent for versions >= 0.4.0.
cni_list_del() {
    local list=$1 cid=$2 ifname=$3 netns=$4 args=${5:-} caps=${6:-null}
    local n i prev=null
    n=$(jq '.plugins | length' <<<"$list")
    ver_ge "$(_cni_list_version "$list")" 0.4.0 && prev=${CNI_RESULT:-null}
    for ((i = n - 1; i >= 0; i--)); do
        _cni_list_call DEL "$list" "$i" "$cid" "$ifname" "$netns" "$prev" "$args" "$caps"
        [[ $CNI_RC -eq 0 ]] || { CNI_FAILED_PLUGIN=$i; return 0; }
    done
}

# ver_ge A B: true if version A >= version B
ver_ge() {
    [[ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" == "$2" ]]
}
