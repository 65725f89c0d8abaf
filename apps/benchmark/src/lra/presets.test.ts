import { describe, expect, it } from 'vitest';
import { describePreset, differencesFromPublished, lraSettings, LRA_TASKS } from './presets.js';

describe('LRA presets', () => {
  it('every task and preset pools with class attention (one aggregator for every attention)', () => {
    for (const task of LRA_TASKS) {
      expect(lraSettings(task, 'paper').pooling).toBe('class-attention');
      expect(lraSettings(task, 'quick').pooling).toBe('class-attention');
    }
  });

  it('the paper preset differs from the published setting only in its pooling, and its banner says so', () => {
    const s = lraSettings('listops', 'paper');
    expect(differencesFromPublished('listops', s)).toEqual(['pooling class-attention (published cls)']);
    expect(describePreset('listops', 'paper', s)).toMatch(
      /^PAPER preset: the published LRA settings except pooling class-attention \(published cls\) \(depth 4, dim 512, heads 8, /,
    );
    expect(differencesFromPublished('pathfinder', lraSettings('pathfinder', 'paper'))).toEqual([
      'pooling class-attention (published mean)',
    ]);
  });

  it('a quick banner names every setting that differs from the published one, and the data', () => {
    const s = lraSettings('pathfinder', 'quick');
    const banner = describePreset('pathfinder', 'quick', s);
    expect(banner).toMatch(/^QUICK preset: /);
    expect(banner).toContain(`steps ${s.steps} (published 62400)`);
    expect(banner).toContain(`batchSize ${s.batchSize} (published 512)`);
    expect(banner).toMatch(/data: [\d,]+ generated images, easy contours \(published 200,000, hard\)/);
    expect(banner).toMatch(/NOT comparable with the published LRA numbers\.$/);
    const listops = describePreset('listops', 'quick', lraSettings('listops', 'quick'));
    expect(listops).toContain('data: 4,000 generated trees of 17–128 tokens (published 96,000 of 501–1999)');
  });

  it('an override shows up as a difference (the banner describes the run, not the preset)', () => {
    const s = { ...lraSettings('listops', 'paper'), steps: 10 };
    expect(differencesFromPublished('listops', s)).toContain('steps 10 (published 5000)');
  });

  it('quick Pathfinder and ListOps have at least 4 heads (TSSA membership is a distribution over heads)', () => {
    expect(lraSettings('pathfinder', 'quick').heads).toBeGreaterThanOrEqual(4);
    expect(lraSettings('listops', 'quick').heads).toBeGreaterThanOrEqual(4);
  });
});
