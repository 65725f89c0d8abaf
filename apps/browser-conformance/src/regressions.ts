// The reduced reproductions of the WebGPU failures (docs/upstream/), run on the backend of the page. Each returns what
// it measured; the Node test decides.
import * as tf from '@tensorflow/tfjs-core';
import { createAttention } from '@tost/variants';
import { relativeError } from './checks.js';

/** Reference cumulative sum along the last axis of a [rows, length] array. */
function cumsumRows(values: number[], length: number, exclusive: boolean, reverse: boolean): number[] {
  const out = new Array<number>(values.length).fill(0);
  for (let r = 0; r < values.length / length; r++) {
    let acc = 0;
    for (let k = 0; k < length; k++) {
      const i = r * length + (reverse ? length - 1 - k : k);
      if (exclusive) {
        out[i] = acc;
        acc += values[i]!;
      } else {
        acc += values[i]!;
        out[i] = acc;
      }
    }
  }
  return out;
}

/**
 * Reverse (and exclusive reverse) cumulative sums over several lengths in one page, each vs a JS reference: the
 * webgpu backend reused the shader compiled for the first length. Returns the worst relative error per case.
 */
export async function reverseCumsumAcrossLengths(): Promise<Record<string, number>> {
  const errors: Record<string, number> = {};
  for (const exclusive of [false, true]) {
    for (const length of [2, 5, 3, 7]) {
      const values = Array.from({ length: 3 * length }, (_, i) => ((i * 5) % 7) - 3);
      const x = tf.tensor2d(values, [3, length]);
      const y = tf.cumsum(x, 1, exclusive, true);
      errors[`length ${length}${exclusive ? ', exclusive' : ''}`] = relativeError(
        await y.data(),
        cumsumRows(values, length, exclusive, true),
      );
      tf.dispose([x, y]);
    }
  }
  // The gradient of a forward cumsum is a reverse one: ∂Σ(r ⊙ cumsum(x))/∂x = reverse cumsum of r.
  const r = tf.tensor2d([1, 2, 3, 4, 5, 6], [1, 6]);
  const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.cumsum(x, 1), r)))(tf.zeros([1, 6]));
  errors['gradient of cumsum, length 6'] = relativeError(await g.data(), [21, 20, 18, 15, 11, 6]);
  tf.dispose([r, g]);
  return errors;
}

/**
 * A layer called with a mask, then differentiated with the same mask (a kernel has uploaded it by then): the mask must
 * not be read back synchronously. Returns the input gradient's finiteness and whether the device still computes.
 */
export async function maskReusedAfterUpload(
  name: string,
): Promise<{ gradientFinite: boolean; deviceAlive: boolean; error?: string }> {
  const [b, n, dim] = [2, 12, 16];
  const layer = createAttention(name, { dim, heads: 4 }, { maxLength: n });
  layer.build([null, null, dim]);
  const x = tf.randomNormal([b, n, dim], 0, 1, 'float32', 5);
  // From the CPU, as data arrive; the first call's kernels upload it (and the backend then drops its CPU copy).
  const mask = tf.tensor2d(
    Array.from({ length: b * n }, (_, i) => (i % n < n - 3 ? 1 : 0)),
    [b, n],
  );
  const result: { gradientFinite: boolean; deviceAlive: boolean; error?: string } = {
    gradientFinite: false,
    deviceAlive: false,
  };
  try {
    // Checked and used by the first call (its kernels upload it), then checked again by the gradient's forward pass.
    await (layer.apply(x, { mask }) as tf.Tensor).data();
    const dx = tf.grad((input: tf.Tensor) => tf.sum(layer.apply(input, { mask }) as tf.Tensor))(x);
    result.gradientFinite = Array.from(await dx.data()).every(Number.isFinite);
    dx.dispose();
  } catch (err) {
    result.error = (err as Error).message;
  }
  try {
    const probe = tf.matMul(tf.ones([8, 8]), tf.ones([8, 8]));
    result.deviceAlive = (await probe.data())[0] === 8;
    probe.dispose();
  } catch (err) {
    result.error = `${result.error ?? ''} then: ${(err as Error).message}`;
  }
  for (const w of layer.weights) w.dispose();
  tf.dispose([x, mask]);
  return result;
}

/**
 * A synchronous readback (`dataSync`) of data that lives on the GPU. On Chromium's SwiftShader WebGPU adapter the
 * canvas-based readback of tfjs-backend-webgpu returns zeros and destroys the device — the same happens in plain
 * WebGPU (docs/upstream/webgpu-sync-readback.md). Run last: it may kill the page's device.
 */
export async function syncReadback(): Promise<{ adapter: string; values: number[]; deviceAlive: boolean }> {
  const adapter = await navigator.gpu?.requestAdapter();
  const info = (adapter as unknown as { info?: { architecture?: string; vendor?: string } } | null)?.info;
  const x = tf.tensor1d(Array.from({ length: 22 }, (_, i) => i + 1));
  // A matMul uploads x (the backend then drops its CPU copy), so dataSync must read the GPU buffer.
  const product = tf.matMul(tf.reshape(x, [1, 22]), tf.ones([22, 1]));
  await product.data();
  const values = Array.from(x.dataSync()).slice(0, 4);
  tf.dispose([x, product]);
  let deviceAlive = false;
  try {
    const probe = tf.matMul(tf.ones([8, 8]), tf.ones([8, 8]));
    deviceAlive = (await probe.data())[0] === 8;
  } catch {
    deviceAlive = false;
  }
  return { adapter: `${info?.vendor ?? '?'} ${info?.architecture ?? '?'}`, values, deviceAlive };
}
