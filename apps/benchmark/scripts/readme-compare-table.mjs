#!/usr/bin/env node
// Copies the table `tost-bench compare` wrote (docs/results/compare/compare-summary.md) into the README, between the
// lines `<!-- compare-summary -->` and `<!-- /compare-summary -->`, leaving out the columns whose header contains one
// of the --drop strings (e.g. a superseded setting). The table is re-padded by prettier afterwards (pnpm format).
//
//   node apps/benchmark/scripts/readme-compare-table.mjs [--summary FILE] [--readme FILE] [--drop "N=32, conv 3, 400 steps"]…
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    summary: { type: 'string', default: 'docs/results/compare/compare-summary.md' },
    readme: { type: 'string', default: 'README.md' },
    drop: { type: 'string', multiple: true, default: [] },
  },
});

const START = '<!-- compare-summary -->';
const END = '<!-- /compare-summary -->';

const cells = (line) => line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|');
const lines = readFileSync(values.summary, 'utf8').trimEnd().split('\n');
const header = cells(lines[0]);
const keep = header.map((h) => !values.drop.some((d) => h.includes(d)));
for (const d of values.drop)
  if (!header.some((h) => h.includes(d)))
    throw new Error(`--drop "${d}": no column of ${values.summary} has it in its header (${header.map((h) => h.trim()).join(' · ')})`);
const table = lines.map((l) => `|${cells(l).filter((_, i) => keep[i]).join('|')}|`).join('\n');

const readme = readFileSync(values.readme, 'utf8');
const start = readme.indexOf(START);
const end = readme.indexOf(END);
if (start < 0 || end < start)
  throw new Error(`${values.readme}: expected the lines ${START} and ${END} around the table`);
writeFileSync(values.readme, `${readme.slice(0, start + START.length)}\n\n${table}\n\n${readme.slice(end)}`);
console.log(`${values.readme}: ${lines.length - 2} rows, ${keep.filter(Boolean).length} of ${header.length} columns`);
