import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { denseTokens } from '@tost/attention';
import { DeltaRuleAttention } from './delta-rule-attention.js';

/** Decay rates A = e^{A_log} at initialisation, spread over the heads (the authors draw A ~ U(0, 16)). */
const DECAY_RATE_RANGE = [1, 16] as const;
/** Time steps dt = softplus(dt_bias) at initialisation, log-spaced over the heads (the authors draw log-uniform). */
const DT_RANGE = [0.001, 0.1] as const;

/**
 * Gated DeltaNet (Yang, Kautz, Hatamizadeh, "Gated Delta Networks: Improving Mamba2 with Delta Rule", ICLR 2025,
 * arXiv 2412.06464): the delta rule with Mamba2's data-dependent decay,
 * `S_t = α_t S_{t−1}(I − β_t k_t k_tᵀ) + β_t v_t k_tᵀ` with `α_t = e^{γ_t}`, `γ = −e^{A_log}·softplus(X·Wa + dt_bias)`
 * per head (γ = 0 at padded tokens). q, k, β and the per-head RMS norm with gain g [p] as in `DeltaNet`; the output
 * is gated: `u = X·Wg + bg`, `Z = (merge(o) ⊙ u·sigmoid(u))·Wo + bo`.
 *
 * Training runs the chunk-wise WY/UT form with the decay folded into the chunk products (§3.3, `chunkedDeltaRule`);
 * `step` advances the memory token by token, `prefill` a block of tokens chunk-wise.
 *
 * Weights, in order: query/key/value kernels and biases, output kernel and bias (biases with `useBias`, default true),
 * then `beta_kernel` [dim, heads], `beta_bias` [heads], `decay_kernel` [dim, heads], `decay_log_rate` [heads]
 * (A_log = log of 1 … 16 over the heads), `decay_dt_bias` [heads] (softplus⁻¹ of 0.001 … 0.1, log-spaced),
 * `output_gate` [dim, dim], `output_gate_bias` [dim] (with `useBias`), `norm_gain` [p].
 */
export class GatedDeltaNet extends DeltaRuleAttention {
  static className = 'GatedDeltaNet';
  private decayKernel?: tfl.LayerVariable;
  private decayLogRate?: tfl.LayerVariable;
  private decayDtBias?: tfl.LayerVariable;
  private outputGate?: tfl.LayerVariable;
  private outputGateBias?: tfl.LayerVariable;

  protected override buildGateWeights(): void {
    const h = this.heads;
    const spread = (lo: number, hi: number, log: boolean) =>
      Array.from({ length: h }, (_, i) => {
        const f = h === 1 ? 0.5 : i / (h - 1);
        return log ? Math.exp(Math.log(lo) + f * (Math.log(hi) - Math.log(lo))) : lo + f * (hi - lo);
      });
    this.decayKernel = this.addCoreWeight('decay_kernel', [this.dim, h]);
    this.decayLogRate = this.addCoreWeight('decay_log_rate', [h], 'zeros');
    this.decayDtBias = this.addCoreWeight('decay_dt_bias', [h], 'zeros');
    tf.tidy(() => {
      this.decayLogRate!.write(tf.tensor1d(spread(...DECAY_RATE_RANGE, false).map(Math.log)));
      // softplus⁻¹(dt) = dt + log(1 − e^{−dt}).
      this.decayDtBias!.write(
        tf.tensor1d(spread(...DT_RANGE, true).map((dt) => dt + Math.log(-Math.expm1(-dt)))),
      );
    });
    this.outputGate = this.addCoreWeight('output_gate', [this.dim, this.dim]);
    if (this.useBias) {
      this.outputGateBias = this.addCoreWeight('output_gate_bias', [this.dim], 'zeros');
    }
  }

  protected override logDecay(x: tf.Tensor3D): tf.Tensor3D {
    const pre = tf.add(denseTokens(x, this.decayKernel!.read() as tf.Tensor2D), this.decayDtBias!.read());
    return tf.mul(tf.neg(tf.exp(this.decayLogRate!.read())), tf.softplus(pre)) as tf.Tensor3D;
  }

  protected override gateOutput(merged: tf.Tensor3D, x: tf.Tensor3D): tf.Tensor3D {
    const u = denseTokens(
      x,
      this.outputGate!.read() as tf.Tensor2D,
      this.outputGateBias?.read() as tf.Tensor1D | undefined,
    );
    return tf.mul(merged, tf.mul(u, tf.sigmoid(u))) as tf.Tensor3D;
  }
}

tf.serialization.registerClass(GatedDeltaNet);
