#!/usr/bin/env bash
# Golden test of scripts/table: a fixed results.csv and meta.json (tests/table/) must give
# exactly tests/table/expected.md. The fixture has a p99-less row (→ "—") and a row with a
# quoted comma (must be skipped, not read shifted). To accept an intended change of format:
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
echo "test_table: ok"
