# shellcheck shell=bash
# Assertions for conformance cases. A case runs in its own subshell; `fail`
# records "expected X, saw Y" in $CASE_DIR/fail and ends the subshell.
#
#   fail MSG                         end the case as failed
#   expect_ok WHAT                   last cni_* call exited 0 (and printed no error)
#   expect_silent WHAT               ...and printed nothing on stdout (DEL/CHECK/STATUS/GC)
#   expect_error WHAT [CODE]         last call failed with a well-formed error object
#                                    on stdout (and that code, if given)
#   expect_refused WHAT              failed with a well-formed error, any code
#   expect_eq WHAT EXPECTED SAW      plain string comparison

fail() {
    # Keep the first reason: a fail inside $(...) only ends that subshell, and
    # the caller's ERR trap then calls fail again with a vaguer message.
    [[ -e "$CASE_DIR/fail" ]] || printf '%s\n' "$*" >"$CASE_DIR/fail"
    exit 1
}

# Shortened stdout/stderr for messages.
_cni_said() {
    local s=${CNI_OUT:-$CNI_ERR}
    s=${s//$'\n'/ }
    printf '%s' "${s:0:200}"
}

expect_ok() {
    [[ $CNI_RC -eq 0 ]] || fail "expected $1 to succeed, saw exit $CNI_RC: $(_cni_said)"
}

expect_silent() {
    expect_ok "$1"
    [[ -z "${CNI_OUT//[[:space:]]/}" ]] || fail "expected $1 to print nothing on stdout, saw: $(_cni_said)"
}

# Spec: on failure exit non-zero and print exactly one JSON object with an
# integer "code" and a string "msg" on stdout (logs belong on stderr).
_error_shape() {
    [[ -n "${CNI_OUT//[[:space:]]/}" ]] || { echo "empty stdout (stderr: ${CNI_ERR:0:120})"; return 0; }
    jq -e -s 'length == 1 and (.[0] | type == "object" and (.code | type == "number")
              and (.code == (.code | floor)) and (.msg | type == "string"))' \
        <<<"$CNI_OUT" >/dev/null 2>&1 || echo "stdout is not one error object: $(_cni_said)"
}

expect_error() {
    local what=$1 code=${2:-} shape seen
    [[ $CNI_RC -ne 0 ]] || fail "expected $what to fail${code:+ with code $code}, saw exit 0: $(_cni_said)"
    shape=$(_error_shape)
    [[ -z "$shape" ]] || fail "expected $what to print an error object on stdout, saw $shape"
    if [[ -n "$code" ]]; then
        seen=$(jq -r '.code' <<<"$CNI_OUT")
        [[ "$seen" == "$code" ]] || fail "expected $what to fail with code $code, saw code $seen: $(_cni_said)"
    fi
    return 0
}

expect_refused() { expect_error "$1"; }

expect_eq() {
    [[ "$2" == "$3" ]] || fail "expected $1 = ${2:-<empty>}, saw ${3:-<empty>}"
}
