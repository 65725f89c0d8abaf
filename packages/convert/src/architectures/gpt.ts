import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { createAttention } from '@tost/attention';
import {
  CAUSAL_LM_LAYERS,
  LayerScale,
  LearnedPositionalEmbedding,
  ResidualAdd,
  TokenEmbedding,
} from '@tost/models';
import {
  copyBinding,
  exportOnlyBinding,
  linearBinding,
  normBindings,
  qkvTargets,
  splitBinding,
  target as t,
  zerosBinding,
  type Binding,
  type WeightTarget,
} from '../bindings.js';
import type { RecordedHyperparameters, RecordedValue } from '../recorded-config.js';
import type { TensorData } from '../tensor-data.js';
import { countIndexed, headsFor, requireShape } from './infer.js';

/**
 * A GPT-2-style language model in nanoGPT's naming: the ToST language model of RobinWu218/ToST
 * `tost_lang/model_TSSA.py` (causal TSSA, layer scale gamma1/gamma2), the same file's softmax GPT, and plain
 * nanoGPT (karpathy/nanoGPT `model.py`) / GPT-2 checkpoints (no layer scale).
 */
export interface GptConfig {
  vocabSize: number;
  /** Context length (rows of wpe, and of TSSA's denom_bias). */
  blockSize: number;
  dim: number;
  depth: number;
  heads: number;
  /** 'causal-tssa' (c_attn [C, C] + temp + denom_bias) or 'softmax-causal' (c_attn [3C, C]). */
  attention: 'causal-tssa' | 'softmax-causal';
  /** Biases in every Linear and LayerNorm (nanoGPT's `bias`). */
  bias: boolean;
  /** gamma1/gamma2 on both residual branches (model_TSSA.py). */
  layerScale: boolean;
  /** MLP hidden width (4·dim in the authors' code). */
  hidden: number;
  /**
   * Whether the tfjs causal TSSA has a qkv bias when it differs from `bias` (a `buildCausalLM` model: biases in
   * LayerNorms and Linears but none in TSSA's projection). Undefined = `bias`. Exported as a zero c_attn.bias.
   */
  qkvBias?: boolean;
  /** The checkpoint stores Conv1D weights [in, out] (Hugging Face GPT-2) instead of nn.Linear [out, in]. */
  conv1d: boolean;
}

/** GPT-2 sizes: width → heads (the head count is not stored in a softmax checkpoint). */
const GPT2_HEADS: Record<number, number> = { 768: 12, 1024: 16, 1280: 20, 1600: 25 };

/** Where each inferred value came from (filled by `inferGpt`), and what the checkpoint file records. */
export interface InferProvenance {
  recorded?: RecordedHyperparameters;
  /** Lines "heads=4 from model_args.n_head", in order. */
  sources?: string[];
}

/**
 * The GPT configuration of a state dict in nanoGPT naming. Sizes come from the shapes; the heads of a softmax GPT
 * (not visible in its weights) from option 'heads', else the checkpoint's record (nanoGPT `model_args.n_head`, a
 * config.json beside a .safetensors), else the GPT-2 preset of the width. A recorded heads count, block size or
 * bias that contradicts the weights, or an option 'heads' that contradicts the record, is an error naming both.
 */
export function inferGpt(
  tensors: Map<string, TensorData>,
  options: { heads?: number } = {},
  provenance: InferProvenance = {},
): GptConfig {
  const arch = 'gpt (nanoGPT naming)';
  const recorded = provenance.recorded;
  const sources = provenance.sources ?? [];
  const [vocabSize, dim] = requireShape(tensors, 'transformer.wte.weight', arch) as [number, number];
  const [blockSize] = requireShape(tensors, 'transformer.wpe.weight', arch) as [number];
  const depth = countIndexed(tensors, 'transformer.h.');
  if (depth === 0) throw new Error(`${arch}: no transformer.h.N.* blocks in the state dict`);
  const temp = tensors.get('transformer.h.0.attn.temp');
  const cAttn = requireShape(tensors, 'transformer.h.0.attn.c_attn.weight', arch);
  const conv1d = cAttn[0] === dim && cAttn[1] === 3 * dim;
  const hidden = requireShape(tensors, 'transformer.h.0.mlp.c_fc.weight', arch)[conv1d ? 1 : 0]!;
  const attention = temp ? 'causal-tssa' : 'softmax-causal';
  const agrees = (r: RecordedValue<unknown> | undefined) => (r ? `; ${r.source} agrees` : '');
  let heads: number;
  if (temp) {
    heads = temp.shape[0]!;
    if (options.heads !== undefined && options.heads !== heads) {
      throw new RangeError(
        `gpt: option 'heads' is ${options.heads} but attn.temp has ${heads} rows (one per head)`,
      );
    }
    if (recorded?.heads && recorded.heads.value !== heads) {
      throw new RangeError(
        `gpt: the checkpoint's ${recorded.heads.source} is ${recorded.heads.value} but attn.temp has ${heads} rows (one per head)`,
      );
    }
    sources.push(`heads=${heads} from the weights (rows of attn.temp)${agrees(recorded?.heads)}`);
  } else if (options.heads !== undefined) {
    heads = headsFor(dim, options.heads, GPT2_HEADS, 'gpt');
    sources.push(`heads=${heads} from option 'heads'${agrees(recorded?.heads)}`);
  } else if (recorded?.heads) {
    heads = recorded.heads.value;
    if (dim % heads !== 0) {
      throw new RangeError(
        `gpt: the checkpoint's ${recorded.heads.source} is ${heads}, which does not divide the width ${dim}`,
      );
    }
    sources.push(`heads=${heads} from ${recorded.heads.source}`);
  } else {
    heads = headsFor(dim, undefined, GPT2_HEADS, 'gpt');
    sources.push(`heads=${heads} from the GPT-2 preset of width ${dim} (not stored in the file)`);
  }
  if (recorded?.blockSize && recorded.blockSize.value !== blockSize) {
    throw new RangeError(
      `gpt: the checkpoint's ${recorded.blockSize.source} is ${recorded.blockSize.value} but transformer.wpe.weight has ${blockSize} rows (one per position)`,
    );
  }
  sources.push(
    `blockSize=${blockSize} from the weights (rows of transformer.wpe.weight)${agrees(recorded?.blockSize)}`,
  );
  const bias = tensors.has('transformer.h.0.ln_1.bias');
  if (recorded?.bias && recorded.bias.value !== bias) {
    throw new RangeError(
      `gpt: the checkpoint's ${recorded.bias.source} is ${recorded.bias.value ? 'True' : 'False'} but the weights ` +
        `${bias ? 'have' : 'have no'} LayerNorm biases (transformer.h.0.ln_1.bias)`,
    );
  }
  sources.push(
    `bias=${bias} from the weights (transformer.h.0.ln_1.bias ${bias ? 'present' : 'absent'})${agrees(recorded?.bias)}`,
  );
  return {
    vocabSize,
    blockSize,
    dim,
    depth,
    heads,
    attention,
    bias,
    layerScale: tensors.has('transformer.h.0.gamma1'),
    hidden,
    conv1d,
  };
}

/** Layer names: those of `buildCausalLM`, so `generate` (streaming for causal TSSA) works on the result. */
const L = {
  ln1: (i: number) => `block${i}_ln1`,
  attn: (i: number) => `block${i}_attn`,
  scale1: (i: number) => `block${i}_attn_scale`,
  add1: (i: number) => `block${i}_attn_add`,
  ln2: (i: number) => `block${i}_ln2`,
  fc1: (i: number) => `block${i}_mlp_fc1`,
  fc2: (i: number) => `block${i}_mlp_fc2`,
  scale2: (i: number) => `block${i}_mlp_scale`,
  add2: (i: number) => `block${i}_mlp_add`,
};

/**
 * Builds the tfjs model: ids [B, L] (any L ≤ blockSize) → logits [B, L, vocab]. x = wte[ids] + wpe[0:L]; per block
 * x += γ1·attn(LN1(x)), x += γ2·MLP(LN2(x)) (γ = 1 without layer scale), MLP = Linear → GELU (erf) → Linear;
 * LN eps 1e-5; final LN; tied head logits = x·wteᵀ.
 */
export function buildGpt(c: GptConfig): tfl.LayersModel {
  const ids = tfl.input({ shape: [null], dtype: 'int32', name: 'token_ids' });
  const embedding = new TokenEmbedding({
    vocabSize: c.vocabSize,
    dim: c.dim,
    name: CAUSAL_LM_LAYERS.embedding,
  });
  let x = embedding.apply(ids) as SymbolicTensor;
  x = new LearnedPositionalEmbedding({
    maxLength: c.blockSize,
    dim: c.dim,
    name: CAUSAL_LM_LAYERS.positions,
  }).apply(x) as SymbolicTensor;
  const ln = (name: string) =>
    tfl.layers.layerNormalization({ epsilon: 1e-5, center: c.bias, name }) as tfl.layers.Layer;
  const residual = (x0: SymbolicTensor, branch: SymbolicTensor, scale: string, add: string) => {
    const y = c.layerScale
      ? (new LayerScale({ dim: c.dim, init: 1, name: scale }).apply(branch) as SymbolicTensor)
      : branch;
    return new ResidualAdd({ name: add }).apply([x0, y]) as SymbolicTensor;
  };
  for (let i = 0; i < c.depth; i++) {
    // The context fills causal TSSA's maxLength (one denominator-bias row per position); softmax takes none.
    const attention = createAttention(
      c.attention,
      { dim: c.dim, heads: c.heads, useBias: c.qkvBias ?? c.bias, name: L.attn(i) } as never,
      { maxLength: c.blockSize },
    );
    const a = attention.apply(ln(L.ln1(i)).apply(x)) as SymbolicTensor;
    x = residual(x, a, L.scale1(i), L.add1(i));
    const h = tfl.layers
      .dense({ units: c.hidden, activation: 'gelu', useBias: c.bias, name: L.fc1(i) })
      .apply(ln(L.ln2(i)).apply(x)) as SymbolicTensor;
    const m = tfl.layers.dense({ units: c.dim, useBias: c.bias, name: L.fc2(i) }).apply(h) as SymbolicTensor;
    x = residual(x, m, L.scale2(i), L.add2(i));
  }
  x = ln(CAUSAL_LM_LAYERS.finalNorm).apply(x) as SymbolicTensor;
  const logits = embedding.apply(x) as SymbolicTensor;
  return tfl.model({ inputs: ids, outputs: logits, name: 'causal_lm' });
}

/** PyTorch key ↔ tfjs weight for every entry (the keys of `GPT.state_dict()` in the authors' files). */
export function gptBindings(c: GptConfig): Binding[] {
  const C = c.dim;
  // nn.Linear [out, in] or Hugging Face Conv1D [in, out].
  const linear = (key: string, out: number, inp: number, target: WeightTarget) =>
    c.conv1d ? copyBinding(key, [inp, out], target) : linearBinding(key, out, inp, target);
  const b: Binding[] = [
    copyBinding('transformer.wte.weight', [c.vocabSize, C], t(CAUSAL_LM_LAYERS.embedding, 'embeddings')),
    copyBinding('transformer.wpe.weight', [c.blockSize, C], t(CAUSAL_LM_LAYERS.positions, 'positions')),
  ];
  const norm = (key: string, layer: string) => b.push(...normBindings(key, layer, C, c.bias));
  for (let i = 0; i < c.depth; i++) {
    const p = `transformer.h.${i}.`;
    norm(`${p}ln_1`, L.ln1(i));
    const attn = L.attn(i);
    if (c.attention === 'causal-tssa') {
      b.push(linear(`${p}attn.c_attn.weight`, C, C, t(attn, 'qkv_kernel')));
      const qkvBias = c.qkvBias ?? c.bias;
      if (qkvBias) b.push(copyBinding(`${p}attn.c_attn.bias`, [C], t(attn, 'qkv_bias')));
      else if (c.bias)
        b.push(
          exportOnlyBinding(`${p}attn.c_attn.bias`, { dtype: 'F32', shape: [C], data: new Float32Array(C) }),
        );
      b.push(copyBinding(`${p}attn.temp`, [c.heads, 1], t(attn, 'temperature')));
      b.push(copyBinding(`${p}attn.denom_bias`, [c.heads, c.blockSize, 1], t(attn, 'denominator_bias')));
      b.push(linear(`${p}attn.c_proj.weight`, C, C, t(attn, 'output_kernel')));
      // CausalTSSA always has an output bias: zeros when the checkpoint has none.
      b.push(
        c.bias
          ? copyBinding(`${p}attn.c_proj.bias`, [C], t(attn, 'output_bias'))
          : zerosBinding(C, t(attn, 'output_bias')),
      );
    } else {
      const kernels = qkvTargets(attn, 'kernel');
      const split = splitBinding(`${p}attn.c_attn.weight`, C, C, kernels);
      // Conv1D [C, 3C]: columns are q | k | v.
      b.push(c.conv1d ? { ...split, ...conv1dSplit(C, kernels) } : split);
      if (c.bias) b.push(splitBinding(`${p}attn.c_attn.bias`, C, undefined, qkvTargets(attn, 'bias')));
      b.push(linear(`${p}attn.c_proj.weight`, C, C, t(attn, 'output_kernel')));
      if (c.bias) b.push(copyBinding(`${p}attn.c_proj.bias`, [C], t(attn, 'output_bias')));
    }
    if (c.layerScale) b.push(copyBinding(`${p}gamma1`, [C], t(L.scale1(i), 'gamma')));
    norm(`${p}ln_2`, L.ln2(i));
    b.push(linear(`${p}mlp.c_fc.weight`, c.hidden, C, t(L.fc1(i), 'kernel')));
    if (c.bias) b.push(copyBinding(`${p}mlp.c_fc.bias`, [c.hidden], t(L.fc1(i), 'bias')));
    b.push(linear(`${p}mlp.c_proj.weight`, C, c.hidden, t(L.fc2(i), 'kernel')));
    if (c.bias) b.push(copyBinding(`${p}mlp.c_proj.bias`, [C], t(L.fc2(i), 'bias')));
    if (c.layerScale) b.push(copyBinding(`${p}gamma2`, [C], t(L.scale2(i), 'gamma')));
  }
  norm('transformer.ln_f', CAUSAL_LM_LAYERS.finalNorm);
  // Tied head: the same matrix as wte (optional on import, checked equal; written on export for strict loading).
  b.push({
    ...copyBinding('lm_head.weight', [c.vocabSize, C], t(CAUSAL_LM_LAYERS.embedding, 'embeddings')),
    optional: true,
  });
  return b;
}

/** Hugging Face Conv1D c_attn [C, 3C] ↔ three tfjs kernels [C, C] (column blocks q | k | v). */
function conv1dSplit(C: number, targets: WeightTarget[]): Pick<Binding, 'shape' | 'toTf' | 'toTorch'> {
  return {
    shape: [C, 3 * C],
    toTf: (v) =>
      targets.map((_, part) => {
        const out = new Float32Array(C * C);
        for (let r = 0; r < C; r++)
          out.set(v.subarray(r * 3 * C + part * C, r * 3 * C + (part + 1) * C), r * C);
        return out;
      }),
    toTorch: (vs) => {
      const out = new Float32Array(3 * C * C);
      vs.forEach((v, part) => {
        for (let r = 0; r < C; r++) out.set(v.subarray(r * C, (r + 1) * C), r * 3 * C + part * C);
      });
      return out;
    },
  };
}
