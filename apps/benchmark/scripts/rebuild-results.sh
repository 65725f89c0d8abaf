#!/usr/bin/env bash
# Rebuilds the committed quality and comparison results from a `tost-bench quality` output directory, without
# training or timing anything:
#   docs/results/compare/quality/quality.{json,md}   the quality report of every run in RUNS
#   docs/results/compare/…                          `tost-bench compare --report-only` over the committed state
#   docs/results/quality/sweep-2026-12-06.md        its hand-written head, then the report's tables
#   README.md                                       the table between <!-- compare-summary --> markers
# RUNS starts from the committed report (`tost-bench quality --import`), so runs made on any machine extend it:
#   cd apps/benchmark
#   node dist/cli.js quality --report-only --import ../../docs/results/compare/quality/quality.json --out RUNS
#   node dist/cli.js quality --task mqar --pairs 64 … --out RUNS          # new runs
#   bash scripts/rebuild-results.sh RUNS
set -euo pipefail
runs=$(realpath "${1:?usage: rebuild-results.sh RUNS (a tost-bench quality --out directory)}")
cd "$(dirname "$0")/.."
root=../..
cmp=$root/docs/results/compare
node dist/cli.js quality --report-only --out "$runs" > /dev/null
# The committed report names each run's directory as the sweep's commands do (--out runs/quality-sweep), not this
# machine's path, and drops `importedFrom` (no run there has its model).
node -e "
const fs = require('fs');
const r = JSON.parse(fs.readFileSync('$runs/quality.json', 'utf8'));
for (const c of r.cells) { c.dir = 'runs/quality-sweep' + c.dir.slice('$runs'.length); delete c.importedFrom; }
fs.writeFileSync('$cmp/quality/quality.json', JSON.stringify(r, null, 2) + '\\n');
"
cp "$runs/quality.md" "$cmp/quality/"
# The variants and their order as the committed table has them.
attention=$(node -e "console.log(require('$cmp/compare.json').rows.map((r) => r.variant).join(','))")
repeats=$(node -e "console.log(require('$cmp/compare.json').settings.repeats)")

node dist/cli.js compare --report-only --out "$cmp" --repeats "$repeats" --tasks none --attention "$attention" > /dev/null
# compare --report-only also writes the scaling page's files; only those already committed are kept.
(cd "$cmp" && git ls-files --others --exclude-standard . | xargs -r rm --)
sweep=$(realpath $root/docs/results/quality/sweep-2026-12-06.md)
head=$(awk '/^## MQAR/ { exit } { print }' "$sweep")
{ printf '%s\n\n' "$head"; awk 'f || /^## MQAR/ { f = 1; print }' "$runs/quality.md"; } > "$sweep.tmp" && mv "$sweep.tmp" "$sweep"
(cd "$root" && node apps/benchmark/scripts/readme-compare-table.mjs --drop "N=32, conv 3, 400 steps" &&
  npx prettier --log-level warn --write README.md)
echo "rebuilt from $runs"
