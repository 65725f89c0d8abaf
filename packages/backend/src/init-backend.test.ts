import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, describeBackendSelection, NODE_AUTO_ORDER } from './index.node.js';

describe('initBackend (Node entry)', () => {
  it('auto picks a backend and explains every faster one it skipped', async () => {
    const selection = await initBackend('auto');
    expect(NODE_AUTO_ORDER).toEqual(['node-gpu', 'node', 'wasm', 'cpu']);
    expect(['node-gpu', 'node', 'wasm', 'cpu']).toContain(selection.name);
    expect(tf.getBackend()).toBe(selection.tfBackendName);
    const chosenIndex = NODE_AUTO_ORDER.indexOf(selection.name);
    expect(selection.reasonsSkipped.map((s) => s.name)).toEqual(NODE_AUTO_ORDER.slice(0, chosenIndex));
    for (const skipped of selection.reasonsSkipped) expect(skipped.reason.length).toBeGreaterThan(10);
    expect(describeBackendSelection(selection)).toContain(selection.name);
  });

  it('wasm loads from a fresh install, reports SIMD and one thread in Node, and computes a matMul', async () => {
    const selection = await initBackend('wasm');
    expect(selection).toEqual({
      name: 'wasm',
      tfBackendName: 'wasm',
      reasonsSkipped: [],
      wasm: { simd: true, multithreaded: false, threads: 1 },
    });
    expect(describeBackendSelection(selection)).toBe('wasm (SIMD, 1 thread)');
    const y = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
    expect(Array.from(await y.data())).toEqual([11]);
    y.dispose();
  });

  it('cpu can be chosen explicitly', async () => {
    const selection = await initBackend('cpu');
    expect(selection.name).toBe('cpu');
    expect(selection.wasm).toBeUndefined();
    expect(tf.getBackend()).toBe('cpu');
  });

  it('an unknown preference names the accepted values', async () => {
    await expect(initBackend('tpu')).rejects.toThrow(
      /unknown backend preference 'tpu'.*auto, node-gpu, node, webgpu, webgl, wasm, cpu/,
    );
  });

  it('a browser-only backend asked for in Node says where it runs', async () => {
    await expect(initBackend('webgl')).rejects.toThrow(
      /backend 'webgl' is not available: .*needs a browser \(WebGL\); in Node.js use node, wasm or cpu/,
    );
    await expect(initBackend('webgpu')).rejects.toThrow(/needs a browser \(WebGPU\)/);
  });

  it('rejects a bad wasmThreads option by name', async () => {
    await expect(initBackend('wasm', { wasmThreads: 0 })).rejects.toThrow(
      /'wasmThreads' must be an integer ≥ 1, got 0/,
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
