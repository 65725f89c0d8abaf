import { describe, it, expect } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticScalingResult } from './synthetic-result.js';
import { lraSection, readScalingResults, writeScalingOutputs } from './write-outputs.js';

describe('writeScalingOutputs', () => {
  it('writes JSON, markdown, three charts as SVG and PNG, and a page holding every mode in the directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tost-scaling-'));
    try {
      const train = syntheticScalingResult();
      const forward = syntheticScalingResult();
      forward.settings.mode = 'forward';
      await writeScalingOutputs(train, dir, { lraDir: join(dir, 'no-runs') });
      const files = await writeScalingOutputs(forward, dir, {
        extraSections: [{ title: 'Explain', html: '<p>explained</p>' }],
      });
      expect(files.map((f) => f.slice(dir.length + 1)).sort()).toEqual(
        [
          'scaling-forward.json',
          'scaling-forward.md',
          'forward-time.svg',
          'forward-time.png',
          'forward-memory.svg',
          'forward-memory.png',
          'forward-loglog.svg',
          'forward-loglog.png',
          'report.html',
        ].sort(),
      );
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      expect(readScalingResults(dir).map((r) => r.settings.mode)).toEqual(['train', 'forward']);
      const json = JSON.parse(readFileSync(join(dir, 'scaling-train.json'), 'utf8'));
      expect(json).toEqual(JSON.parse(JSON.stringify(train)));
      expect(readFileSync(join(dir, 'scaling-forward.md'), 'utf8')).toMatch(/^## Scaling \(forward\)/);
      const html = readFileSync(join(dir, 'report.html'), 'utf8');
      expect(html).toContain('<h2>Scaling (train)</h2>');
      expect(html).toContain('<h2>Scaling (forward)</h2>');
      expect(html.match(/<svg/g)).toHaveLength(6);
      expect(html).toContain('<h2>Explain</h2>\n<p>explained</p>');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lraSection: nothing without a directory, a note for a missing or unreadable one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tost-lra-'));
    try {
      expect(lraSection(undefined)).toEqual({});
      expect(lraSection(join(dir, 'missing')).lraNote).toMatch(/No LRA runs at .*missing yet/);
      expect(lraSection(dir).lraNote).toMatch(/No LRA run results/);
      mkdirSync(join(dir, 'run1'));
      writeFileSync(join(dir, 'run1', 'result.json'), '{"format":"other"}');
      expect(lraSection(dir).lraNote).toMatch(/could not be read: .*unknown format 'other'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
