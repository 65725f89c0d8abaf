import { describe, it, expect } from 'vitest';
import { describePreset, lraSettings } from './presets.js';

describe('describePreset: the run banner says what the run really is', () => {
  const paper = lraSettings('listops', 'paper');
  const quick = lraSettings('listops', 'quick');

  it('paper, released files, nothing overridden: the published settings', () => {
    const text = describePreset('listops', 'paper', paper, { data: 'released', presetSettings: paper });
    // One deliberate difference from the published setting: class-attention pooling for every attention.
    expect(text).toMatch(
      /^PAPER preset: the published LRA settings except pooling class-attention \(published cls\) \(.*; the released data files\)\.$/,
    );
    expect(text).not.toMatch(/generated/);
  });

  it('paper with overridden steps/batch/length: NOT the published settings, and says what changed', () => {
    const s = { ...paper, steps: 15, batchSize: 8 };
    const text = describePreset('listops', 'paper', s, {
      data: 'released',
      overridden: { steps: 15, batchSize: 8 },
      presetSettings: paper,
    });
    expect(text).toMatch(
      new RegExp(
        `PAPER preset with overrides \\(steps 15 instead of ${paper.steps}, batch 8 instead of ${paper.batchSize}\\): NOT the published LRA settings`,
      ),
    );
    expect(text).not.toMatch(/: the published LRA settings/);
  });

  it('quick on released files does not claim generated data; quick generated says so', () => {
    expect(describePreset('listops', 'quick', quick, { data: 'released' })).toMatch(
      /; the released data files\)/,
    );
    expect(describePreset('listops', 'quick', quick, { data: 'released' })).not.toMatch(/generated/);
    expect(describePreset('listops', 'quick', quick, { data: 'generated' })).toMatch(
      /generated data, short trees/,
    );
    expect(
      describePreset('pathfinder', 'quick', lraSettings('pathfinder', 'quick'), { data: 'generated' }),
    ).toMatch(/generated data, few images/);
  });

  it('quick with an overridden length says so', () => {
    const text = describePreset(
      'listops',
      'quick',
      { ...quick, maxLength: 64 },
      {
        data: 'generated',
        overridden: { maxLength: 64 },
        presetSettings: quick,
      },
    );
    expect(text).toMatch(
      new RegExp(`QUICK preset with overrides \\(length 64 instead of ${quick.maxLength}\\)`),
    );
  });
});
