#!/usr/bin/env bash
# Golden test of scripts/table: a fixed results.csv and meta.json (tests/table/) must give
# exactly tests/table/expected.md. The fixture has every create.* benchmark in two placements
# (same-cpu and any, some listed any first: the table must order them), rows with no p99
# (→ "—"), a row with a swept parameter (belongs on a chart, not in the table) and a row with
# a quoted comma (must be skipped, loudly, not read shifted). To accept an intended change:
#   scripts/table DIR && cp DIR/lecture-table.md tests/table/expected.md   (and read the diff)
set -euo pipefail

repo=${REPO:-$(dirname "$0")/..}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cp "$repo/tests/table/results.csv" "$repo/tests/table/meta.json" "$tmp/"
"$repo/scripts/table" "$tmp" 2>"$tmp/stderr" || {
	echo "test_table: scripts/table failed:" >&2
	cat "$tmp/stderr" >&2
	exit 1
}
if ! diff -u "$repo/tests/table/expected.md" "$tmp/lecture-table.md"; then
	echo "test_table: lecture-table.md differs from tests/table/expected.md (diff above)" >&2
	exit 1
fi
if ! grep -q 'line 14 has 22 fields, expected 21 (quoted comma?): skipped' "$tmp/stderr"; then
	echo "test_table: expected stderr to report the quoted-comma row (line 14) as skipped; it said:" >&2
	cat "$tmp/stderr" >&2
	exit 1
fi
echo "test_table: ok"
