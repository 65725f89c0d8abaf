import { describe, it, expect, beforeAll, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-layers registers tfjs-core's gradients (the core's node bundle does not).
import '@tensorflow/tfjs-layers';
import { initBackend, checkBackend } from './index.node.js';

describe('checkBackend', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('finds wasm in agreement with cpu on every probe, quietly, without leaking tensors', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const before = tf.memory().numTensors;
    const report = await checkBackend();
    expect(tf.memory().numTensors).toBe(before);
    expect(report.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(report.probes.length).toBeGreaterThanOrEqual(4);
    for (const p of report.probes) {
      expect(p.forwardError, p.name).toBeLessThan(1e-5);
      expect(p.gradientError, p.name).toBeLessThan(1e-5);
    }
    expect(report).toMatchObject({ ok: true, warnings: [] });
    // (tfjs' cpu backend greets Node users once; checkBackend itself says nothing.)
    expect(warn.mock.calls.filter((c) => /checkBackend/.test(String(c[0])))).toEqual([]);
    warn.mockRestore();
  });

  it('warns, naming the probe, when a kernel of the backend computes wrong values', async () => {
    // A broken reverse cumulative sum on wasm (as tfjs-backend-webgpu 4.22's was): the cumsum gradient goes wrong.
    const original = tf.getKernel('Cumsum', 'wasm')!;
    tf.unregisterKernel('Cumsum', 'wasm');
    tf.registerKernel({
      ...original,
      kernelFunc: (args) => {
        const attrs = args.attrs as { reverse: boolean };
        return original.kernelFunc({
          ...args,
          attrs: { ...args.attrs, reverse: false, exclusive: attrs.reverse },
        });
      },
    });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const report = await checkBackend({ tolerance: 1e-4 });
      expect(report.ok).toBe(false);
      const bad = report.probes.filter((p) => !p.ok).map((p) => p.name);
      expect(bad).toEqual(expect.arrayContaining([expect.stringMatching(/cumsum/)]));
      // Only the probes with prefix sums fail: the others do not use the kernel.
      expect(
        bad.every((n) => /cumsum|prefix sums/.test(n)),
        bad.join('; '),
      ).toBe(true);
      expect(report.warnings[0]).toMatch(/checkBackend: 'wasm' disagrees with cpu on .*cumsum.*gradient \d/);
      expect(warn).toHaveBeenCalledWith(report.warnings[0]);
    } finally {
      warn.mockRestore();
      tf.unregisterKernel('Cumsum', 'wasm');
      tf.registerKernel(original);
    }
  });

  it('names the backend and what to do when it cannot check', async () => {
    await expect(checkBackend({ backend: 'webgpu' })).rejects.toThrow(
      /backend 'webgpu' is not registered.*initBackend\('webgpu'\)/,
    );
    // A bad tolerance would report every probe as a disagreement: it is refused instead.
    for (const [tolerance, shown] of [
      [-1, '-1'],
      [0, '0'],
      [Number.NaN, 'NaN'],
      ['x', '"x"'],
    ] as const) {
      await expect(checkBackend({ tolerance: tolerance as number })).rejects.toThrow(
        `checkBackend: option 'tolerance' must be a positive finite relative error (default 1e-4), got ${shown}`,
      );
    }
  });
});
