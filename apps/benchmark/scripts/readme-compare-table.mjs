#!/usr/bin/env node
// Copies the table `tost-bench compare` wrote (docs/results/compare/compare-summary.md) into the README, between the
// lines `<!-- compare-summary -->` and `<!-- /compare-summary -->`, leaving out the columns named by --drop (each must
// be part of exactly one column header: a superseded setting, say). Re-pad the table with prettier afterwards.
//
//   node apps/benchmark/scripts/readme-compare-table.mjs [--summary FILE] [--readme FILE] [--drop "N=32, conv 3, 400 steps"]…
// Paths default to the repository's, whatever the working directory.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const START = '<!-- compare-summary -->';
const END = '<!-- /compare-summary -->';

function main() {
  const { values } = parseArgs({
    options: {
      summary: { type: 'string', default: `${root}docs/results/compare/compare-summary.md` },
      readme: { type: 'string', default: `${root}README.md` },
      drop: { type: 'string', multiple: true, default: [] },
    },
  });
  const cells = (line) => line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|');
  const lines = readFileSync(values.summary, 'utf8').trimEnd().split('\n');
  if (!lines.every((l) => l.trim().startsWith('|')))
    throw new Error(`${values.summary}: expected a markdown table and nothing else`);
  const header = cells(lines[0]).map((h) => h.trim());
  for (const d of values.drop) {
    const hits = header.filter((h) => h.includes(d));
    if (hits.length !== 1)
      throw new Error(
        `--drop "${d}": expected it in exactly one column header of ${values.summary}, found ${hits.length}: ` +
          (hits.length ? hits : header).map((h) => `"${h}"`).join(', '),
      );
  }
  const keep = header.map((h) => !values.drop.some((d) => h.includes(d)));
  const table = lines
    .map(
      (l) =>
        `|${cells(l)
          .filter((_, i) => keep[i])
          .join('|')}|`,
    )
    .join('\n');
  const readme = readFileSync(values.readme, 'utf8');
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start)
    throw new Error(`${values.readme}: expected the lines ${START} and ${END} around the table`);
  writeFileSync(
    values.readme,
    `${readme.slice(0, start + START.length)}\n\n${table}\n\n${readme.slice(end)}`,
  );
  console.log(
    `${values.readme}: ${lines.length - 2} rows, ${keep.filter(Boolean).length} of ${header.length} columns`,
  );
}

try {
  main();
} catch (err) {
  console.error(`readme-compare-table: ${err.message}`);
  process.exit(1);
}
