import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lraSettings } from './presets.js';
import { prepareData } from './command.js';

describe('prepareData (--generate)', () => {
  const root = mkdtempSync(join(tmpdir(), 'tost-lra-data-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('generates once, reuses the data, and regenerates when the generator options change', () => {
    const settings = { ...lraSettings('listops', 'quick'), maxLength: 32 };
    const run = (dataSeed: number) => {
      const lines: string[] = [];
      const o = { dataDir: root, generate: true, preset: 'quick' as const, seed: 7, dataSeed };
      const { splits, loadOptions } = prepareData('listops', o, settings, (l) => lines.push(l));
      return { lines, splits, loadOptions };
    };
    const first = run(1);
    expect(first.lines.some((l) => l.startsWith('generating listops data'))).toBe(true);
    expect(first.loadOptions).toEqual({ maxLength: 32 });
    const again = run(1);
    expect(again.lines).toEqual([]);
    expect(again.splits.test.tokens(0)).toEqual(first.splits.test.tokens(0));
    const other = run(2);
    expect(other.lines[0]).toMatch(/were generated with other settings: regenerating/);
    expect(other.splits.train.size).toBe(first.splits.train.size);
    expect(other.splits.test.tokens(0)).not.toEqual(first.splits.test.tokens(0));
  });
});
