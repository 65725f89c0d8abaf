import * as tf from '@tensorflow/tfjs-core';
import { validateCoreInputs, type TssaCoreOptions, type TssaCoreResult } from './core-inputs.js';

/** Floor of the squared column norm: ν = max(sqrt(a), 1e-12) ⇔ ν² = max(a, 1e-24) (step 2). */
const SQUARED_NORM_FLOOR = 1e-24;
/** Added to the Π mass in the denominator of the statistic (step 5). */
const MASS_EPSILON = 1e-8;

/**
 * What the hand-written backward pass needs: the core's inputs and small statistics — O(B·H·p) per-channel
 * statistics plus O(B·H·N) per-token values. No [B, H, N, p] intermediate is kept besides the input w itself.
 */
export interface TssaCoreSaved {
  /** Input w [B, H, N, p] (zero at padded tokens). */
  w: tf.Tensor4D;
  /** τ as [1, H, 1, 1]. */
  temperature: tf.Tensor4D;
  /** μ [B, 1, N, 1]: 1 = token, 0 = padding. */
  mask: tf.Tensor4D;
  /** Gain multiplier [B, H, 1, p] (dropout keep mask / (1 − rate), or ones). */
  gainScale: tf.Tensor4D;
  /** a = Σ_i w² [B, H, 1, p]: squared column norms before the floor (step 2). */
  columnSquares: tf.Tensor4D;
  /** q_i = Σ_j w_ij² / max(a_j, 1e-24) [B, H, N, 1]: the membership logits before τ (step 3). */
  normalisedSquares: tf.Tensor4D;
  /** Π_eff = Π·μ [B, H, N, 1] (steps 4, masked). */
  membership: tf.Tensor4D;
  /** s [B, H, 1, p] (step 5). */
  statistic: tf.Tensor4D;
  /** m = Σ_i Π_eff + 1e-8 [B, H, 1, 1] (step 5). */
  mass: tf.Tensor4D;
}

/*
 * Why the core is written as it is (wasm backend, tfjs 4.22): elementwise ops on [B, H, N, p] are cheap (~0.3 ms per
 * million floats), but reductions are not alike. A Sum over the LAST axis is fine; a Sum over any other axis first
 * transposes (~5–10 ms per million floats, as does an explicit transpose); a matMul whose right operand is a fresh
 * large tensor pays ~15 ms per million floats to pack it; Slice/Unpack copy the WHOLE input tensor per slice (so a
 * per-head loop of 2-D matMuls costs 10× its arithmetic) and broadcastTo/Tile is slower still. So reductions over
 * channels are elementwise products followed by a last-axis Sum, and reductions over tokens are elementwise
 * products followed by an average pool over the token axis (XNNPACK's pooling reduces a middle axis in place,
 * 2–3× faster than transpose + Sum). Batch and heads stay ordinary broadcast axes: no per-head or per-sample loop,
 * no transpose of an [N, C]-sized tensor.
 */

/**
 * Where heads and tokens sit in the core's 4-D tensors. 'heads-first' = [B, H, N, p] (as `splitHeads` gives);
 * 'tokens-first' = [B, N, H, p], which is the projection [B, N, C] reshaped for free — the TSSA layer uses it, so no
 * [N, C]-sized transpose is ever made (each costs a copy forward and another backward on wasm).
 */
export type TssaLayout = 'heads-first' | 'tokens-first';

/** Axis of the heads (1 or 2) in a core tensor of this layout. */
const headAxis = (layout: TssaLayout): 1 | 2 => (layout === 'heads-first' ? 1 : 2);
/** Axis of the tokens (1 or 2) in a core tensor of this layout. */
const tokenAxis = (layout: TssaLayout): 1 | 2 => (layout === 'heads-first' ? 2 : 1);

/**
 * Σ over tokens of x → the token axis reduced to 1 ([B, H, 1, p] or [B, 1, H, p]), as N × (average pool over the
 * whole token axis).
 */
function sumOverTokens(x: tf.Tensor4D, layout: TssaLayout): tf.Tensor4D {
  const [batch, a, b, p] = x.shape;
  return tf.tidy(() => {
    if (layout === 'heads-first') {
      const tokensAsRows = tf.reshape(x, [batch * a, b, 1, p]) as tf.Tensor4D;
      const pooled = tf.avgPool(tokensAsRows, [b, 1], [b, 1], 'valid');
      return tf.reshape(tf.mul(pooled, b), [batch, a, 1, p]);
    }
    const tokensAsRows = tf.reshape(x, [batch, a, 1, b * p]) as tf.Tensor4D;
    const pooled = tf.avgPool(tokensAsRows, [a, 1], [a, 1], 'valid');
    return tf.reshape(tf.mul(pooled, a), [batch, 1, b, p]);
  });
}

/** f(t), then t is disposed: keeps at most one full-size temporary alive inside a chain of elementwise ops. */
function disposeAfter<T extends tf.Tensor, R extends tf.Tensor>(t: T, f: (t: T) => R): R {
  const result = f(t);
  t.dispose();
  return result;
}

/** Σ over channels of x [B, H, N, p] → [B, H, N, 1]. */
function sumOverChannels(x: tf.Tensor4D): tf.Tensor4D {
  return tf.sum(x, 3, true);
}

/**
 * Forward pass of the TSSA core, spec steps 2–7: elementwise ops, last-axis sums and token-axis average pools
 * (no [N, N] matrix, no per-head loop, no transpose).
 *
 * @param w [B, H, N, p], zero at padded tokens. @param temperature τ [1, H, 1, 1]. @param mask μ [B, 1, N, 1].
 * @param gainScale [B, H, 1, p]. Returns y [B, H, N, p], Π_eff [B, H, N, 1] and the statistics to save.
 * With `layout` 'tokens-first' the heads and tokens axes of every argument and result are swapped ([B, N, H, p],
 * τ [1, 1, H, 1], μ [B, N, 1, 1], gainScale [B, 1, H, p], Π_eff [B, N, H, 1]).
 */
export function tssaCoreForward(
  w: tf.Tensor4D,
  temperature: tf.Tensor4D,
  mask: tf.Tensor4D,
  gainScale: tf.Tensor4D,
  layout: TssaLayout = 'heads-first',
): { output: tf.Tensor4D; membership: tf.Tensor4D; saved: TssaCoreSaved } {
  return tf.tidy(() => {
    // Large [B, H, N, p] temporaries are freed as soon as their reduction is done (nested tidies, explicit
    // dispose), which keeps the step's peak memory at a few copies of w.
    const squares = tf.square(w);
    // Step 2: a_j = Σ_i w_ij² and r_j = 1/ν_j² = 1/max(a_j, 1e-24) — no square root needed.
    const columnSquares = sumOverTokens(squares, layout);
    const inverseSquaredNorm = tf.div(1, tf.maximum(columnSquares, SQUARED_NORM_FLOOR)) as tf.Tensor4D;
    // Step 3: ℓ_i = τ q_i with q_i = Σ_j w_ij² r_j.
    const normalisedSquares = tf.tidy(() => sumOverChannels(tf.mul(squares, inverseSquaredNorm)));
    const logits = tf.mul(normalisedSquares, temperature) as tf.Tensor4D;
    // Step 4: Π = softmax over heads; padded tokens get Π_eff = 0.
    const membership = tf.mul(softmaxOverHeads(logits, layout), mask) as tf.Tensor4D;
    // Step 5: m = Σ_i Π_eff_i + 1e-8, S_j = Σ_i Π_eff_i w_ij², s = S / m.
    const mass = tf.add(sumOverTokens(membership, layout), MASS_EPSILON) as tf.Tensor4D;
    const secondMoment = tf.tidy(() => sumOverTokens(tf.mul(squares, membership), layout));
    squares.dispose();
    const statistic = tf.div(secondMoment, mass) as tf.Tensor4D;
    // Step 6: g = 1 / (1 + s), times the dropout multiplier.
    const gain = tf.mul(tf.div(1, tf.add(1, statistic)), gainScale);
    // Step 7: y = −Π_eff · w · g (the sign is folded into the small [B, H, 1, p] factor).
    const output = tf.tidy(() => tf.mul(tf.mul(w, membership), tf.neg(gain))) as tf.Tensor4D;
    return {
      output,
      membership,
      saved: {
        w,
        temperature,
        mask,
        gainScale,
        columnSquares,
        normalisedSquares,
        membership,
        statistic,
        mass,
      },
    };
  });
}

/**
 * Backward pass of the TSSA core: given dy [B, H, N, p] (and optionally dΠ_eff [B, H, N, 1] when the membership is
 * an output too), returns dw [B, H, N, p] and dτ [1, H, 1, 1]. All O(N·C); per batch b and head k, with
 * r_j = 1/ν_j², g̃ = g·gainScale:
 *   step 7: dg̃_j = −Σ_i dy_ij Π_eff_i w_ij;   step 6: ds_j = −g_j² dg_j (dg = dg̃·gainScale);
 *   step 5: dS_j = ds_j / m,  dm = −Σ_j ds_j s_j / m,
 *           dΠ_eff_i = −Σ_j dy_ij w_ij g̃_j + Σ_j dS_j w_ij² + dm (+ dΠ_out_i),  dΠ_i = μ_i dΠ_eff_i;
 *   step 4: dℓ_k,i = Π_k,i (dΠ_k,i − Σ_k' Π_k',i dΠ_k',i);
 *   step 3: dτ_k = Σ_b,i dℓ_i q_i,  dr_j = τ Σ_i dℓ_i w_ij²;
 *   step 2: da_j = −r_j² dr_j · [a_j > 1e-24];
 *   dw_ij = −Π_eff_i g̃_j dy_ij + 2 w_ij (Π_eff_i dS_j + τ dℓ_i r_j + da_j).
 * At padded tokens Π_eff = 0 and w = 0, so dw = 0 there. Costs three reductions of [N, C]-sized tensors and no
 * transpose (see the note above).
 */
export function tssaCoreBackward(
  dOutput: tf.Tensor4D,
  dMembership: tf.Tensor4D | undefined,
  saved: TssaCoreSaved,
  layout: TssaLayout = 'heads-first',
): { dw: tf.Tensor4D; dTemperature: tf.Tensor4D } {
  const { w, temperature, mask, gainScale, columnSquares, normalisedSquares, membership, statistic, mass } =
    saved;
  return tf.tidy(() => {
    // As in the forward pass, large temporaries live only inside the nested tidy of the reduction that needs them.
    const gain = tf.div(1, tf.add(1, statistic));
    const scaledGain = tf.mul(gain, gainScale);
    const inverseSquaredNorm = tf.div(1, tf.maximum(columnSquares, SQUARED_NORM_FLOOR));

    // Step 7: y = −Π_eff w g̃.
    const dOutputTimesW = tf.mul(dOutput, w) as tf.Tensor4D;
    const dScaledGain = tf.tidy(() => tf.neg(sumOverTokens(tf.mul(dOutputTimesW, membership), layout))); // [B, H, 1, p]
    // Step 6: g̃ = g · gainScale, g = 1 / (1 + s).
    const dStatistic = tf.neg(tf.mul(tf.square(gain), tf.mul(dScaledGain, gainScale)));
    // Step 5: s = S / m.
    const dSecondMoment = tf.div(dStatistic, mass); // dS [B, H, 1, p]
    const dMass = tf.neg(tf.div(tf.sum(tf.mul(dStatistic, statistic), 3, true), mass)); // [B, H, 1, 1]
    // dΠ_eff_i = Σ_j (w_ij² dS_j − dy_ij w_ij g̃_j) + dm: one reduction over channels.
    const dMembershipFromStatistic = tf.tidy(() => {
      // One full-size temporary at a time besides the result (this is the backward pass's memory peak).
      const weightedSquares = disposeAfter(tf.square(w), (squares) => tf.mul(squares, dSecondMoment));
      const gainTerm = tf.mul(dOutputTimesW, scaledGain);
      const difference = tf.sub(weightedSquares, gainTerm);
      tf.dispose([weightedSquares, gainTerm]);
      return sumOverChannels(difference as tf.Tensor4D);
    });
    dOutputTimesW.dispose();
    let dMaskedMembership = tf.add(dMembershipFromStatistic, dMass); // [B, H, N, 1]
    if (dMembership) dMaskedMembership = tf.add(dMaskedMembership, dMembership);
    const dPi = tf.mul(dMaskedMembership, mask);
    // Step 4: softmax over heads. Π_eff equals Π at real tokens; at padded tokens dΠ = 0 for every head, so
    // dℓ = 0 there whichever of the two is used.
    const dLogits = tf.mul(membership, tf.sub(dPi, tf.sum(tf.mul(membership, dPi), headAxis(layout), true)));
    // Step 3: ℓ = τ q (q saved by the forward pass).
    const dTemperature = tf.sum(
      tf.mul(dLogits, normalisedSquares),
      [0, tokenAxis(layout), 3],
      true,
    ) as tf.Tensor4D;
    const scaledDLogits = tf.mul(dLogits, temperature) as tf.Tensor4D; // τ dℓ [B, H, N, 1]
    const dInverseSquaredNorm = tf.tidy(() =>
      sumOverTokens(
        disposeAfter(tf.square(w), (squares) => tf.mul(squares, scaledDLogits)),
        layout,
      ),
    ); // dr
    // Step 2: r = 1 / max(a, 1e-24); the floor passes no gradient. da = −r·(r·dr): r·dr is O(1) because dr
    // carries w², whereas r² alone overflows float32 for tiny columns (and 1e48·0 would give NaN for zero ones).
    const activeInverse = tf.mul(
      inverseSquaredNorm,
      tf.cast(tf.greater(columnSquares, SQUARED_NORM_FLOOR), 'float32'),
    );
    const dColumnSquares = tf.neg(tf.mul(activeInverse, tf.mul(activeInverse, dInverseSquaredNorm))); // da
    // dw = 2 w (Π_eff dS + τ dℓ r + da) − Π_eff g̃ dy, as broadcast products of per-token [B, H, N, 1] and
    // per-channel [B, H, 1, p] factors (the factor 2 folded into the small per-channel ones).
    // (tf.broadcastTo/Tile is very slow on wasm: the per-channel row is added by broadcasting instead.)
    const dw = tf.tidy(() => {
      const bracket = tf.add(
        tf.add(
          tf.mul(membership, tf.mul(dSecondMoment, 2)),
          tf.mul(scaledDLogits, tf.mul(inverseSquaredNorm, 2)),
        ),
        tf.mul(dColumnSquares, 2),
      );
      const gainTerm = disposeAfter(tf.mul(dOutput, scaledGain), (t) => tf.mul(t, membership));
      const statisticTerm = tf.mul(w, bracket);
      return tf.sub(statisticTerm, gainTerm);
    }) as tf.Tensor4D;
    return { dw, dTemperature };
  });
}

/** softmax over the heads of logits [B, H, N, 1] (or [B, N, H, 1] tokens-first); tf.softmax works on the last axis. */
function softmaxOverHeads(logits: tf.Tensor4D, layout: TssaLayout): tf.Tensor4D {
  const [batch, a, b] = logits.shape;
  if (layout === 'tokens-first')
    return tf.reshape(tf.softmax(tf.reshape(logits, [batch, a, b])), [batch, a, b, 1]);
  const headsLast = tf.transpose(tf.reshape(logits, [batch, a, b]), [0, 2, 1]);
  return tf.reshape(tf.transpose(tf.softmax(headsLast), [0, 2, 1]), [batch, a, b, 1]);
}

/** The core's inputs in the layout the forward/backward functions use (ones where an option is absent). */
function coreInputs(
  w: tf.Tensor4D,
  temperature: tf.Tensor2D,
  { mask, gainScale }: TssaCoreOptions,
  layout: TssaLayout,
): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
  if (layout === 'tokens-first') {
    const [batch, seq, heads, p] = w.shape;
    return [
      tf.reshape(temperature, [1, 1, heads, 1]),
      mask ? tf.reshape(tf.cast(mask, 'float32'), [batch, seq, 1, 1]) : tf.ones([batch, seq, 1, 1]),
      gainScale ?? tf.ones([batch, 1, heads, p]),
    ];
  }
  const [batch, heads, seq, p] = w.shape;
  return [
    tf.reshape(temperature, [1, heads, 1, 1]),
    mask ? tf.reshape(tf.cast(mask, 'float32'), [batch, 1, seq, 1]) : tf.ones([batch, 1, seq, 1]),
    gainScale ?? tf.ones([batch, heads, 1, p]),
  ];
}

/** The argument type of tf.customGrad (tfjs-core does not export it by name). */
type CustomGradientFunction = Parameters<typeof tf.customGrad<tf.Tensor4D>>[0];

const SAVED_ORDER = [
  'w',
  'temperature',
  'mask',
  'gainScale',
  'columnSquares',
  'normalisedSquares',
  'membership',
  'statistic',
  'mass',
] as const satisfies readonly (keyof TssaCoreSaved)[];

function toSavedList(saved: TssaCoreSaved): tf.Tensor[] {
  return SAVED_ORDER.map((key) => saved[key]);
}

function fromSavedList(list: tf.Tensor[]): TssaCoreSaved {
  return Object.fromEntries(SAVED_ORDER.map((key, i) => [key, list[i]])) as unknown as TssaCoreSaved;
}

/** Gradients for the customGrad inputs [w, τ, μ, gainScale]; the mask and the dropout multiplier get zeros. */
function inputGradients(
  dw: tf.Tensor4D,
  dTemperature: tf.Tensor4D,
  temperature: tf.Tensor,
  mask: tf.Tensor,
  gainScale: tf.Tensor,
): tf.Tensor[] {
  return [dw, tf.reshape(dTemperature, temperature.shape), tf.zerosLike(mask), tf.zerosLike(gainScale)];
}

/**
 * The core as one custom-gradient op, for one layout. customGrad returns ONE tensor, so `withMembership` packs Π_eff
 * as an extra channel: [B, H, N, p + 1] ([B, N, H, p + 1] tokens-first); its gradient then flows into dΠ_eff as well.
 */
function makeCoreWithCustomGradient(layout: TssaLayout, withMembership: boolean) {
  return tf.customGrad(((
    w: tf.Tensor4D,
    temperature: tf.Tensor4D,
    mask: tf.Tensor4D,
    gainScale: tf.Tensor4D,
    save: tf.GradSaveFunc,
  ) => {
    const { output, membership, saved } = tssaCoreForward(w, temperature, mask, gainScale, layout);
    save(toSavedList(saved));
    return {
      value: withMembership ? tf.concat([output, membership], 3) : output,
      gradFunc: (dy: tf.Tensor4D, savedList: tf.Tensor[]) => {
        const s = fromSavedList(savedList);
        let dOutput = dy;
        let dMembership: tf.Tensor4D | undefined;
        if (withMembership) {
          const [d0, d1, d2, p] = s.w.shape;
          dOutput = tf.slice(dy, [0, 0, 0, 0], [d0, d1, d2, p]);
          dMembership = tf.slice(dy, [0, 0, 0, p], [d0, d1, d2, 1]);
        }
        const { dw, dTemperature } = tssaCoreBackward(dOutput, dMembership, s, layout);
        return inputGradients(dw, dTemperature, s.temperature, s.mask, s.gainScale);
      },
    };
  }) as unknown as CustomGradientFunction);
}

const coreWithCustomGradient = {
  'heads-first': makeCoreWithCustomGradient('heads-first', false),
  'tokens-first': makeCoreWithCustomGradient('tokens-first', false),
};
const packedCoreWithCustomGradient = {
  'heads-first': makeCoreWithCustomGradient('heads-first', true),
  'tokens-first': makeCoreWithCustomGradient('tokens-first', true),
};

/**
 * The TSSA attention core (ToST, arXiv 2412.17810 steps 2–7) with a memory-lean custom gradient: the backward pass keeps only
 * the inputs and per-head statistics (squared column norms, q, Π, s, Π mass), not every intermediate that autodiff of
 * `tssaCoreReference` would keep. Gradients flow to `w` and `temperature`.
 *
 * @param w projected heads [batch, heads, seq, p] (or [batch, seq, heads, p] with `layout: 'tokens-first'`), already
 *   zero at padded tokens.
 * @param temperature τ [heads, 1].
 * @returns y in the layout of `w`: 0 at padded tokens.
 */
export function tssaCore(
  w: tf.Tensor4D,
  temperature: tf.Tensor2D,
  options: TssaCoreOptions = {},
): tf.Tensor4D {
  validateCoreInputs('tssaCore', w, temperature, options);
  const layout = options.layout ?? 'heads-first';
  return tf.tidy(() => {
    const [temperature4, mask4, gainScale] = coreInputs(w, temperature, options, layout);
    return coreWithCustomGradient[layout](w, temperature4, mask4, gainScale) as tf.Tensor4D;
  });
}

/** As `tssaCore`, also returning the membership Π [batch, heads, seq] (0 at padded tokens); both are differentiable. */
export function tssaCoreWithMembership(
  w: tf.Tensor4D,
  temperature: tf.Tensor2D,
  options: TssaCoreOptions = {},
): TssaCoreResult {
  validateCoreInputs('tssaCoreWithMembership', w, temperature, options);
  const layout = options.layout ?? 'heads-first';
  return tf.tidy(() => {
    const [d0, d1, d2, p] = w.shape;
    const [temperature4, mask4, gainScale] = coreInputs(w, temperature, options, layout);
    const packed = packedCoreWithCustomGradient[layout](w, temperature4, mask4, gainScale);
    const membership = tf.reshape(tf.slice(packed, [0, 0, 0, p], [d0, d1, d2, 1]), [
      d0,
      d1,
      d2,
    ]) as tf.Tensor3D;
    return {
      output: tf.slice(packed, [0, 0, 0, 0], [d0, d1, d2, p]) as tf.Tensor4D,
      // Π is reported [batch, heads, seq] in both layouts (a small [N, H] transpose when tokens-first).
      membership:
        layout === 'tokens-first' ? (tf.transpose(membership, [0, 2, 1]) as tf.Tensor3D) : membership,
    };
  });
}
