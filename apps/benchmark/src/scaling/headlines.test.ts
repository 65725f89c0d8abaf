import { describe, it, expect } from 'vitest';
import { computeHeadlines } from './headlines.js';
import { syntheticScalingResult } from './synthetic-result.js';
import { formatTable } from '../render/format-table.js';
import { headlinesTable as headlinesData } from './scaling-report.js';
import type { ScalingResult } from './scaling-result.js';

const headlinesTable = (r: ScalingResult) => {
  const { header, rows } = headlinesData(r);
  return formatTable(header, rows);
};

describe('computeHeadlines (synthetic power laws)', () => {
  const headlines = computeHeadlines(syntheticScalingResult());
  const find = (text: string) => headlines.find((h) => h.label.includes(text))!;

  it('a slope fitted on part of 1,024–16,384 (here 1,024–4,096) is shown but has no verdict', () => {
    expect(find('time slope')).toMatchObject({ target: '≤ 1.1', met: null });
    expect(find('time slope').measured).toMatch(
      /^1\.000 \(fit 1024–4096, 3 points\): does not cover 1,024–16,384, not measured/,
    );
    expect(find('peak-memory slope').met).toBe(null);
  });

  it('a fit covering 1,024–16,384 gets a verdict', () => {
    const full = computeHeadlines(syntheticScalingResult([512, 1024, 2048, 4096, 8192, 16384]));
    const time = full.find((h) => h.label.includes('time slope'))!;
    expect(time).toMatchObject({ met: true });
    expect(time.measured).toBe('1.000 (fit 1024–16384, 5 points)');
  });

  it('two points outside the range give no slope; two inside but short of 16,384 give no verdict', () => {
    const outside = computeHeadlines(syntheticScalingResult([256, 512]));
    expect(outside.find((h) => h.label.includes('time slope'))).toMatchObject({
      measured: 'fewer than two lengths ran in 1,024–16,384 (not measured)',
      met: null,
    });
    const short = computeHeadlines(syntheticScalingResult([1024, 2048]));
    expect(short.find((h) => h.label.includes('time slope'))!.met).toBe(null);
  });

  it('softmax predicted out of memory at 4,096 counts as "softmax cannot run"', () => {
    expect(find('time at 4,096')).toMatchObject({ met: true });
    expect(find('time at 4,096').measured).toMatch(/softmax could not run: out-of-memory \(predicted\)/);
    expect(find('peak tensor memory at 4,096')).toMatchObject({ met: null });
  });

  it('reports the longest length each variant reached and what stopped it', () => {
    expect(find('longest length softmax')).toMatchObject({
      measured: '2,048; 4,096: out-of-memory (predicted)',
      met: null,
    });
    expect(find('longest length tssa').measured).toBe('4,096 (every length ran)');
  });

  it('a comparison at an unmeasured length has no verdict', () => {
    expect(find('time at 8,192')).toMatchObject({ met: null });
  });
});

describe('the Targets table', () => {
  it('says "not measured" for a target without a verdict, "met" only for a covering fit, — for reported rows', () => {
    const partial = syntheticScalingResult();
    partial.headlines = computeHeadlines(partial);
    const table = headlinesTable(partial);
    expect(table).toMatch(
      /\| TSSA train step time slope, 1,024–16,384 tokens +\| .*does not cover.* \| ≤ 1\.1 +\| not measured \|/,
    );
    expect(table).toMatch(/\| longest length tssa .*\| reported +\| — +\|/);
    const full = syntheticScalingResult([1024, 2048, 4096, 8192, 16384]);
    full.headlines = computeHeadlines(full);
    expect(headlinesTable(full)).toMatch(
      /\| TSSA train step time slope, 1,024–16,384 tokens +\| 1\.000 .*\| ≤ 1\.1 +\| met +\|/,
    );
  });
});
