#!/usr/bin/env node
// Time and peak memory of every hostile-file case, each read in a fresh Node process (docs/hostile-inputs.md).
//
//   pnpm build
//   HOSTILE_OUT=/tmp/hostile pnpm --filter @tost/convert exec vitest run src/hostile.test.ts
//   HOSTILE_OUT=/tmp/hostile pnpm --filter @tost/lra exec vitest run src/hostile.test.ts
//   node tools/hostile/measure.mjs /tmp/hostile > /tmp/hostile/table.md
//
// Per case: the error message, the wall time of the reading call alone (performance.now around it), and the peak
// resident memory of the whole process (getrusage maxrss, from /usr/bin/time -f %M), next to the same process reading
// a valid file (the baseline: Node + the package's imports + the valid file).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = process.argv[2];
if (!dir || !existsSync(join(dir, 'cases.json'))) {
  console.error(
    'usage: node tools/hostile/measure.mjs DIR   (DIR written by the hostile tests with HOSTILE_OUT=DIR)',
  );
  process.exit(2);
}
const convertNode = join(root, 'packages', 'convert', 'dist', 'node.js');
const lraNode = join(root, 'packages', 'lra', 'dist', 'node.js');

const CALLS = {
  pth: (p) => `(await import(${JSON.stringify(convertNode)})).readCheckpointFile(${JSON.stringify(p)})`,
  pickle: (p) => CALLS.pth(p),
  safetensors: (p) => CALLS.pth(p),
  listops: (p) => `(await import(${JSON.stringify(lraNode)})).loadListOpsFile(${JSON.stringify(p)}, 'train')`,
  retrieval: (p) =>
    `(await import(${JSON.stringify(lraNode)})).loadRetrievalFile(${JSON.stringify(p)}, 'train')`,
  text: (p) => `(await import(${JSON.stringify(lraNode)})).loadText(${JSON.stringify(p)})`,
  pathfinder: (p) => `(await import(${JSON.stringify(lraNode)})).loadPathfinder(${JSON.stringify(p)})`,
};

function measure(reader, path) {
  const modules = reader === 'pth' || reader === 'pickle' || reader === 'safetensors' ? convertNode : lraNode;
  const script = `
    await import(${JSON.stringify(modules)});
    const t0 = performance.now();
    let error = null;
    try { ${CALLS[reader](path)}; } catch (e) { error = e.message; }
    process.stdout.write(JSON.stringify({ error, ms: performance.now() - t0 }));`;
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  const kb = Number(r.stderr.trim().split('\n').pop());
  const out = r.stdout ? JSON.parse(r.stdout) : { error: `crashed: ${r.stderr.slice(0, 200)}`, ms: NaN };
  return { ...out, peakMiB: kb / 1024 };
}

const rows = [];
const baselines = {
  pth: measure('pth', join(root, 'packages', 'convert', 'fixtures', 'nanogpt-train.pth')),
  safetensors: measure(
    'safetensors',
    join(root, 'packages', 'convert', 'fixtures', 'nanogpt-hf', 'model.safetensors'),
  ),
};
const sets = [
  [
    dir,
    JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')).map((c) => ({ ...c, path: join(dir, c.file) })),
  ],
];
if (existsSync(join(dir, 'lra', 'cases.json'))) {
  sets.push([join(dir, 'lra'), JSON.parse(readFileSync(join(dir, 'lra', 'cases.json'), 'utf8'))]);
}
for (const [, cases] of sets) {
  for (const c of cases) {
    const m = measure(c.reader, c.path);
    const relative = m.error ? m.error.split(dir).join('…') : '(no error!)';
    rows.push({
      reader: c.reader,
      name: c.name,
      ...m,
      error: relative,
      ok: m.error !== null && new RegExp(c.expected).test(m.error),
    });
  }
}
const fmt = (v, d) => (Number.isFinite(v) ? v.toFixed(d) : '—');
console.log(
  `Baselines (valid file): .pth ${fmt(baselines.pth.ms, 1)} ms, peak ${fmt(baselines.pth.peakMiB, 0)} MiB; ` +
    `.safetensors ${fmt(baselines.safetensors.ms, 1)} ms, peak ${fmt(baselines.safetensors.peakMiB, 0)} MiB; Node ${process.version}\n`,
);
console.log('| reader | case | error (one line; temp folder shown as …) | time (ms) | peak RSS (MiB) |');
console.log('| --- | --- | --- | ---: | ---: |');
for (const r of rows) {
  const error = r.error.replace(/\|/g, '\\|').slice(0, 220);
  console.log(
    `| ${r.reader} | ${r.name} | ${r.ok ? '' : '**unexpected:** '}${error} | ${fmt(r.ms, 1)} | ${fmt(r.peakMiB, 0)} |`,
  );
}
const bad = rows.filter((r) => !r.ok);
console.error(`${rows.length} cases, ${bad.length} unexpected`);
process.exit(bad.length ? 1 : 0);
