import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { expectClose, type CloseOptions } from '@tost/vitest-config';
import { canPrefill, stateTensors, type StreamingAttention } from '../streaming.js';
import { stepThrough } from './step-through.js';

/** A streaming layer with `prefill`, as `expectPrefillMatchesSteps` takes it. */
type PrefillLayer = StreamingAttention & { getClassName?(): string };
type Tolerance = Omit<CloseOptions, 'label'>;

/**
 * Two states of one layer hold the same values: the same keys; under each, equal numbers or close tensors (nested
 * objects compared key by key, so the order in which a state's keys were written does not matter).
 */
function expectStatesClose(actual: unknown, expected: unknown, tolerance: Tolerance, label: string): void {
  if (expected instanceof tf.Tensor) {
    expect(actual, `${label}: a tensor`).toBeInstanceOf(tf.Tensor);
    const a = actual as tf.Tensor;
    expect(a.isDisposed, `${label}: disposed`).toBe(false);
    expect(a.shape, `${label}: shape`).toEqual(expected.shape);
    expectClose(a.dataSync(), expected.dataSync(), { ...tolerance, label });
  } else if (expected !== null && typeof expected === 'object') {
    const keys = Object.keys(expected).sort();
    expect(Object.keys(actual as object).sort(), `${label}: keys`).toEqual(keys);
    for (const key of keys) {
      expectStatesClose(
        (actual as Record<string, unknown>)[key],
        (expected as Record<string, unknown>)[key],
        tolerance,
        `${label}.${key}`,
      );
    }
  } else {
    expect(actual, label).toEqual(expected);
  }
}

/** The returned state owns its tensors: alive, and none of them is a tensor of `other` (the state passed in). */
function expectOwnTensors(result: unknown, other: unknown, label: string): void {
  const theirs = new Set(stateTensors(other));
  for (const t of stateTensors(result)) {
    expect(t.isDisposed, `${label}: a tensor of the returned state is disposed`).toBe(false);
    expect(theirs.has(t), `${label}: the returned state reuses a tensor of the state passed in`).toBe(false);
  }
}

/**
 * Checks `prefill` against `step` over x [batch, seq, dim] (float32; not disposed) and a split point
 * prefixLength (2 ≤ prefixLength < seq). With step over every token as the reference:
 * - prefill of tokens [0, prefixLength) from `initState`, called inside a `tf.tidy`, returns outputs
 *   [batch, prefixLength, dim] equal to step's and a state equal to step's after prefixLength tokens (same keys,
 *   tensors close, `position` equal when the state has one), all alive after the tidy and none shared with the state
 *   passed in, which stays alive and unchanged;
 * - prefill of tokens [1, prefixLength) from the state step left after token 0 gives the same (a prefill continues a
 *   state);
 * - an empty block [batch, 0, dim] returns outputs of that shape and a new state equal to the one passed in;
 * - step over tokens [prefixLength, seq) after the prefill gives step's outputs and final state.
 * When every check passes, no tensor is left behind.
 *
 * @param tolerance the `expectClose` tolerance for outputs and states; each of rtol, atol defaults to 1e-4.
 * @throws Error when the layer has no `prefill`; RangeError when prefixLength is not an integer in 2..seq−1; an
 *   assertion failure (vitest) when any check above fails.
 */
export function expectPrefillMatchesSteps(
  layer: PrefillLayer,
  x: tf.Tensor3D,
  prefixLength: number,
  { rtol = 1e-4, atol = 1e-4 }: Tolerance = {},
): void {
  const tolerance = { rtol, atol };
  const name = layer.getClassName?.() ?? 'layer';
  if (!canPrefill(layer)) throw new Error(`${name} has no prefill method`);
  const [batch, seq, dim] = x.shape;
  if (!(Number.isInteger(prefixLength) && prefixLength >= 2 && prefixLength < seq)) {
    throw new RangeError(
      `expectPrefillMatchesSteps: prefixLength must be an integer in 2..${seq - 1} (x has ${seq} tokens), got ${prefixLength}`,
    );
  }
  const before = tf.memory().numTensors;
  const owned: tf.Tensor[] = [];
  const states: unknown[] = [];
  const own = <T extends tf.Tensor>(t: T): T => (owned.push(t), t);
  const keepState = <S>(s: S): S => (states.push(s), s);
  const slice = (from: number, length: number) => own(tf.slice(x, [0, from, 0], [batch, length, dim]));
  // Calls fn inside a tidy without returning its result from the tidy (which would keep it): what fn returns
  // survives only if fn keeps it itself.
  const inTidy = <R>(fn: () => R): R => {
    let result: R | undefined;
    tf.tidy(() => {
      result = fn();
    });
    return result as R;
  };
  const close = (actual: tf.Tensor, expected: tf.Tensor, label: string) =>
    tf.tidy(() =>
      expectClose(actual.dataSync(), expected.dataSync(), { ...tolerance, label: `${name}: ${label}` }),
    );

  try {
    // Reference: step over every token, keeping the states after token 0 and after prefixLength tokens.
    const reference = stepThrough(layer, keepState(layer.initState(batch)), x, 0, seq, name);
    reference.states.forEach(keepState);
    reference.outputs.forEach(own);
    const steppedOutputs = reference.outputs;
    const afterFirst = reference.states[0];
    const atPrefix = reference.states[prefixLength - 1];
    const stepped = reference.states[seq - 1];
    const stepOutputs = (from: number, to: number) => own(tf.stack(steppedOutputs.slice(from, to), 1));

    // Prefill from initState, inside a tidy: what it returns survives the tidy; the state passed in is untouched.
    const start = keepState(layer.initState(batch));
    const fresh = keepState(layer.initState(batch));
    const prompt = slice(0, prefixLength);
    const prefilled = inTidy(() => layer.prefill(start, prompt));
    keepState(prefilled.state);
    own(prefilled.output);
    expect(prefilled.output.isDisposed, `${name}: prefill output disposed by an enclosing tidy`).toBe(false);
    expect(prefilled.output.shape, `${name}: prefill output shape`).toEqual([batch, prefixLength, dim]);
    expectOwnTensors(prefilled.state, start, `${name}: prefill`);
    expectStatesClose(start, fresh, tolerance, `${name}: the state passed to prefill, afterwards`);
    close(prefilled.output, stepOutputs(0, prefixLength), 'outputs of prefill vs step');
    expectStatesClose(prefilled.state, atPrefix, tolerance, `${name}: state after prefill vs step`);

    // Prefill continues a state: from step's state after token 0, the tokens [1, prefixLength).
    const continued = layer.prefill(afterFirst, slice(1, prefixLength - 1));
    keepState(continued.state);
    own(continued.output);
    close(
      continued.output,
      stepOutputs(1, prefixLength),
      'outputs of a prefill from a stepped state vs step',
    );
    expectStatesClose(
      continued.state,
      atPrefix,
      tolerance,
      `${name}: state after a prefill from a stepped state`,
    );

    // An empty block: outputs [batch, 0, dim] and a new state equal to the one passed in.
    const none = own(tf.zeros([batch, 0, dim]));
    const empty = inTidy(() => layer.prefill(prefilled.state, none));
    keepState(empty.state);
    own(empty.output);
    expect(empty.output.isDisposed, `${name}: empty prefill output disposed by an enclosing tidy`).toBe(
      false,
    );
    expect(empty.output.shape, `${name}: output of an empty prefill`).toEqual([batch, 0, dim]);
    expectOwnTensors(empty.state, prefilled.state, `${name}: empty prefill`);
    expectStatesClose(empty.state, prefilled.state, tolerance, `${name}: state after an empty prefill`);

    // Step on after the prefill.
    const after = stepThrough(layer, prefilled.state, x, prefixLength, seq, name);
    after.states.forEach(keepState);
    after.outputs.forEach(own);
    close(
      own(tf.stack(after.outputs, 1)),
      stepOutputs(prefixLength, seq),
      'outputs of step after prefill vs step',
    );
    expectStatesClose(
      after.states[after.states.length - 1],
      stepped,
      tolerance,
      `${name}: final state, prefill + step vs step`,
    );
  } finally {
    tf.dispose(owned);
    states.forEach((s) => layer.disposeState(s));
  }
  expect(tf.memory().numTensors, `${name}: tensors left by prefill + step`).toBe(before);
}
