import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from './index.node.js';
import { countWasmBuffers } from './wasm-buffer-counter.js';

describe('countWasmBuffers', () => {
  it('pairs a free with its allocation above 2 GiB (signed pointer from _malloc, unsigned offset to _free)', () => {
    // A fake allocator: the second buffer sits above 2 GiB, where _malloc's int32 result is negative and
    // tfjs-backend-wasm frees `pointer >>> 0`.
    const pointers = [1024, -1024];
    const freed: number[] = [];
    const wasm = { _malloc: (_bytes: number) => pointers.shift()!, _free: (p: number) => void freed.push(p) };
    const original = { malloc: wasm._malloc, free: wasm._free };
    const counter = countWasmBuffers(wasm);
    const a = wasm._malloc(100) >>> 0;
    const b = wasm._malloc(300) >>> 0;
    wasm._free(b);
    wasm._free(a);
    const c = counter.peak();
    // Both freed: the next allocation starts from 0 live bytes again.
    pointers.push(2048);
    wasm._malloc(50);
    expect([c, counter.peak()]).toEqual([400, 400]);
    expect(freed).toEqual([2 ** 32 - 1024, 1024]);
    counter.stop();
    expect([wasm._malloc, wasm._free]).toEqual([original.malloc, original.free]);
  });

  it('on the wasm backend: counts a tensor buffer and leaves no tensor behind (its warm-up included)', async () => {
    await initBackend('wasm');
    const before = tf.memory().numTensors;
    const counter = countWasmBuffers();
    const t = tf.zeros([1000]);
    t.dispose();
    counter.stop();
    expect(counter.peak()).toBeGreaterThanOrEqual(4000);
    expect(tf.memory().numTensors).toBe(before);
  });
});
