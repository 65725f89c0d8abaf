import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticScalingResult } from './synthetic-result.js';
import { rerenderScalingOutputs } from './command.js';

describe('rerenderScalingOutputs', () => {
  it('rebuilds markdown, charts and page from the JSON with the targets recomputed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tost-rerender-'));
    try {
      writeFileSync(join(dir, 'scaling-train.json'), JSON.stringify(syntheticScalingResult()));
      await rerenderScalingOutputs(dir);
      const json = JSON.parse(readFileSync(join(dir, 'scaling-train.json'), 'utf8'));
      // The synthetic file's placeholder headline is replaced by the computed targets.
      expect(json.headlines.map((h: { label: string }) => h.label)).not.toContain('synthetic target <&>');
      expect(readFileSync(join(dir, 'scaling-train.md'), 'utf8')).toContain('TSSA train step time slope');
      expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('<h2>Scaling (train)</h2>');
      await expect(rerenderScalingOutputs(join(dir, 'empty'))).rejects.toThrow(/no scaling-train\.json/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
