#!/usr/bin/env bash
# Test of scripts/report: a report built from the fixture run tests/table/ (its lecture-table.md
# made by scripts/table, its charts by scripts/plot when gnuplot is here, else one tiny PNG)
# must be one self-contained page: no http(s) reference, every chart inlined as a non-empty
# data: image, the lecture's tables ("Threads vs Processes", "IPC approaches"), the peers, the
# metadata (with the idle choice and the repetitions), the unstable points and the notices,
# text escaped. A run without plots/, peers or the table still gets
# a page, with notes; bad arguments exit 2.
# Then, if chromium is installed, the page is rendered headless: the DOM must hold every image
# and both tables, every image must have decoded (the page's own script writes "ok N" on
# <body data-images>), and a screenshot must be a non-empty PNG. Without chromium: exit 77
# (skip) once the rest has passed; scripts/deps --browser installs it.
set -euo pipefail
export LC_ALL=C.UTF-8

repo=${REPO:-$(dirname "$0")/..}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "test_report: FAIL: $*" >&2; failures=$((failures + 1)); }

run=$tmp/run
mkdir "$run"
cp "$repo/tests/table/results.csv" "$repo/tests/table/meta.json" \
	"$repo/tests/table/hyperfine-spawn.csv" "$repo/tests/table/peers.csv" "$run/"
# A notice of each kind, one with characters that must be escaped, as ipcbench writes them
# (harness/meta.c): the fixture's meta.json has none.
sed -i '$d' "$run/meta.json"    # the closing brace; the fixture's last key line gets a comma
sed -i '$s/$/,/' "$run/meta.json"
cat >>"$run/meta.json" <<'JSON'
  "timer_cost_ns": 21.5,
  "notices": [
    {"kind": "skipped", "point": "ipc.mq thread same-cpu 16 KiB stream", "reason": "msgsize_max < 16384 \"here\""},
    {"kind": "failed", "point": "ctx.pipe process any", "reason": "child <died> & left"},
    {"kind": "unstable", "point": "ipc.pipe thread same-cpu 64 B", "reason": "95 % interval ±5.6 % after 6 repetitions"}
  ]
}
JSON
"$repo/scripts/table" "$run" 2>/dev/null
if command -v gnuplot >/dev/null; then
	"$repo/scripts/plot" "$run" >/dev/null 2>&1
else
	# No gnuplot: one 1x1 PNG stands for the charts.
	mkdir "$run/plots"
	echo 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==' |
		base64 -d >"$run/plots/creation.png"
fi
charts=$(find "$run/plots" -name '*.png' -o -name '*.svg' | sed 's|.*/||; s|\.[a-z]*$||' | sort -u)
n_charts=$(echo "$charts" | grep -c .)
[ "$n_charts" -gt 0 ] || fail "the fixture has no chart to put in the page"

"$repo/scripts/report" "$run" || fail "scripts/report exited $?"
html=$run/report.html
[ -s "$html" ] || { fail "no $html"; exit 1; }
ls "$run"/report.html.* >/dev/null 2>&1 && fail "a temp file was left beside report.html"

# Self-contained: nothing fetched from elsewhere (no http(s), no src or href to a file).
grep -qiE 'https?://' "$html" && fail "the page refers to the network: $(grep -oiE 'https?://[^" ]*' "$html" | head -n 3)"
grep -oE '(src|href)="[^"#][^"]{0,40}' "$html" | grep -v '^src="data:' && fail "the page refers to a file beside it"
n_img=$(grep -o '<img ' "$html" | wc -l)
[ "$n_img" -eq "$n_charts" ] || fail "$n_img <img> for $n_charts charts"
for stem in $charts; do
	grep -qE "<img alt=\"$stem\" src=\"data:image/(png|svg\+xml);base64,[A-Za-z0-9+/]{40,}=*\"" "$html" ||
		fail "chart $stem is not a non-empty data: image"
	grep -q "<figcaption>$stem</figcaption>" "$html" || fail "chart $stem has no caption"
done
# In the lecture's order: creation before ctx before ipc-latency before server.
order=$(grep -o '<figcaption>[^<]*' "$html" | sed 's/<figcaption>//' | tr '\n' ' ')
case $order in
*ipc-latency*creation* | *server*ipc-latency* | *ctx*creation*) fail "charts out of order: $order" ;;
esac

for want in '>Threads vs Processes' '>IPC approaches<' '<table' '<li>' '<strong>' '<code>' \
	'lecture-vm' '6.1.0-27-amd64' 'Intel(R) Xeon(R) CPU @ 2.20GHz' '21.5 ns' \
	'perf bench sched pipe' '>peers.csv<' \
	'msgsize_max &lt; 16384 &quot;here&quot;' 'child &lt;died&gt; &amp; left' '<tr class="failed">' \
	'<th>Idle CPUs</th><td>held awake while measuring' '<th>Repetitions</th><td>3 to 6 independent repetitions' \
	'>Unstable points<' '<td><code>ctx.futex process cross-cpu working_set_kib=0</code></td><td>switch</td><td>±7.3 %</td>' \
	'<tr class="unstable">' 'Waking an idle CPU' '(31 % lost)' '±2 %'; do
	grep -qF -- "$want" "$html" || fail "the page lacks $want"
done
# Markdown must not leak through: no pipe-table row, no ** or backticks left in the text.
sed 's/base64,[^"]*//' "$html" | grep -nE '^\||\*\*|`' | head -n 3 | grep . && fail "markdown left unconverted"
# Tags balance where it matters.
for tag in table tr ul p figure; do
	o=$(grep -oE "<${tag}[ >]" "$html" | wc -l) c=$(grep -o "</$tag>" "$html" | wc -l)
	[ "$o" -eq "$c" ] || fail "<$tag> opened $o times, closed $c"
done

# A run with only results.csv: still a page, with notes for what is missing.
mkdir "$tmp/bare"
cp "$repo/tests/table/results.csv" "$tmp/bare/"
"$repo/scripts/report" "$tmp/bare" || fail "scripts/report on a bare run exited $?"
for want in 'No meta.json' 'No lecture-table.md' 'No plots/' 'No peers.csv'; do
	grep -qF "$want" "$tmp/bare/report.html" || fail "bare run: the page lacks the note '$want'"
done

# Bad arguments: usage and 2.
for args in "" "-x" "a b"; do
	status=0
	# shellcheck disable=SC2086 # split on purpose: "a b" is two arguments
	"$repo/scripts/report" $args >/dev/null 2>&1 || status=$?
	[ "$status" -eq 2 ] || fail "scripts/report $args exited $status, expected 2"
done
help=$("$repo/scripts/report" --help) && grep -q usage <<<"$help" || fail "--help prints no usage"

if [ "$failures" -gt 0 ]; then
	echo "test_report: $failures failure(s)" >&2
	exit 1
fi

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
	echo "skip: chromium not installed (scripts/deps --browser installs it)"
	exit 77
fi
# --no-sandbox: CI runs as root, where chromium's sandbox refuses to start. A profile of its
# own in $tmp, so nothing is left in HOME. The virtual time budget lets the load event (and
# the page's image check) run before the DOM is dumped.
flags=(--headless --no-sandbox --disable-gpu --user-data-dir="$tmp/profile" --virtual-time-budget=10000)
timeout 120 "$browser" "${flags[@]}" --dump-dom "file://$html" >"$tmp/dom.html" 2>"$tmp/chromium.err" ||
	fail "chromium --dump-dom failed: $(tail -n 3 "$tmp/chromium.err")"
timeout 120 "$browser" "${flags[@]}" --screenshot="$tmp/shot.png" --window-size=1280,4000 \
	"file://$html" >/dev/null 2>>"$tmp/chromium.err" ||
	fail "chromium --screenshot failed: $(tail -n 3 "$tmp/chromium.err")"

dom_img=$(grep -o '<img ' "$tmp/dom.html" | wc -l)
[ "$dom_img" -eq "$n_charts" ] || fail "the rendered DOM has $dom_img <img>, expected $n_charts"
grep -q 'Threads vs Processes' "$tmp/dom.html" || fail "the rendered DOM lacks Threads vs Processes"
grep -q 'IPC approaches' "$tmp/dom.html" || fail "the rendered DOM lacks IPC approaches"
loaded=$(grep -o 'data-images="[^"]*"' "$tmp/dom.html" || true)
[ "$loaded" = "data-images=\"ok $n_charts\"" ] ||
	fail "not every image decoded in chromium: ${loaded:-the check in the page did not run}"
if [ ! -s "$tmp/shot.png" ] || [ "$(head -c 8 "$tmp/shot.png" | od -An -tx1 | tr -d ' \n')" != 89504e470d0a1a0a ]; then
	fail "the screenshot is not a non-empty PNG"
fi

if [ "$failures" -gt 0 ]; then
	echo "test_report: $failures failure(s)" >&2
	exit 1
fi
echo "test_report: ok ($n_charts charts, rendered by $(basename "$browser"))"
