import * as tf from '@tensorflow/tfjs-core';
import { ENERGY_FLOOR, MASS_EPSILON } from './constants.js';
import { softmaxOverHeads } from './head-softmax.js';

/** Inputs of the causal core: everything between the qkv projection and the merge of heads. */
export interface CausalTSSACoreInputs {
  /** Projected tokens split into heads, [batch, heads, seq, p]; padded tokens must already be zero. */
  w: tf.Tensor4D;
  /** Temperature τ, [heads, 1]. */
  temperature: tf.Tensor2D;
  /** Denominator bias β for the first `seq` positions, [heads, seq, 1]. */
  denominatorBias: tf.Tensor3D;
  /** Padding mask [batch, seq] (float32, 1 = token, 0 = padding); absent = no padding. */
  mask?: tf.Tensor2D;
  /** Dropout multiplier of the gain (0 or 1/(1−rate)), [batch, heads, seq, p]; absent = no dropout. */
  gainScale?: tf.Tensor4D;
}

export interface CausalTSSACoreOutputs {
  /** Per-head output y = −Π·w·g, [batch, heads, seq, p] (zero at padded tokens). */
  y: tf.Tensor4D;
  /** Membership Π, [batch, heads, seq, 1]; sums to 1 over heads at real tokens, 0 at padded tokens. */
  membership: tf.Tensor4D;
}

const TOKEN_AXIS = 2;
const CHANNEL_AXIS = 3;

/** Σ_{i≤t} along the token axis (float32). */
function runningSum(x: tf.Tensor): tf.Tensor {
  return tf.cumsum(x, TOKEN_AXIS);
}

/** Σ_{i≥t} along the token axis: the adjoint of `runningSum`, used by the backward pass. */
function reverseRunningSum(x: tf.Tensor): tf.Tensor {
  return tf.cumsum(x, TOKEN_AXIS, false, true);
}

/**
 * The causal TSSA core (ToST, arXiv 2412.17810, "Causal TSSA", steps 1–4 up to the merge of heads) with a hand-written
 * gradient.
 *
 * Why a custom gradient: autodiff would keep every intermediate of the forward pass (running sums, ratios, gains —
 * a dozen [batch, heads, seq, p] tensors) alive until the backward pass. Here only the inputs and the membership Π
 * ([batch, heads, seq, 1], p times smaller than w) are saved; the running sums are recomputed in the backward pass,
 * which costs a few more linear passes but keeps training memory close to that of the inputs. (It also avoids the
 * gradient of `tf.cumsum` along a non-innermost axis, which is broken in tfjs 4.22: it returns a transposed shape.)
 *
 * Π is returned as a second, differentiable output: the op's single tensor output packs [y, Π] along the channel
 * axis (tfjs custom gradients have one output), and the two are sliced apart afterwards.
 */
export function causalTSSACore(inputs: CausalTSSACoreInputs): CausalTSSACoreOutputs {
  const { w, temperature, denominatorBias, mask, gainScale } = inputs;
  const [batch, heads, seq, p] = w.shape;
  checkShape('temperature', temperature.shape, [heads, 1]);
  checkShape('denominatorBias', denominatorBias.shape, [heads, seq, 1]);
  if (mask) checkShape('mask', mask.shape, [batch, seq]);
  if (gainScale) checkShape('gainScale', gainScale.shape, [batch, heads, seq, p]);

  const hasMask = mask !== undefined;
  const hasGainScale = gainScale !== undefined;
  const args: tf.Tensor[] = [w, temperature, denominatorBias];
  if (mask) args.push(mask);
  if (gainScale) args.push(gainScale);

  const op = tf.customGrad((...fnArgs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = fnArgs.pop() as tf.GradSaveFunc;
    const tensors = fnArgs as tf.Tensor[];
    const unpacked = unpack(tensors, hasMask, hasGainScale);
    const { packed, membership } = forward(unpacked);
    // Memory-lean: the inputs (already alive) and Π, nothing of size [.., seq, p] that the forward created.
    save([...tensors, membership]);
    return {
      value: packed,
      gradFunc: (dPacked: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() =>
          backward(
            dPacked as tf.Tensor4D,
            unpack(saved.slice(0, -1), hasMask, hasGainScale),
            saved[saved.length - 1] as tf.Tensor4D,
          ),
        ),
    };
  });

  return tf.tidy(() => {
    const packed = op(...args) as tf.Tensor4D;
    return {
      y: tf.slice(packed, [0, 0, 0, 0], [batch, heads, seq, p]),
      membership: tf.slice(packed, [0, 0, 0, p], [batch, heads, seq, 1]),
    };
  });
}

interface UnpackedInputs {
  w: tf.Tensor4D;
  /** τ as [1, heads, 1, 1]. */
  tau: tf.Tensor4D;
  /** β as [1, heads, seq, 1]. */
  beta: tf.Tensor4D;
  /** The mask as [batch, 1, seq, 1]. */
  mask?: tf.Tensor4D;
  gainScale?: tf.Tensor4D;
  /** The tensors as passed to the op, for shapes of their gradients. */
  raw: tf.Tensor[];
}

function unpack(tensors: tf.Tensor[], hasMask: boolean, hasGainScale: boolean): UnpackedInputs {
  const [w, temperature, denominatorBias] = tensors as [tf.Tensor4D, tf.Tensor2D, tf.Tensor3D];
  const [batch, heads, seq] = w.shape;
  let next = 3;
  const mask = hasMask ? tf.reshape(tensors[next++]!, [batch, 1, seq, 1]) : undefined;
  const gainScale = hasGainScale ? (tensors[next++] as tf.Tensor4D) : undefined;
  return {
    w,
    tau: tf.reshape(temperature, [1, heads, 1, 1]),
    beta: tf.reshape(denominatorBias, [1, heads, seq, 1]),
    mask: mask as tf.Tensor4D | undefined,
    gainScale,
    raw: tensors,
  };
}

/** Step 1: the column energies A = Σ_{i≤t} w², floored. */
function floorEnergy(runningEnergy: tf.Tensor): tf.Tensor {
  return tf.maximum(runningEnergy, ENERGY_FLOOR);
}

/** Step 1–2 without τ: Q[t] = Σ_j w²/max(A, 1e-12) + p·β[t] (β is added once per channel j). */
function normalisedEnergy(ratio: tf.Tensor, beta: tf.Tensor, p: number): tf.Tensor {
  return tf.add(tf.sum(ratio, CHANNEL_AXIS, true), tf.mul(beta, p));
}

function forward(inputs: UnpackedInputs): { packed: tf.Tensor4D; membership: tf.Tensor4D } {
  const { w, tau, beta, mask, gainScale } = inputs;
  const p = w.shape[3];
  return tf.tidy(() => {
    const squares = tf.square(w);
    // Steps 1–2: causal normalised squares, membership logits, softmax over heads.
    const ratio = tf.div(squares, floorEnergy(runningSum(squares)));
    const logits = tf.mul(tau, normalisedEnergy(ratio, beta, p));
    const membership = softmaxOverHeads(logits) as tf.Tensor4D;
    // Padded tokens: Π reported as 0 and kept out of the running Π sums.
    const effective = mask ? tf.mul(membership, mask) : membership;
    // Step 3: s = Σ_{i≤t} Π w² / (Σ_{i≤t} Π + 1e-8).
    const mass = tf.add(runningSum(effective), MASS_EPSILON);
    const s = tf.div(runningSum(tf.mul(effective, squares)), mass);
    // Step 4: gain g = 1/(1+s) (dropout acts on it), y = −Π·w·g.
    let gain = tf.reciprocal(tf.add(s, 1));
    if (gainScale) gain = tf.mul(gain, gainScale);
    const y = tf.neg(tf.mul(tf.mul(effective, w), gain));
    return { packed: tf.concat([y, effective], CHANNEL_AXIS) as tf.Tensor4D, membership };
  });
}

/**
 * Backward pass. With A = cumsum(w²), Ã = max(A, 1e-12), Πe = Π·mask, C = cumsum(Πe) + 1e-8, S = cumsum(Πe·w²),
 * s = S/C, g = 1/(1+s) (times the dropout scale D), y = −Πe·w·g·D and the reported Π being Πe:
 *   dg = −dy·Πe·w·D,  ds = −g²·dg,  dS = ds/C,  dC = −Σ_j ds·s / C,  R = revcumsum(dS)
 *   dΠe = −Σ_j dy·w·g·D + dΠ_reported + Σ_j R·w² + revcumsum(dC)
 *   dw  = −Πe·g·D·dy + 2·Πe·w·R
 * then through Πe = Π·mask and the softmax over heads: dℓ = Π·(dΠ − Σ_k Π·dΠ); with ℓ = τ·Q:
 *   dτ = Σ dℓ·Q,  dQ = τ·dℓ,  dβ = p·Σ_batch dQ,  dw += dQ·2w/Ã,  dA = −dQ·w²/Ã² · [A > 1e-12],
 *   dw += 2w·revcumsum(dA).
 * (Checked against autodiff of causal-tssa-core-reference.ts and float64 finite differences in the tests.)
 */
function backward(dPacked: tf.Tensor4D, inputs: UnpackedInputs, membership: tf.Tensor4D): tf.Tensor[] {
  const { w, tau, beta, mask, gainScale, raw } = inputs;
  const [batch, heads, seq, p] = w.shape;
  // Memory-lean: each stage is its own tidy returning only what later stages need, so at most a handful of
  // [batch, heads, seq, p] temporaries exist at a time (not the ~20 of one flat scope).
  return tf.tidy(() => {
    const squares = tf.square(w);
    const effective = mask ? tf.mul(membership, mask) : membership;

    // Steps 3–4 (recomputed): y = −Πe·w·g·D, g = 1/(1+s), s = S/C; returns R = revcumsum(dS), dΠe so far, and the
    // direct path of dw (Πe·g·D·dy).
    const { R, dEffective, dwDirect } = tf.tidy(() => {
      const dy = tf.slice(dPacked, [0, 0, 0, 0], [batch, heads, seq, p]);
      const dReported = tf.slice(dPacked, [0, 0, 0, p], [batch, heads, seq, 1]);
      const mass = tf.add(runningSum(effective), MASS_EPSILON); // [.., 1]
      const s = tf.div(runningSum(tf.mul(effective, squares)), mass);
      const gain = tf.reciprocal(tf.add(s, 1));
      const scaledGain = gainScale ? tf.mul(gain, gainScale) : gain;
      const dyW = tf.mul(dy, w);
      const dEffectiveY = tf.sub(dReported, tf.sum(tf.mul(dyW, scaledGain), CHANNEL_AXIS, true));
      const dScaledGain = tf.neg(tf.mul(dyW, effective));
      const dGain = gainScale ? tf.mul(dScaledGain, gainScale) : dScaledGain;
      const ds = tf.neg(tf.mul(tf.square(gain), dGain));
      const dMass = tf.div(tf.neg(tf.sum(tf.mul(ds, s), CHANNEL_AXIS, true)), mass);
      const runningR = reverseRunningSum(tf.div(ds, mass));
      return {
        R: runningR,
        dEffective: tf.add(
          dEffectiveY,
          tf.add(tf.sum(tf.mul(runningR, squares), CHANNEL_AXIS, true), reverseRunningSum(dMass)),
        ),
        dwDirect: tf.mul(tf.mul(effective, scaledGain), dy),
      };
    });

    // Step 2: Πe = Π·mask, Π = softmax over heads of ℓ = τ·Q ([.., 1] tensors only).
    const dMembership = mask ? tf.mul(dEffective, mask) : dEffective;
    const dLogits = tf.mul(membership, tf.sub(dMembership, tf.sum(tf.mul(membership, dMembership), 1, true)));
    const dq = tf.mul(dLogits, tau);
    const dDenominatorBias = tf.reshape(tf.mul(tf.sum(dq, 0), p), [heads, seq, 1]);

    // Step 1: ratio = w²/Ã, Ã = max(cumsum(w²), 1e-12); all w² paths: 2w·(Πe·R + dq/Ã + revcumsum(dA)).
    const { dTemperature, dSquares } = tf.tidy(() => {
      const energy = runningSum(squares);
      const floored = floorEnergy(energy);
      const ratio = tf.div(squares, floored);
      const q = normalisedEnergy(ratio, beta, p);
      const dEnergy = tf.tidy(() => {
        const dFloored = tf.neg(tf.mul(dq, tf.div(ratio, floored)));
        return tf.mul(dFloored, tf.cast(tf.greater(energy, ENERGY_FLOOR), 'float32'));
      });
      return {
        dTemperature: tf.reshape(tf.sum(tf.mul(dLogits, q), [0, 2, 3]), [heads, 1]),
        dSquares: tf.add(tf.add(tf.mul(effective, R), tf.div(dq, floored)), reverseRunningSum(dEnergy)),
      };
    });
    const dw = tf.sub(tf.mul(tf.mul(w, dSquares), 2), dwDirect);

    const grads: tf.Tensor[] = [dw, dTemperature, dDenominatorBias];
    // Mask and dropout scale are constants of the op: zero gradient.
    for (const extra of raw.slice(3)) grads.push(tf.zerosLike(extra));
    return grads;
  });
}

function checkShape(name: string, actual: number[], expected: number[]): void {
  if (actual.length !== expected.length || actual.some((d, i) => d !== expected[i])) {
    throw new RangeError(
      `causalTSSACore: argument '${name}' must have shape [${expected.join(', ')}], got [${actual.join(', ')}]`,
    );
  }
}
