import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import { expectNoLeakedTensors, maxRelativeError, testBackends } from '@tost/vitest-config';
import { disposeStepped, stepThrough } from '@tost/attention/testing';
import { CausalTSSA, type CausalTSSAState } from './index.js';

const dim = 12;
const heads = 3;
const maxLength = 10;

function makeLayer(useBias: boolean): CausalTSSA {
  const layer = new CausalTSSA({ dim, heads, maxLength, useBias, name: 'stream' });
  layer.build([null, null, dim]);
  // Random weights everywhere: τ = 1 and β = 0 (the initial values) would hide position or head mix-ups.
  const values = layer.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.6, 'float32', 60 + i));
  layer.setWeights(values);
  tf.dispose(values);
  return layer;
}

/** Runs `step` over tokens 0..t−1 of x [batch, seq, dim]; returns the outputs [batch, t, dim] and the final state. */
function streamPrefix(
  layer: CausalTSSA,
  x: tf.Tensor3D,
  t: number,
): { outputs: tf.Tensor3D; state: CausalTSSAState } {
  const start = layer.initState(x.shape[0]);
  const stepped = stepThrough(layer, start, x, 0, t, 'CausalTSSA');
  const state = stepped.states.pop()!;
  const outputs = tf.stack(stepped.outputs, 1) as tf.Tensor3D;
  disposeStepped(layer, stepped);
  layer.disposeState(start);
  return { outputs, state };
}

for (const backend of testBackends()) {
  describe(`CausalTSSA streaming decoding on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend(backend);
    });

    for (const useBias of [false, true]) {
      it(`t calls to step equal the full causal forward on the same t tokens (useBias ${useBias}, batch 3)`, () => {
        const layer = makeLayer(useBias);
        const x = tf.randomNormal([3, maxLength, dim], 0, 1, 'float32', 70) as tf.Tensor3D;
        for (const t of [1, 2, 5, maxLength]) {
          const { outputs, state } = streamPrefix(layer, x, t);
          const prefix = tf.slice(x, [0, 0, 0], [3, t, dim]);
          const full = layer.apply(prefix) as tf.Tensor;
          expect(outputs.shape).toEqual([3, t, dim]);
          expect(maxRelativeError(outputs.dataSync(), full.dataSync()), `t = ${t}`).toBeLessThan(1e-4);
          expect(state.position).toBe(t);
          tf.dispose([outputs, prefix, full]);
          layer.disposeState(state);
        }
        x.dispose();
      });
    }

    it('keeps the running sums of the state equal to the sums over the prefix', () => {
      const layer = makeLayer(true);
      const x = tf.randomNormal([2, 6, dim], 0, 1, 'float32', 71) as tf.Tensor3D;
      const { outputs, state } = streamPrefix(layer, x, 6);
      tf.tidy(() => {
        const [qkvKernel, qkvBias] = layer.getWeights();
        const projected = tf.add(tf.matMul(tf.reshape(x, [12, dim]), qkvKernel!), qkvBias!);
        const w = tf.transpose(tf.reshape(projected, [2, 6, heads, dim / heads]), [0, 2, 1, 3]);
        const [, pi] = layer.callAndReturnMembership(x);
        const expectedSquares = tf.sum(tf.square(w), 2);
        const expectedPiSquares = tf.sum(tf.mul(tf.expandDims(pi, 3), tf.square(w)), 2);
        const expectedPi = tf.sum(pi, 2, true);
        expect(maxRelativeError(state.sumSquares.dataSync(), expectedSquares.dataSync())).toBeLessThan(1e-5);
        expect(maxRelativeError(state.sumPiSquares.dataSync(), expectedPiSquares.dataSync())).toBeLessThan(
          1e-5,
        );
        expect(maxRelativeError(state.sumPi.dataSync(), expectedPi.dataSync())).toBeLessThan(1e-5);
      });
      tf.dispose([x, outputs]);
      layer.disposeState(state);
    });

    it('initState gives zero sums of the documented shapes at position 0', () => {
      const layer = makeLayer(false);
      const state = layer.initState(2);
      expect(state.sumSquares.shape).toEqual([2, heads, dim / heads]);
      expect(state.sumPiSquares.shape).toEqual([2, heads, dim / heads]);
      expect(state.sumPi.shape).toEqual([2, heads, 1]);
      expect(state.position).toBe(0);
      expect(
        Math.max(...state.sumSquares.dataSync(), ...state.sumPiSquares.dataSync(), ...state.sumPi.dataSync()),
      ).toBe(0);
      layer.disposeState(state);
      expect(() => layer.initState(0)).toThrow(/'stream'.*'batch' must be a positive integer, got 0/);
    });

    it('leaks no tensors: step creates exactly its output and the new state, and leaves the old state alive', async () => {
      const layer = makeLayer(true);
      const state = layer.initState(2);
      const xt = tf.randomNormal([2, dim], 0, 1, 'float32', 72);
      // Warm-up (kernels are created once), then dispose everything it returned.
      const warm = layer.step(state, xt);
      warm.output.dispose();
      layer.disposeState(warm.state);
      await expectNoLeakedTensors(() => {
        const before = tf.memory().numTensors;
        const { output, state: next } = layer.step(state, xt);
        expect(tf.memory().numTensors - before, 'output + three state tensors').toBe(4);
        expect(state.sumSquares.isDisposed).toBe(false);
        expect(output.shape).toEqual([2, dim]);
        output.dispose();
        layer.disposeState(next);
      }, 'step');
      // The returned tensors survive an enclosing tidy (the caller owns them).
      let kept: ReturnType<CausalTSSA['step']> | undefined;
      tf.tidy(() => {
        kept = layer.step(state, xt);
      });
      if (!kept) throw new Error('step returned nothing');
      expect(kept.output.isDisposed).toBe(false);
      expect(kept.state.sumPi.isDisposed).toBe(false);
      kept.output.dispose();
      layer.disposeState(kept.state);
      layer.disposeState(state);
      xt.dispose();
    });

    it('refuses to step past maxLength and validates xt and the state', () => {
      const layer = makeLayer(false);
      const x = tf.randomNormal([1, maxLength, dim], 0, 1, 'float32', 73) as tf.Tensor3D;
      const { outputs, state } = streamPrefix(layer, x, maxLength);
      const xt = tf.ones([1, dim]);
      expect(() => layer.step(state, xt)).toThrow(
        new RegExp(
          `'stream' step: cannot step past maxLength = ${maxLength} \\(state.position = ${maxLength}\\)`,
        ),
      );
      const fresh = layer.initState(1);
      const wrongWidth = tf.ones([1, dim + 1]);
      const wrongBatch = tf.ones([2, dim]);
      const wrongRank = tf.ones([1, 1, dim]);
      expect(() => layer.step(fresh, wrongWidth)).toThrow(
        new RegExp(`'xt' must have shape \\[batch, dim\\] = \\[1, ${dim}\\].*got \\[1, ${dim + 1}\\]`),
      );
      expect(() => layer.step(fresh, wrongBatch)).toThrow(
        /'xt' must have shape \[batch, dim\] = \[1, 12\].*got \[2, 12\]/,
      );
      expect(() => layer.step(fresh, wrongRank)).toThrow(/'xt' must have shape.*got \[1, 1, 12\]/);
      const badState = { ...fresh, sumPi: tf.zeros([1, heads + 1, 1]) as tf.Tensor3D };
      expect(() => layer.step(badState, xt)).toThrow(
        /'state.sumPi' must have shape \[batch, heads, 1\] = \[1, 3, 1\], got \[1, 4, 1\]/,
      );
      expect(() => layer.step({ ...fresh, position: -1 }, xt)).toThrow(
        /'state.position' must be a non-negative integer/,
      );
      tf.dispose([x, outputs, xt, wrongWidth, wrongBatch, wrongRank, badState.sumPi]);
      layer.disposeState(state);
      layer.disposeState(fresh);
    });
  });
}
