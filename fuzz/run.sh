#!/usr/bin/env bash
# Builds the fuzz targets and runs each for FUZZ_SECONDS (default 60), starting from the
# committed seeds in fuzz/corpus/<target> plus whatever earlier runs learned (kept under
# .build/fuzz/corpus-<target>). A crash stops the run with its input saved under
# .build/fuzz/crashes/, and the script fails: turn the input into a regression test.
# Usage: fuzz/run.sh [target ...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
out=.build/fuzz
fuzz/build.sh "$@"
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
    for file in fuzz/targets/*.swift; do targets+=("$(basename "$file" .swift)"); done
fi
mkdir -p "$out/crashes"
failed=()
for target in "${targets[@]}"; do
    mkdir -p "$out/corpus-$target"
    echo "fuzz: $target for ${seconds}s"
    if ! "$out/$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$out/crashes/$target-" "$out/corpus-$target" "fuzz/corpus/$target" \
        > "$out/$target.log" 2>&1; then
        failed+=("$target")
        grep -E 'ERROR|Fatal error|SUMMARY|Test unit written' "$out/$target.log" >&2 || tail -20 "$out/$target.log" >&2
    fi
    grep -E '^Done|stat::number_of_executed_units' "$out/$target.log" | head -1
done
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "fuzz: crashes in: ${failed[*]} (inputs in $out/crashes)" >&2
    exit 1
fi
echo "fuzz: no crash in ${#targets[@]} targets"
