import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { expectClose, type CloseOptions } from '@tost/vitest-config';
import { canPrefill, stateTensors, type StreamingAttention } from '../streaming.js';

/** A streaming layer with `prefill`, as `expectPrefillMatchesSteps` takes it. */
type PrefillLayer = StreamingAttention & { getClassName?(): string };

/** The `position` a state carries, when it has one (a number); `undefined` otherwise. */
function positionOf(state: unknown): number | undefined {
  const p = (state as { position?: unknown } | null)?.position;
  return typeof p === 'number' ? p : undefined;
}

/**
 * Checks `prefill` against `step`: for x [batch, seq, dim] (float32; not disposed), prefilling the first
 * `prefixLength` tokens (0 < prefixLength < seq) and stepping over the rest gives the outputs of stepping over every
 * token, the same state tensors at the end and — for a state with a numeric `position` — the same position
 * (seq; prefixLength right after the prefill, 0 still on the state passed in). An empty block [batch, 0, dim] returns
 * outputs of that shape and keeps the position. Every tensor made is disposed; a leaked one fails the check.
 *
 * @param tolerance the `expectClose` tolerance for outputs and state (default rtol = atol = 1e-4).
 * @throws (an assertion failure) when the layer has no `prefill` or any of the above differs.
 */
export function expectPrefillMatchesSteps(
  layer: PrefillLayer,
  x: tf.Tensor3D,
  prefixLength: number,
  tolerance: Omit<CloseOptions, 'label'> = { rtol: 1e-4, atol: 1e-4 },
): void {
  const name = layer.getClassName?.() ?? 'layer';
  if (!canPrefill(layer)) throw new Error(`${name} has no prefill method`);
  const [batch, seq, dim] = x.shape;
  if (!(Number.isInteger(prefixLength) && prefixLength > 0 && prefixLength < seq)) {
    throw new RangeError(
      `expectPrefillMatchesSteps: prefixLength must be an integer in 1..${seq - 1}, got ${prefixLength}`,
    );
  }
  const token = (t: number) =>
    tf.tidy(() => tf.reshape(tf.slice(x, [0, t, 0], [batch, 1, dim]), [batch, dim]));
  const before = tf.memory().numTensors;

  // Reference: step over every token.
  let stepped = layer.initState(batch);
  const steppedOutputs: tf.Tensor[] = [];
  for (let t = 0; t < seq; t++) {
    const xt = token(t);
    const r = layer.step(stepped, xt);
    if (positionOf(stepped) !== undefined) {
      expect(positionOf(r.state), `${name}: position after step ${t}`).toBe(t + 1);
    }
    layer.disposeState(stepped);
    stepped = r.state;
    steppedOutputs.push(r.output);
    xt.dispose();
  }

  // Prefill the prompt, check an empty block, then step over the rest.
  const start = layer.initState(batch);
  const startPosition = positionOf(start);
  const prompt = tf.slice(x, [0, 0, 0], [batch, prefixLength, dim]);
  const prefilled = layer.prefill(start, prompt);
  expect(prefilled.output.shape, `${name}: prefill output shape`).toEqual([batch, prefixLength, dim]);
  if (startPosition !== undefined) {
    expect(positionOf(prefilled.state), `${name}: position after a prefill of ${prefixLength} tokens`).toBe(
      startPosition + prefixLength,
    );
    expect(positionOf(start), `${name}: the state passed in is unchanged`).toBe(startPosition);
  }
  const none = tf.zeros([batch, 0, dim]);
  const empty = layer.prefill(prefilled.state, none);
  expect(empty.output.shape, `${name}: output of an empty prefill`).toEqual([batch, 0, dim]);
  expect(positionOf(empty.state), `${name}: an empty prefill keeps the position`).toBe(
    positionOf(prefilled.state),
  );
  let state = prefilled.state;
  const outputs: tf.Tensor[] = [prefilled.output];
  for (let t = prefixLength; t < seq; t++) {
    const xt = token(t);
    const r = layer.step(state, xt);
    layer.disposeState(state);
    state = r.state;
    outputs.push(tf.expandDims(r.output, 1));
    r.output.dispose();
    xt.dispose();
  }
  expect(positionOf(state), `${name}: position at the end`).toBe(positionOf(stepped));

  tf.tidy(() => {
    expectClose(tf.concat(outputs, 1).dataSync(), tf.stack(steppedOutputs, 1).dataSync(), {
      ...tolerance,
      label: `${name}: outputs of prefill + step vs step`,
    });
    const finalTensors = stateTensors(state);
    const steppedTensors = stateTensors(stepped);
    expect(finalTensors.length, `${name}: state tensors`).toBe(steppedTensors.length);
    expect(finalTensors.length, `${name}: state tensors`).toBeGreaterThan(0);
    finalTensors.forEach((tensor, i) => {
      expect(tensor.shape, `${name}: shape of state tensor ${i}`).toEqual(steppedTensors[i]!.shape);
      expectClose(tensor.dataSync(), steppedTensors[i]!.dataSync(), {
        ...tolerance,
        label: `${name}: state tensor ${i} after prefill + step vs step`,
      });
    });
  });
  tf.dispose([prompt, none, empty.output, ...outputs, ...steppedOutputs]);
  [start, state, stepped, empty.state].forEach((s) => layer.disposeState(s));
  expect(tf.memory().numTensors, `${name}: tensors left by prefill + step`).toBe(before);
}
