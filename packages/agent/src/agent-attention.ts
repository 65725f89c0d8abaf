import * as tf from '@tensorflow/tfjs-core';
import {
  ProjectedAttention,
  type AttentionOptions,
  type LayerBaseArgs,
  type ProjectedHeads,
} from '@tost/attention';
import { agentAttention } from './agent-attention-core.js';

/** Default number of agent tokens per head (the paper's n = 49 for 7×7 pooling is a vision setting; 64 here). */
export const DEFAULT_AGENTS = 64;

export interface AgentAttentionOptions extends AttentionOptions {
  /** Agent tokens per head n_a (positive integer, default 64): cost O(N·n_a·p). */
  agents?: number;
}

/**
 * Agent Attention (Han et al., ECCV 2024, arXiv 2312.08874) in sequence form: n_a agent tokens per head, pooled
 * from the queries, first aggregate the values with a softmax over the keys, then broadcast them back with a softmax
 * over the agents — softmax attention through an n_a-token bottleneck, linear in the sequence length
 * (see `agentAttention` for the formulas; the paper's agent bias and depth-wise convolution are left out).
 *
 * Weights, in order: query_kernel, query_bias, key_kernel, key_bias, value_kernel, value_bias, output_kernel,
 * output_bias (biases when `useBias`, default true); kernels [dim, dim] in the tfjs layout [in, out].
 */
export class AgentAttention extends ProjectedAttention {
  static className = 'AgentAttention';
  static override readonly traits = { causal: false, complexity: 'linear', useBias: true } as const;
  static override optionNames: readonly string[] = ['agents'];
  readonly agents: number;

  constructor(options: AgentAttentionOptions & LayerBaseArgs) {
    super(options);
    this.agents = this.positiveIntegerOption(options, 'agents', 'agent tokens per head', DEFAULT_AGENTS);
  }

  protected attendProjected(heads: ProjectedHeads, mask: tf.Tensor2D | undefined): tf.Tensor4D {
    return agentAttention(heads.query!, heads.key!, heads.value!, this.agents, mask).y;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), agents: this.agents };
  }
}

tf.serialization.registerClass(AgentAttention);
