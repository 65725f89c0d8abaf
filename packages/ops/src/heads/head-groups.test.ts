import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import { DEFAULT_GROUP_ELEMENTS, flattenHeads, groupPart, groupSlices, headGroups } from './head-groups.js';

beforeAll(async () => {
  await initBackend('cpu');
});

const spans = (batch: number, heads: number, per: number, max: number) =>
  headGroups(batch, heads, per, max).map((g) => [g.start, g.end]);

describe('headGroups', () => {
  it('groups whole batch elements when every head of one fits, heads of one element otherwise', () => {
    expect(spans(3, 2, 10, 1000)).toEqual([[0, 6]]);
    expect(spans(3, 2, 10, 45)).toEqual([
      [0, 4],
      [4, 6],
    ]);
    expect(spans(2, 3, 10, 25)).toEqual([
      [0, 2],
      [2, 3],
      [3, 5],
      [5, 6],
    ]);
    // A slice larger than the bound runs alone.
    expect(spans(2, 2, 100, 10)).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 4],
    ]);
  });

  it('covers every slice once and keeps every group within the bound', () => {
    for (const [batch, heads, per, max] of [
      [5, 4, 7, 100],
      [1, 8, 3, 10],
      [7, 3, 1, 20],
      [4, 4, 16, 16],
    ] as const) {
      const groups = headGroups(batch, heads, per, max);
      expect(groups[0]!.start).toBe(0);
      expect(groups.at(-1)!.end).toBe(batch * heads);
      groups.forEach((g, i) => {
        expect(g.end).toBeGreaterThan(g.start);
        if (i > 0) expect(g.start).toBe(groups[i - 1]!.end);
        if (g.end - g.start > 1) expect((g.end - g.start) * per).toBeLessThanOrEqual(max);
        // Within one batch element, or whole elements.
        const [b0, b1] = [Math.floor(g.start / heads), Math.floor((g.end - 1) / heads)];
        if (b0 !== b1) expect([g.start % heads, g.end % heads]).toEqual([0, 0]);
      });
    }
  });

  it('by default (2²⁰ elements) batches short sequences and runs a slice alone once N² exceeds 2¹⁹', () => {
    expect(DEFAULT_GROUP_ELEMENTS).toBe(1_048_576);
    // MQAR N = 8 (24 tokens), batch 64, 4 heads: one group; 724 tokens: two slices a group; 725: one.
    expect(headGroups(64, 4, 24 * 24)).toHaveLength(1);
    expect(headGroups(1, 4, 724 * 724)).toHaveLength(2);
    expect(headGroups(1, 4, 725 * 725)).toHaveLength(4);
  });

  it('rejects bad arguments, naming them', () => {
    expect(() => headGroups(0, 2, 1)).toThrow(
      "headGroups: argument 'batch' must be a positive integer, got 0",
    );
    expect(() => headGroups(2, 1.5, 1)).toThrow(/argument 'heads' must be a positive integer, got 1.5/);
    expect(() => headGroups(2, 2, Number.NaN)).toThrow(
      /'elementsPerSlice' must be a positive number, got NaN/,
    );
    expect(() => headGroups(2, 2, 4, -1)).toThrow(/'maxElements' must be a positive number, got -1/);
  });
});

describe('groupSlices and groupPart', () => {
  // x[b, h, r, c] = 1000b + 100h + 10r + c: every entry names its slice.
  const [B, H, R, C] = [3, 4, 2, 2];
  const values = Array.from({ length: B * H * R * C }, (_, i) => {
    const [b, h, r, c] = [
      Math.floor(i / (H * R * C)),
      Math.floor(i / (R * C)) % H,
      Math.floor(i / C) % R,
      i % C,
    ];
    return 1000 * b + 100 * h + 10 * r + c;
  });
  const slice = (b: number, h: number) => [0, 1, 10, 11].map((x) => 1000 * b + 100 * h + x);

  it('groupSlices takes the group’s (batch, head) slices of flattenHeads', () => {
    tf.tidy(() => {
      const flat = flattenHeads(tf.tensor4d(values, [B, H, R, C]));
      expect(flat.shape).toEqual([B * H, R, C]);
      const part = groupSlices(flat, { start: 5, end: 7 });
      expect(Array.from(part.dataSync())).toEqual([...slice(1, 1), ...slice(1, 2)]);
    });
  });

  it('groupPart: full axes sliced, size-1 axes broadcast, [1, r, c] when both leading axes are 1', () => {
    tf.tidy(() => {
      const full = tf.tensor4d(values, [B, H, R, C]);
      // Heads 1..2 of element 1; whole elements 1..2.
      expect(Array.from(groupPart(full, H, { start: 5, end: 7 }).dataSync())).toEqual([
        ...slice(1, 1),
        ...slice(1, 2),
      ]);
      expect(groupPart(full, H, { start: 4, end: 12 }).shape).toEqual([8, R, C]);
      expect(Array.from(groupPart(full, H, { start: 4, end: 12 }).dataSync())).toEqual(
        values.slice(4 * R * C),
      );
      // Per batch element [B, 1, R, C]: every head of an element gets the element's entry.
      const perElement = tf.tensor4d(
        values.filter((_, i) => Math.floor(i / (R * C)) % H === 0),
        [B, 1, R, C],
      );
      expect(Array.from(groupPart(perElement, H, { start: 4, end: 12 }).dataSync())).toEqual([
        ...[0, 1, 2, 3].flatMap(() => slice(1, 0)),
        ...[0, 1, 2, 3].flatMap(() => slice(2, 0)),
      ]);
      expect(Array.from(groupPart(perElement, H, { start: 5, end: 7 }).dataSync())).toEqual([
        ...slice(1, 0),
        ...slice(1, 0),
      ]);
      // Per head [1, H, R, C]: the group's heads, whatever its batch elements.
      const perHead = tf.tensor4d(values.slice(0, H * R * C), [1, H, R, C]);
      expect(Array.from(groupPart(perHead, H, { start: 4, end: 12 }).dataSync())).toEqual([
        ...values.slice(0, H * R * C),
        ...values.slice(0, H * R * C),
      ]);
      expect(Array.from(groupPart(perHead, H, { start: 6, end: 8 }).dataSync())).toEqual([
        ...slice(0, 2),
        ...slice(0, 3),
      ]);
      // A group across an element boundary that is not whole elements is not one headGroups makes.
      expect(() => groupPart(full, H, { start: 6, end: 10 })).toThrow(
        /group \[6, 10\) must be whole batch elements or heads of one element \(heads = 4\)/,
      );
      const shared = tf.ones([1, 1, R, C]) as tf.Tensor4D;
      expect(groupPart(shared, H, { start: 2, end: 9 }).shape).toEqual([1, R, C]);
    });
  });
});
