#!/usr/bin/env bash
# Every bad input gets one line on stderr naming the bad value and what is accepted, exit
# status 2, nothing on stdout, and no results directory.
set -uo pipefail
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
failures=0

# expect_usage_error EXPECTED_TEXT ARGS...
expect_usage_error() {
        local want=$1; shift
        "$bin" "$@" >out 2>err
        local rc=$? lines
        lines=$(wc -l <err)
        if [ "$rc" -ne 2 ] || [ "$lines" -ne 1 ] || ! grep -qF -- "$want" err || [ -s out ] ||
           [ -e results ] || [ -n "$(find "$tmp" -name '.*.partial')" ]; then
                echo "FAIL: ipcbench $*: want exit 2, one stderr line containing '$want', no output, no results"
                echo "      got exit $rc, $lines stderr line(s): $(cat err)"
                [ -s out ] && echo "      stdout: $(head -3 out)"
                [ -e results ] && echo "      a results directory was created"
                failures=$((failures + 1))
        fi
        rm -rf results
}

expect_usage_error "no benchmark matches 'nosuch.*'" run 'nosuch.*'
expect_usage_error "no benchmark matches 'nosuch'" run create.fork nosuch
expect_usage_error "'12X'" run --sizes 12X create.fork
expect_usage_error "K, M or G" run --sizes 64,12X create.fork
expect_usage_error "'-5'" run --iterations -5 create.fork
expect_usage_error "'fish'" run --mode fish create.fork
expect_usage_error "thread, process or both" run --mode fish
expect_usage_error "--mode needs a value" run create.fork --mode
expect_usage_error "--placement needs a value" run --placement
expect_usage_error "'sideways'" run --placement sideways
expect_usage_error "--mode both --placement same-cpu: the selected benchmarks have no point" \
        run --placement same-cpu ipc.shm.spin
expect_usage_error "'0'" run --repeat 0
expect_usage_error "'x'" run --params 0,x
expect_usage_error "--dir: '/nonexistent-ipcbench'" run --dir /nonexistent-ipcbench 'ipc.file'
expect_usage_error "'soon'" run --duration soon
expect_usage_error "exclude each other" run --duration 1 --iterations 5
expect_usage_error "--quick and --full exclude each other" run --quick --full
expect_usage_error "--no-stream: the selected benchmarks have no point" run --no-stream limit.memcpy
expect_usage_error "'--frobnicate'" run --frobnicate
expect_usage_error "--out '/proc/ipcbench-nope'" run --out /proc/ipcbench-nope create.fork
expect_usage_error "--out '/dev/null/x'" run --out /dev/null/x create.fork
expect_usage_error "no benchmark matches 'nosuch'" list nosuch
expect_usage_error "unknown command 'frobnicate'" frobnicate

# Help is not an error.
for args in "--help" "run --help" "list --help"; do
        # shellcheck disable=SC2086
        if ! "$bin" $args >out 2>err || ! [ -s out ]; then
                echo "FAIL: ipcbench $args should print help and exit 0"; failures=$((failures + 1))
        fi
done

# A dry run lists its points and measures nothing: create.fork on one CPU and unpinned.
if ! "$bin" run --dry-run create.fork >out 2>err || [ "$(grep -c '^create\.fork ' out)" -ne 2 ] ||
   ! grep -q '^2 points, 3 to 6 repetitions each, 0.03 s timed per repetition: at least 0.198 s' out || [ -e results ]; then
        echo "FAIL: ipcbench run --dry-run create.fork: want its 2 points listed, no results directory"
        echo "      got: $(cat out err)"
        failures=$((failures + 1))
fi
rm -rf results

if [ "$failures" -ne 0 ]; then
        echo "$failures case(s) failed"; exit 1
fi
echo "all usage errors: exit 2 with one clear line"
