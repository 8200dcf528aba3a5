#!/usr/bin/env bash
# Cost of the tenancy guards: the same nsbridge binary on the same netconf, with
# ipspoofchk + macspoofchk + isolate on one side ("nsbridge") and without them on the
# other ("reference"), interleaved call by call as run.sh does. Read the ratio column as
# "with guards / without". The scale rows show nft rule counts at 1, 100 and 1,000
# containers, which must not grow. Other options are passed on to run.sh.
# Serialize with the other engineers: flock /tmp/nsbridge-bench.lock conformance/bench/tenancy.sh
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
binary="$here/../../.build/release/nsbridge"
exec "$here/run.sh" --nsbridge "$binary" --reference "$binary" --reference-type nsbridge \
    --nsbridge-extra '{"ipspoofchk": true, "macspoofchk": true, "isolate": true}' \
    --only seq-masq,scale "$@"
