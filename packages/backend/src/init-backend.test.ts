import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, describeBackendSelection } from './init-backend.js';

describe('initBackend', () => {
  it('auto picks a backend and explains every faster one it skipped', async () => {
    const selection = await initBackend('auto');
    expect(['node-gpu', 'node', 'wasm', 'cpu']).toContain(selection.name);
    expect(tf.getBackend()).toBe(selection.tfBackendName);
    const order = ['node-gpu', 'node', 'wasm', 'cpu'];
    const chosenIndex = order.indexOf(selection.name);
    expect(selection.reasonsSkipped.map((s) => s.name)).toEqual(order.slice(0, chosenIndex));
    for (const skipped of selection.reasonsSkipped) expect(skipped.reason.length).toBeGreaterThan(10);
    expect(describeBackendSelection(selection)).toContain(selection.name);
  });

  it('wasm loads from a fresh install and computes a matMul', async () => {
    const selection = await initBackend('wasm');
    expect(selection).toEqual({ name: 'wasm', tfBackendName: 'wasm', reasonsSkipped: [] });
    const y = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
    expect(Array.from(await y.data())).toEqual([11]);
    y.dispose();
  });

  it('cpu can be chosen explicitly', async () => {
    const selection = await initBackend('cpu');
    expect(selection.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('an unknown preference names the accepted values', async () => {
    await expect(initBackend('tpu')).rejects.toThrow(
      /unknown backend preference 'tpu'.*auto, node-gpu, node, wasm, cpu/,
    );
  });

  it('reads TOST_BACKEND when no argument is given', async () => {
    const saved = process.env.TOST_BACKEND;
    process.env.TOST_BACKEND = 'cpu';
    try {
      expect((await initBackend()).name).toBe('cpu');
    } finally {
      if (saved === undefined) delete process.env.TOST_BACKEND;
      else process.env.TOST_BACKEND = saved;
    }
  });

  it('an explicit native backend that is not installed says why and how to install it', async () => {
    let nodeInstalled = true;
    try {
      const specifier = '@tensorflow/tfjs-node';
      await import(specifier);
    } catch {
      nodeInstalled = false;
    }
    if (nodeInstalled) {
      expect((await initBackend('node')).name).toBe('node');
    } else {
      await expect(initBackend('node')).rejects.toThrow(
        /backend 'node' is not available: .*To install it: .*tfjs-node/,
      );
    }
  });
});
