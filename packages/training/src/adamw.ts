import * as tf from '@tensorflow/tfjs-core';
import { clipByGlobalNorm } from './clip.js';

/**
 * Which weights weight decay skips: name patterns (a string matches when the weight name contains it, a RegExp when
 * it tests true), or a predicate on the name.
 */
export type NoWeightDecay = readonly (string | RegExp)[] | ((name: string) => boolean);

export interface AdamWOptions {
  /** First-moment decay; default 0.9. */
  beta1?: number;
  /** Second-moment decay; default 0.98 (the LRA reference). */
  beta2?: number;
  /** Added to √v̂; default 1e-9. */
  epsilon?: number;
  /** Decoupled weight decay λ (w ← w − lr·λ·w); default 0 (off). */
  weightDecay?: number;
  /** Weights weight decay leaves alone (e.g. an attention variant's temperatures); default none. */
  noWeightDecay?: NoWeightDecay;
  /** Global-norm gradient clipping threshold; 0 (the default) disables it. */
  clipNorm?: number;
}

function decayFilter(option: NoWeightDecay | undefined): (name: string) => boolean {
  if (option === undefined) return () => true;
  if (typeof option === 'function') return (name) => !option(name);
  for (const p of option) {
    if (typeof p !== 'string' && !(p instanceof RegExp)) {
      throw new Error(`AdamW: noWeightDecay entries must be strings or RegExps, got ${typeof p}`);
    }
  }
  return (name) => !option.some((p) => (typeof p === 'string' ? name.includes(p) : p.test(name)));
}

function checkNonNegative(value: number, option: string): number {
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`AdamW: ${option} must be a finite number ≥ 0, got ${value}`);
  return value;
}

/**
 * Adam with decoupled weight decay (AdamW; Loshchilov & Hutter, arXiv:1711.05101, Algorithm 2) and optional
 * global-norm clipping (Pascanu et al., arXiv:1211.5063). Its state is plain named tensors, so a checkpoint can save
 * and restore it exactly, and decay can skip named weights.
 *
 * Update at step t with learning rate lr: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², w ← w − lr·(m̂/(√v̂ + ε) + λw)
 * with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ); λw is left out for the weights `noWeightDecay` names.
 */
export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  readonly clipNorm: number;
  /** Updates applied so far (restored from checkpoints). */
  step = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private readonly decays: (name: string) => boolean;

  constructor(
    private readonly variables: tf.Variable[],
    options: AdamWOptions = {},
  ) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.98;
    this.epsilon = checkNonNegative(options.epsilon ?? 1e-9, 'epsilon');
    this.weightDecay = checkNonNegative(options.weightDecay ?? 0, 'weightDecay');
    this.clipNorm = checkNonNegative(options.clipNorm ?? 0, 'clipNorm');
    for (const [name, beta] of [
      ['beta1', this.beta1],
      ['beta2', this.beta2],
    ] as const) {
      if (!(beta >= 0 && beta < 1)) throw new Error(`AdamW: ${name} must be in [0, 1), got ${beta}`);
    }
    this.decays = decayFilter(options.noWeightDecay);
    const names = new Set<string>();
    for (const variable of variables) {
      if (names.has(variable.name))
        throw new Error(`AdamW: two variables are named '${variable.name}'; names key the optimizer state`);
      names.add(variable.name);
      // tf.variable keeps its own reference to the data: the zeros tensor itself must not outlive the tidy.
      this.m.set(
        variable.name,
        tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
      );
      this.v.set(
        variable.name,
        tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
      );
    }
  }

  /** True when weight decay applies to the weight of this name. */
  decaysWeight(name: string): boolean {
    return this.weightDecay > 0 && this.decays(name);
  }

  /**
   * One update with learning rate `lr`. `grads` maps each variable's name to its gradient (same shape); a missing
   * gradient is an error naming the variable. Returns the global gradient norm before clipping (a scalar the caller
   * disposes) so training curves can show it.
   */
  apply(grads: tf.NamedTensorMap, lr: number): tf.Scalar {
    if (!Number.isFinite(lr)) throw new Error(`AdamW.apply: lr must be a finite number, got ${lr}`);
    const list = this.variables.map((v) => {
      const g = grads[v.name];
      if (!g) throw new Error(`AdamW.apply: no gradient for variable '${v.name}'`);
      return g;
    });
    this.step++;
    const t = this.step;
    return tf.tidy(() => {
      const { grads: clipped, norm } = clipByGlobalNorm(list, this.clipNorm);
      const c1 = 1 - this.beta1 ** t;
      const c2 = 1 - this.beta2 ** t;
      this.variables.forEach((variable, i) => {
        const g = clipped[i]!;
        const m = this.m.get(variable.name)!;
        const v = this.v.get(variable.name)!;
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        let update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), this.epsilon));
        if (this.decaysWeight(variable.name)) update = tf.add(update, tf.mul(variable, this.weightDecay));
        variable.assign(tf.sub(variable, tf.mul(update, lr)));
      });
      return tf.keep(norm);
    });
  }

  /** State for checkpoints: moments in variable order (m, v, m, v, ...), then the step. */
  state(): { step: number; moments: tf.Tensor[] } {
    return {
      step: this.step,
      moments: this.variables.flatMap((v) => [this.m.get(v.name)!, this.v.get(v.name)!]),
    };
  }

  /** Restores `state()`; the tensors are copied, the caller keeps (and disposes) its own. */
  restore(step: number, moments: tf.Tensor[]): void {
    if (moments.length !== 2 * this.variables.length) {
      throw new Error(
        `AdamW.restore: expected ${2 * this.variables.length} moment tensors, got ${moments.length}`,
      );
    }
    this.variables.forEach((v, i) => {
      this.m.get(v.name)!.assign(moments[2 * i]!);
      this.v.get(v.name)!.assign(moments[2 * i + 1]!);
    });
    this.step = step;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}
