import { describe, it, expect } from 'vitest';
import {
  formatStepMs,
  lrLabel,
  qualityMarkdown,
  summarise,
  type QualityCellResult,
  type QualitySummaryRow,
} from './results.js';

describe('quality.md', () => {
  it('shows an untimed step as "—" (not NaN) and says "1 step per run"', () => {
    const row: QualitySummaryRow = {
      task: 'spam',
      settingKey: 'conv0',
      setting: 'no short conv',
      variant: 'xca',
      ran: 'xca',
      metric: 'accuracy',
      learningRate: 1e-3,
      seeds: 1,
      mean: 0.7,
      sd: null,
      baseline: { name: 'majority class (ham)', value: 0.7 },
      stepSeconds: Number.NaN,
      steps: 1,
    };
    const md = qualityMarkdown([row]);
    expect(md).not.toContain('NaN');
    expect(md).toContain('1 step per run;');
    expect(md).toMatch(/\| xca +\| no short conv \| 70\.0 % +\| 70\.0 % +\| 1 +\| 1e-3 \| — +\|/);
    expect(formatStepMs(0.2054)).toBe('205');
    expect(formatStepMs(null)).toBe('—');
  });

  it('keeps a resumed untimed cell untimed (its JSON null is not averaged as 0 ms)', () => {
    const cell = JSON.parse(
      JSON.stringify({
        task: 'spam',
        settingKey: 'conv0',
        setting: { task: 'spam', shortConv: 0, steps: 1, batch: 2, length: 32 },
        variant: 'xca',
        ran: 'xca',
        metric: 'accuracy',
        learningRate: 1e-3,
        test: 0.7,
        validation: 0.7,
        baseline: { name: 'majority class (ham)', value: 0.7 },
        stepSeconds: Number.NaN,
        chosen: true,
      }),
    ) as QualityCellResult;
    expect(cell.stepSeconds).toBeNull();
    const [row] = summarise([cell]);
    expect(formatStepMs(row!.stepSeconds)).toBe('—');
  });
});

describe('lrLabel', () => {
  it('names a learning rate exactly, so two rates never share a cell directory', () => {
    expect([1e-3, 3e-3, 2.5e-3, 3.0001e-3, 1e-2].map(lrLabel)).toEqual([
      '1e-3',
      '3e-3',
      '2.5e-3',
      '3.0001e-3',
      '1e-2',
    ]);
  });
});
