import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { initBackend } from './index.node.js';

// Its own test file: tfjs initialises the wasm module once per process, threaded or not.
const saved = process.env.TOST_WASM_THREADS;
beforeAll(() => {
  process.env.TOST_WASM_THREADS = '2';
});
afterAll(() => {
  if (saved === undefined) delete process.env.TOST_WASM_THREADS;
  else process.env.TOST_WASM_THREADS = saved;
});

describe('threaded wasm in Node (TOST_WASM_THREADS)', () => {
  it('starts the threaded SIMD build with a pool of min(2, cores) threads that computes what cpu computes', async () => {
    const selection = await initBackend('wasm');
    expect(selection.name).toBe('wasm');
    expect(getThreadsCount()).toBe(Math.min(2, availableParallelism()));
    const a = tf.randomNormal([300, 70], 0, 1, 'float32', 1);
    const b = tf.randomNormal([70, 90], 0, 1, 'float32', 2);
    const [av, bv] = [a.arraySync() as number[][], b.arraySync() as number[][]];
    const y = tf.matMul(a, b).arraySync() as number[][];
    // float64 reference in plain JS.
    let worst = 0;
    for (let i = 0; i < 300; i += 7) {
      for (let j = 0; j < 90; j++) {
        let s = 0;
        for (let k = 0; k < 70; k++) s += av[i]![k]! * bv[k]![j]!;
        worst = Math.max(worst, Math.abs(y[i]![j]! - s) / (1 + Math.abs(s)));
      }
    }
    expect(worst).toBeLessThan(1e-5);
    tf.dispose([a, b]);
  });

  it('is the default on a multi-core machine (one thread per core, at most 8), and a program still exits', () => {
    const entry = new URL('../dist/index.node.js', import.meta.url);
    const script = `import { initBackend } from ${JSON.stringify(entry.href)};
      import * as tf from '@tensorflow/tfjs-core';
      import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
      await initBackend('wasm');
      console.log(getThreadsCount(), tf.matMul(tf.ones([64, 64]), tf.ones([64, 64])).dataSync()[0]);`;
    const env = { ...process.env };
    delete env.TOST_WASM_THREADS;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env,
      timeout: 60_000,
      encoding: 'utf8',
    });
    // The pthread workers are unref-ed: without that the child would never exit.
    expect(child.error, 'the child process did not exit within 60 s').toBeUndefined();
    expect(child.status, child.stderr).toBe(0);
    expect(child.stdout.trim().split('\n').at(-1)).toBe(`${Math.min(8, availableParallelism())} 64`);
  });

  it('rejects a bad TOST_WASM_THREADS by name', async () => {
    process.env.TOST_WASM_THREADS = 'many';
    await expect(initBackend('wasm')).rejects.toThrow(
      /TOST_WASM_THREADS must be an integer from 1 to 8, got 'many'/,
    );
    process.env.TOST_WASM_THREADS = '2';
  });
});
