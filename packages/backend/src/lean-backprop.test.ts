import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients; tfjs-layers registers them all.
import '@tensorflow/tfjs-layers';
import { initBackend } from './index.node.js';

type Gradients = (
  f: () => tf.Tensor,
  xs: tf.Tensor[],
  dy?: tf.Tensor,
) => { value: tf.Tensor; grads: tf.Tensor[] };
type AddTapeNode = (...args: unknown[]) => void;
const engine = () =>
  tf.engine() as unknown as {
    gradients: Gradients;
    tfjsGradients?: Gradients;
    addTapeNode: AddTapeNode;
    tfjsAddTapeNode?: AddTapeNode;
  };

/** Runs `fn` recording the tape with tfjs-core's own `addTapeNode` (a Reshape node then saves its whole input). */
function withTfjsTape<T>(fn: () => T): T {
  const e = engine();
  const lean = e.addTapeNode;
  e.addTapeNode = e.tfjsAddTapeNode!;
  try {
    return fn();
  } finally {
    e.addTapeNode = lean;
  }
}

/** The kernels `run` executes, each with the live tensor bytes after it (the engine's profiler records them). */
function profiledKernels(run: () => void): { name: string; totalBytesSnapshot: number }[] {
  const e = tf.engine() as unknown as {
    state: {
      profiling: boolean;
      activeProfile: { kernels: { name: string; totalBytesSnapshot: number }[] };
    };
  };
  e.state.activeProfile.kernels = [];
  e.state.profiling = true;
  try {
    run();
  } finally {
    e.state.profiling = false;
  }
  const kernels = e.state.activeProfile.kernels;
  e.state.activeProfile.kernels = [];
  return kernels;
}

/**
 * Live tensor bytes after each kernel while `run` executes: the peak, and the bytes alive after the last kernel (the
 * end of the backward pass).
 */
function liveBytes(run: () => tf.Tensor[]): { peak: number; last: number } {
  const snapshots = profiledKernels(() => tf.dispose(run())).map((k) => k.totalBytesSnapshot);
  return { peak: Math.max(...snapshots), last: snapshots[snapshots.length - 1]! };
}

const maxAbsDifference = (x: tf.Tensor, y: tf.Tensor) =>
  tf.tidy(() => tf.max(tf.abs(tf.sub(x, y))).dataSync()[0]!);

describe.each(['wasm', 'cpu'])('lean backprop on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  /**
   * A function that exercises what the backward walk must get right: a tensor read by several ops (accumulated
   * gradients), a multi-output op (split), a custom gradient, broadcasting, and a branch that does not reach y.
   */
  const x = () => tf.randomNormal([6, 8], 0, 1, 'float32', 3);
  const w = () => tf.randomNormal([8, 8], 0, 1, 'float32', 4);
  const scaleTwice = tf.customGrad(((a: tf.Tensor, save: tf.GradSaveFunc) => {
    save([a]);
    return { value: tf.mul(a, 2), gradFunc: (dy: tf.Tensor) => tf.mul(dy, 2) };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (a: tf.Tensor) => tf.Tensor;
  const f = (a: tf.Tensor, b: tf.Tensor) => () => {
    const h = tf.tanh(tf.matMul(a, b));
    const [left, right] = tf.split(h, 2, 1);
    tf.exp(a); // does not reach y
    const viaReshape = tf.sum(tf.square(tf.transpose(tf.reshape(h, [3, 2, 8]), [1, 0, 2])));
    return tf.add(
      tf.add(tf.sum(tf.mul(scaleTwice(left!), tf.sigmoid(right!))), tf.sum(tf.mul(h, tf.mean(a, 0)))),
      viaReshape,
    );
  };

  it('gives tfjs-core’s gradients bit for bit (also with a caller’s dy), and leaks nothing', () => {
    const original = engine().tfjsGradients;
    expect(original, 'initBackend installs it').toBeTypeOf('function');
    const a = x();
    const b = w();
    for (const dy of [undefined, tf.scalar(0.37)]) {
      const before = tf.memory().numTensors;
      const lean = engine().gradients(f(a, b), [a, b], dy);
      const reference = withTfjsTape(() => original!(f(a, b), [a, b], dy));
      expect(Array.from(lean.value.dataSync())).toEqual(Array.from(reference.value.dataSync()));
      lean.grads.forEach((g, i) => {
        expect(g.shape).toEqual(reference.grads[i]!.shape);
        expect(Array.from(g.dataSync())).toEqual(Array.from(reference.grads[i]!.dataSync()));
      });
      if (dy) expect(dy.isDisposed, "the caller's dy is the caller's").toBe(false);
      tf.dispose([lean.value, ...lean.grads, reference.value, ...reference.grads]);
      expect(tf.memory().numTensors).toBe(before);
      dy?.dispose();
    }
    tf.dispose([a, b]);
  });

  it('as tfjs with tensors it does not own, one gradient for two inputs, and a custom op returning its input', () => {
    const original = engine().tfjsGradients!;
    const w = tf.ones([3]); // the caller's: handed out as a gradient, never to be freed by the walk
    const straightThrough = tf.customGrad(((a: tf.Tensor, save: tf.GradSaveFunc) => {
      save([]);
      return { value: tf.round(a), gradFunc: () => w };
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (a: tf.Tensor) => tf.Tensor;
    const average = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
      save([]);
      return {
        value: tf.mul(tf.add(a, b), 0.5),
        gradFunc: (dy: tf.Tensor) => {
          const g = tf.mul(dy, 0.5);
          return [g, g]; // the same tensor for both inputs
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
      a: tf.Tensor,
      b: tf.Tensor,
    ) => tf.Tensor;
    const clipGradient = tf.customGrad(((a: tf.Tensor, save: tf.GradSaveFunc) => {
      save([]);
      return { value: a, gradFunc: (dy: tf.Tensor) => tf.clipByValue(dy, -1, 1) }; // its output is its input
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (a: tf.Tensor) => tf.Tensor;
    const x = tf.tensor1d([0.3, -1.2, 2.5]);
    const cases: [string, () => tf.Tensor][] = [
      ['a caller-owned gradient', () => tf.sum(straightThrough(tf.mul(x, 2)))],
      [
        'one gradient for two inputs',
        () => {
          const h = tf.exp(x);
          return tf.sum(tf.add(average(h, tf.sin(x)), h));
        },
      ],
      ['a custom op returning its input', () => tf.sum(tf.square(clipGradient(tf.mul(x, 3))))],
    ];
    for (const [label, f] of cases) {
      const before = tf.memory().numTensors;
      const lean = engine().gradients(f, [x]);
      const reference = original(f, [x]);
      expect(Array.from(lean.grads[0]!.dataSync()), label).toEqual(
        Array.from(reference.grads[0]!.dataSync()),
      );
      tf.dispose([lean.value, ...lean.grads, reference.value, ...reference.grads]);
      expect(tf.memory().numTensors, label).toBe(before);
    }
    expect(w.isDisposed).toBe(false);
    tf.dispose([w, x]);
  });

  it('tf.grads, tf.variableGrads and second-order gradients still agree with the closed forms', () => {
    tf.tidy(() => {
      // d/dx Σ x³ = 3x², and the gradient of that gradient's sum: 6x (a gradient taken inside a gradient).
      const v = tf.tensor1d([-1.5, 0.5, 2]);
      // A reshape inside: its node is recorded at gradient depth 1 and walked by tfjs's pass, then by the lean one.
      const first = tf.grad((t: tf.Tensor) => tf.sum(tf.pow(tf.reshape(t, [3, 1]), 3)));
      expect(Array.from(first(v).dataSync())).toEqual([6.75, 0.75, 12]);
      const second = tf.grad((t: tf.Tensor) => tf.sum(first(t)));
      expect(Array.from(second(v).dataSync())).toEqual([-9, 3, 12]);
      const variable = tf.variable(tf.tensor1d([1, 2]));
      const { grads } = tf.variableGrads(() => tf.sum(tf.square(variable)) as tf.Scalar, [variable]);
      expect(Array.from(grads[variable.name]!.dataSync())).toEqual([2, 4]);
      variable.dispose();
    });
  });

  it('keeps no reshaped activation for the backward pass: a Reshape node needs only its input’s shape', () => {
    const a = tf.randomNormal([512, 256], 0, 1, 'float32', 6);
    const size = 512 * 256 * 4;
    // `wide` is read only by the reshape (Mul saves its inputs, Transpose nothing): once the transpose has run, only
    // tfjs's Reshape node (which saves its input) would keep it alive. Sin saves `heads`, Sum its input.
    const fn = () => {
      const wide = tf.mul(a, 3);
      const heads = tf.transpose(tf.reshape(wide, [512, 4, 64]), [1, 0, 2]);
      return tf.sum(tf.sin(heads));
    };
    const before = tf.memory().numBytes;
    let result: { value: tf.Tensor; grads: tf.Tensor[] };
    const kernels = profiledKernels(() => {
      result = engine().gradients(fn, [a]);
    });
    // The backward pass starts after the forward's Sum; the largest live tensor bytes from there on, beyond what was
    // alive before, in units of `wide`: 6 (the saved activations, the gradients and their temporaries); 7 while the
    // Reshape node kept `wide`.
    const backward = kernels.slice(kernels.findIndex((k) => k.name === 'Sum') + 1);
    const peak = Math.max(...backward.map((k) => k.totalBytesSnapshot));
    expect((peak - before) / size).toBeLessThanOrEqual(6.01);
    const expected = tf.tidy(() => tf.mul(tf.cos(tf.mul(a, 3)), 3));
    expect(maxAbsDifference(result!.grads[0]!, expected)).toBeLessThan(1e-5);
    tf.dispose([a, expected, result!.value, ...result!.grads]);
  });

  it('keeps the whole input when the registered Reshape gradient is not tfjs-core’s own', () => {
    const own = tf.getGradient(tf.Reshape)!;
    let valuesSeen: number[] = [];
    // A gradient that reads its saved input's values: the shape-only stand-in must not reach it.
    tf.registerGradient({
      kernelName: tf.Reshape,
      inputsToSave: ['x'],
      gradFunc: (dy, saved) => {
        const [x] = saved as [tf.Tensor];
        valuesSeen = Array.from(x.dataSync());
        return { x: () => tf.reshape(dy as tf.Tensor, x.shape) };
      },
    });
    try {
      const a = tf.tensor1d([1, 2, 3, 4]);
      const [g] = tf.grads((t: tf.Tensor) => tf.sum(tf.square(tf.reshape(tf.mul(t, 2), [2, 2]))))([a]);
      expect(valuesSeen).toEqual([2, 4, 6, 8]);
      expect(Array.from(g!.dataSync())).toEqual([8, 16, 24, 32]);
      tf.dispose([a, g!]);
    } finally {
      tf.registerGradient(own);
    }
  });

  it('frees intermediate gradients and saved tensors as it goes: a deep chain ends holding its result only', () => {
    const a = tf.randomNormal([256, 256], 0, 1, 'float32', 5);
    // 24 elementwise ops, each saving its input: tfjs keeps all 24 gradients and saved inputs to the end.
    const chain = () => {
      let h: tf.Tensor = a;
      for (let i = 0; i < 24; i++) h = i % 2 ? tf.sin(h) : tf.mul(h, h);
      return tf.sum(h);
    };
    const run = (g: Gradients) => () => {
      const r = g(chain, [a]);
      return [r.value, ...r.grads];
    };
    const lean = liveBytes(run(engine().gradients));
    const upstream = liveBytes(run(engine().tfjsGradients!));
    // At the end of the backward pass tfjs still holds every gradient and saved input; lean holds the result.
    expect(lean.last).toBeLessThan(upstream.last / 4);
    expect(lean.peak).toBeLessThan(upstream.peak);
    a.dispose();
  });
});
