import * as tf from '@tensorflow/tfjs-core';

/** Parameters the ToST authors exclude from weight decay (TSSA temperature, causal TSSA denominator bias). */
export const NO_DECAY_PATTERN = /(temperature|denominator_bias)/;

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay?: number;
  /** Global-norm gradient clipping; 0 disables it. */
  clipNorm?: number;
}

/**
 * Adam with decoupled weight decay (AdamW) and global-norm clipping. Written here (not tf.train.adam) so its state is
 * plain named tensors that a checkpoint can save and restore exactly, and so decay can skip named parameters.
 */
export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  readonly clipNorm: number;
  step = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(
    private readonly variables: tf.Variable[],
    options: AdamWOptions = {},
  ) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.98;
    this.epsilon = options.epsilon ?? 1e-9;
    this.weightDecay = options.weightDecay ?? 0;
    this.clipNorm = options.clipNorm ?? 0;
    for (const variable of variables) {
      this.m.set(variable.name, tf.variable(tf.zerosLike(variable), false));
      this.v.set(variable.name, tf.variable(tf.zerosLike(variable), false));
    }
  }

  /**
   * One update with learning rate `lr`. Returns the global gradient norm before clipping (a scalar the caller
   * disposes) so training curves can show it.
   */
  apply(grads: tf.NamedTensorMap, lr: number): tf.Scalar {
    this.step++;
    const t = this.step;
    return tf.tidy(() => {
      const list = this.variables.map((v) => {
        const g = grads[v.name];
        if (!g) throw new Error(`AdamW: no gradient for variable '${v.name}'`);
        return g;
      });
      const norm = tf.sqrt(tf.addN(list.map((g) => tf.sum(tf.square(g))))) as tf.Scalar;
      const scale =
        this.clipNorm > 0 ? tf.minimum(1, tf.div(this.clipNorm, tf.add(norm, 1e-6))) : tf.scalar(1);
      const c1 = 1 - this.beta1 ** t;
      const c2 = 1 - this.beta2 ** t;
      this.variables.forEach((variable, i) => {
        const g = tf.mul(list[i]!, scale);
        const m = this.m.get(variable.name)!;
        const v = this.v.get(variable.name)!;
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        const update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), this.epsilon));
        const decay =
          this.weightDecay > 0 && !NO_DECAY_PATTERN.test(variable.name)
            ? tf.mul(variable, this.weightDecay)
            : tf.scalar(0);
        variable.assign(tf.sub(variable, tf.mul(tf.add(update, decay), lr)));
      });
      return tf.keep(norm);
    });
  }

  /** State for checkpoints: moments in variable order, then the step. */
  state(): { step: number; moments: tf.Tensor[] } {
    return {
      step: this.step,
      moments: this.variables.flatMap((v) => [this.m.get(v.name)!, this.v.get(v.name)!]),
    };
  }

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
