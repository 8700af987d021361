#!/usr/bin/env bash
# tests/fuzz.sh BUILD_DIR [SECONDS [TARGET...]] — run the libFuzzer targets of a fuzz build
# (configured with -DIPCBENCH_FUZZ=ON, see fuzz/CMakeLists.txt), each for SECONDS (default 60),
# one after the other, over a copy of its seeds in tests/fuzz/<target>/ (with the dictionary
# tests/fuzz/<target>.dict where there is one). Targets: options sizes ack_parser serve_conn
# (default: all). ctest -L fuzz runs each through this script for 10 s.
#
# Exit status 0 when no target found anything; 1 when one did: its input is kept in
# BUILD_DIR/fuzz-findings/ (rerun it with `BUILD_DIR/fuzz/fuzz_TARGET FILE`); 2 for bad usage.
# The corpus a run grows lives in a temporary directory, removed at the end.
set -euo pipefail

usage="usage: tests/fuzz.sh BUILD_DIR [SECONDS [TARGET...]]"
repo=$(cd "$(dirname "$0")/.." && pwd)
all_targets=(options sizes ack_parser serve_conn)

case "${1:-}" in
-h | --help) echo "$usage"; exit 0 ;;
"") echo "fuzz.sh: a build directory is needed; $usage" >&2; exit 2 ;;
esac
build=$1
seconds=${2:-60}
shift $(( $# < 2 ? $# : 2 ))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

if ! [[ $seconds =~ ^[1-9][0-9]*$ ]]; then
        echo "fuzz.sh: SECONDS '$seconds' is not a whole number of seconds above 0, e.g. 60" >&2
        exit 2
fi
for t in "${targets[@]}"; do
        if [ ! -d "$repo/tests/fuzz/$t" ]; then
                echo "fuzz.sh: target '$t' has no seeds in tests/fuzz/; targets: ${all_targets[*]}" >&2
                exit 2
        fi
        if [ ! -x "$build/fuzz/fuzz_$t" ]; then
                echo "fuzz.sh: $build/fuzz/fuzz_$t is not built; configure with -DCMAKE_C_COMPILER=clang" \
                     "-DIPCBENCH_SANITIZE=address,undefined -DIPCBENCH_FUZZ=ON and build" >&2
                exit 2
        fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/ipcbench-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
findings="$build/fuzz-findings"
mkdir -p "$findings"

status=0
for t in "${targets[@]}"; do
        cp -R "$repo/tests/fuzz/$t" "$work/$t"
        args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$findings/$t-")
        [ -f "$repo/tests/fuzz/$t.dict" ] && args+=(-dict="$repo/tests/fuzz/$t.dict")
        # libFuzzer's own exit status (77 for a crash, 70 for a timeout) would read as a skip
        # to ctest for 77: any failure is 1 here.
        if "$build/fuzz/fuzz_$t" "${args[@]}" "$work/$t" >"$work/$t.log" 2>&1; then
                echo "fuzz.sh: $t: $(grep -Eo 'Done [0-9]+ runs in [0-9]+ second\(s\)' "$work/$t.log" || echo 'no summary')"
        else
                tail -n 60 "$work/$t.log"
                echo "fuzz.sh: $t found a failure (above); its input is in $findings/" \
                     "(rerun: $build/fuzz/fuzz_$t FILE)" >&2
                status=1
        fi
done
exit $status
