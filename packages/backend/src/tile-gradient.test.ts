import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients; tfjs-layers (always loaded by the trainer) registers them all.
import '@tensorflow/tfjs-layers';
import { initBackend } from './index.node.js';
import { expectClose, expectNoLeakedTensors } from '@tost/vitest-config';
import { installFastTileGradient, tileGradient } from './tile-gradient.js';
import { TILE_CASES, tileSourceIndex } from './test-helpers.js';

/** dL/dx of tile by brute force: every output element adds its dy to the x element it copies. */
function referenceTileGradient(dy: number[], xShape: number[], reps: number[]): number[] {
  const grad = new Array<number>(xShape.reduce((a, b) => a * b, 1)).fill(0);
  for (let flat = 0; flat < dy.length; flat++) grad[tileSourceIndex(flat, xShape, reps)]! += dy[flat]!;
  return grad;
}

beforeAll(async () => {
  await initBackend('cpu');
});

describe('fast Tile gradient', () => {
  it.each(TILE_CASES)('x %j tiled %j matches the brute-force sum over tiles', (xShape, reps) => {
    const outSize = xShape.reduce((a, s, d) => a * s * reps[d]!, 1);
    const dyValues = Array.from({ length: outSize }, (_, i) => Math.sin(i * 1.7) + i * 0.01);
    const dy = tf.tensor(
      dyValues,
      xShape.map((s, d) => s * reps[d]!),
    );
    const g = tileGradient(dy, xShape, reps);
    expect(g.shape).toEqual(xShape);
    expectClose(g.dataSync(), referenceTileGradient(dyValues, xShape, reps), { rtol: 1e-5, atol: 1e-6 });
    tf.dispose([dy, g]);
  });

  it('initBackend installs it: autodiff through tf.tile uses it (same values, no leaks)', async () => {
    // tfjs-layers registered tfjs-core's own Tile gradient (one Slice per tile) at import; initBackend replaced it.
    const info = await tf.profile(() =>
      tf.grad((v: tf.Tensor) => tf.sum(tf.tile(v, [4, 5, 1])))(tf.ones([1, 1, 3])),
    );
    expect(info.kernelNames).toContain('Tile');
    expect(info.kernelNames).not.toContain('Slice');
    installFastTileGradient(); // idempotent
    const x = tf.tensor3d([[[1, 2, 3]]]);
    const w = tf.tensor3d(
      Array.from({ length: 2 * 3 * 3 }, (_, i) => i - 4),
      [2, 3, 3],
    );
    await expectNoLeakedTensors(() => {
      const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.tile(v, [2, 3, 1]), w)))(x);
      // d/dx sum(tile(x)·w) = Σ over the six tiles of w.
      expectClose(g.dataSync(), referenceTileGradient(Array.from(w.dataSync()), [1, 1, 3], [2, 3, 1]), {
        rtol: 1e-6,
      });
      g.dispose();
    });
    tf.dispose([x, w]);
  });
});
