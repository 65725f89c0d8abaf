#!/usr/bin/env bash
# Rebuilds the committed quality and comparison results from a `tost-bench quality` output directory, without
# training or timing anything (run `pnpm build` first):
#   docs/results/compare/quality/quality.{json,md}   the quality report of every run in RUNS
#   docs/results/compare/…                          `tost-bench compare --report-only` over the committed state
#   docs/results/quality/sweep-2026-12-06.md        its hand-written head, then the report's tables
#   README.md                                       the table between the <!-- compare-summary --> markers
# RUNS first receives the committed report's runs (`tost-bench quality --import`; those it already has are kept), so
# the rebuilt report never loses a committed run. A (task, setting, variant) with a seed count other than 1 or 3 stops
# it (the README reads every "mean ± sd" cell as three seeds):
#   cd apps/benchmark
#   node dist/cli.js quality --task mqar --pairs 64 … --out RUNS          # new runs, on any machine
#   bash scripts/rebuild-results.sh RUNS
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$here/../.." && pwd)
runs=$(realpath "${1:?usage: rebuild-results.sh RUNS (a tost-bench quality --out directory)}")
cmp=$root/docs/results/compare
sweep=$root/docs/results/quality/sweep-2026-12-06.md
case "$runs/" in "$root/docs/"*) echo "RUNS must not be inside docs/ (it holds the committed results): $runs" >&2; exit 1;; esac
drop="N=32, conv 3, 400 steps" # a superseded setting the README table leaves out
# Everything that can fail without writing is checked first.
grep -q '^<!-- compare-summary -->$' "$root/README.md" && grep -q '^<!-- /compare-summary -->$' "$root/README.md" ||
  { echo "README.md: expected the lines <!-- compare-summary --> and <!-- /compare-summary --> around the table" >&2; exit 1; }
cd "$here"
node dist/cli.js quality --report-only --import "$cmp/quality/quality.json" --out "$runs" | grep -E '^--import|rows from'
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The committed report names each run's directory as the sweep's commands do (--out runs/quality-sweep), not this
# machine's path, and drops `importedFrom` (no run there has its model).
node --input-type=module -e '
import fs from "node:fs";
import { lrLabel } from "./dist/quality/results.js";
const [src, runs, dst] = process.argv.slice(1);
const r = JSON.parse(fs.readFileSync(src, "utf8"));
// The README reads every "mean ± sd" cell as three seeds: a group with another count would print as one.
const odd = r.summary.filter((s) => s.seeds !== 1 && s.seeds !== 3).map((s) => `${s.task} ${s.settingKey} ${s.variant} (lr ${lrLabel(s.learningRate)}): ${s.seeds} seeds`);
if (odd.length) {
  console.error(`${runs}: the README reads each mean ± sd as three seeds, but ${odd.join("; ")}. Run the missing seeds (--seeds 3) or move the extra cells aside, then rebuild.`);
  process.exit(1);
}
for (const c of r.cells) { c.dir = "runs/quality-sweep" + c.dir.slice(runs.length); delete c.importedFrom; }
fs.writeFileSync(dst, JSON.stringify(r, null, 2) + "\n");
' "$runs/quality.json" "$runs" "$tmp/quality.json"
cp "$runs/quality.md" "$tmp/quality.md"
# The comparison from the committed state, written aside; only the files committed beside it are copied back.
mkdir -p "$tmp/compare" && cp -r "$cmp/." "$tmp/compare/"
cp "$tmp/quality.json" "$tmp/quality.md" "$tmp/compare/quality/"
attention=$(node -e 'console.log(require(process.argv[1]).rows.map((r) => r.variant).join(","))' "$cmp/compare.json")
repeats=$(node -e 'console.log(require(process.argv[1]).settings.repeats)' "$cmp/compare.json")
node dist/cli.js compare --report-only --out "$tmp/compare" --repeats "$repeats" --tasks none --attention "$attention" > /dev/null
head=$(awk '/^## MQAR/ { exit } { print }' "$sweep")
{ printf '%s\n\n' "$head"; awk 'f || /^## MQAR/ { f = 1; print }' "$runs/quality.md"; } > "$tmp/sweep.md"
cp "$root/README.md" "$tmp/README.md"
node "$here/scripts/readme-compare-table.mjs" --summary "$tmp/compare/compare-summary.md" --readme "$tmp/README.md" --drop "$drop"
# All built: now into the repository.
(cd "$cmp" && git ls-files -z . | while IFS= read -r -d '' f; do cp "$tmp/compare/$f" "$cmp/$f"; done)
cp "$tmp/sweep.md" "$sweep"
cp "$tmp/README.md" "$root/README.md"
(cd "$root" && npx prettier --log-level warn --write README.md)
echo "rebuilt docs/results/compare, $(basename "$sweep") and the README table from $runs"
