/**
 * The state-dict keys and shapes of the authors' modules, written out from reading their code (test-only), for the
 * small fixture configurations. Each list names its source file; the tests check the fixtures (made by
 * tools/fixtures/make_convert_fixtures.py) and our exports against them.
 */
type Shapes = Record<string, number[]>;

function blocks(count: number, make: (i: number) => Shapes): Shapes {
  return Object.assign({}, ...Array.from({ length: count }, (_, i) => make(i))) as Shapes;
}

/**
 * RobinWu218/ToST tost_vision/tost.py: VisionTransformer(patch_size=8 or 16, embed_dim=C, depth, num_heads=H, mlp_ratio=4,
 * qkv_bias=True, eta=1.0, tokens_norm=True, num_classes=K): ConvPatchEmbed.proj = Sequential(conv3x3 → (Conv2d
 * bias=False, SyncBatchNorm), GELU, …) at indices 0, 2, 4 (and 6 for patch 16); Block(norm1, attn=AttentionTSSA(qkv, temp [H, 1],
 * to_out.0), norm2, mlp=timm Mlp(fc1, fc2), gamma1, gamma2); ClassAttentionBlock(norm1, attn=ClassAttention(qkv
 * [3C, C], proj), norm2, mlp, gamma1, gamma2); norm; head; pos_embeder=PositionalEncodingFourier(token_projection
 * Conv2d(64, C, 1)).
 */
export function tostVisionKeys(C: number, depth: number, H: number, K: number, patch: 8 | 16 = 8): Shapes {
  const widths = patch === 8 ? [C / 4, C / 2, C] : [C / 8, C / 4, C / 2, C];
  const ins = [3, ...widths.slice(0, -1)];
  const ln = (p: string): Shapes => ({ [`${p}.weight`]: [C], [`${p}.bias`]: [C] });
  const mlp = (p: string): Shapes => ({
    [`${p}.fc1.weight`]: [4 * C, C],
    [`${p}.fc1.bias`]: [4 * C],
    [`${p}.fc2.weight`]: [C, 4 * C],
    [`${p}.fc2.bias`]: [C],
  });
  return {
    cls_token: [1, 1, C],
    ...blocks(widths.length, (i) => ({
      [`patch_embed.proj.${2 * i}.0.weight`]: [widths[i]!, ins[i]!, 3, 3],
      [`patch_embed.proj.${2 * i}.1.weight`]: [widths[i]!],
      [`patch_embed.proj.${2 * i}.1.bias`]: [widths[i]!],
      [`patch_embed.proj.${2 * i}.1.running_mean`]: [widths[i]!],
      [`patch_embed.proj.${2 * i}.1.running_var`]: [widths[i]!],
      [`patch_embed.proj.${2 * i}.1.num_batches_tracked`]: [],
    })),
    ...blocks(depth, (i) => ({
      [`blocks.${i}.gamma1`]: [C],
      [`blocks.${i}.gamma2`]: [C],
      ...ln(`blocks.${i}.norm1`),
      [`blocks.${i}.attn.temp`]: [H, 1],
      [`blocks.${i}.attn.qkv.weight`]: [C, C],
      [`blocks.${i}.attn.qkv.bias`]: [C],
      [`blocks.${i}.attn.to_out.0.weight`]: [C, C],
      [`blocks.${i}.attn.to_out.0.bias`]: [C],
      ...ln(`blocks.${i}.norm2`),
      ...mlp(`blocks.${i}.mlp`),
    })),
    ...blocks(2, (i) => ({
      [`cls_attn_blocks.${i}.gamma1`]: [C],
      [`cls_attn_blocks.${i}.gamma2`]: [C],
      ...ln(`cls_attn_blocks.${i}.norm1`),
      [`cls_attn_blocks.${i}.attn.qkv.weight`]: [3 * C, C],
      [`cls_attn_blocks.${i}.attn.qkv.bias`]: [3 * C],
      [`cls_attn_blocks.${i}.attn.proj.weight`]: [C, C],
      [`cls_attn_blocks.${i}.attn.proj.bias`]: [C],
      ...ln(`cls_attn_blocks.${i}.norm2`),
      ...mlp(`cls_attn_blocks.${i}.mlp`),
    })),
    ...ln('norm'),
    'head.weight': [K, C],
    'head.bias': [K],
    'pos_embeder.token_projection.weight': [C, 64, 1, 1],
    'pos_embeder.token_projection.bias': [C],
  };
}

/**
 * RobinWu218/ToST tost_lang/model_TSSA.py GPT (nanoGPT naming) with TSSA=True (CausalSelfAttention_TSSA: c_attn
 * [C, C], c_proj, temp [H, 1], denom_bias [H, block_size, 1]) or TSSA=False (CausalSelfAttention: c_attn [3C, C],
 * c_proj, and without PyTorch 2's flash attention the causal-mask buffer `bias` [1, 1, T, T]); Block(ln_1, attn, ln_2,
 * mlp(c_fc, c_proj), gamma1, gamma2); LayerNorm/Linear biases only with bias=True; tied lm_head.
 * karpathy/nanoGPT model.py is the same without gamma1/gamma2 (layerScale false).
 */
export function gptKeys(o: {
  V: number;
  T: number;
  C: number;
  depth: number;
  H: number;
  tssa: boolean;
  bias: boolean;
  layerScale: boolean;
  maskBuffer: boolean;
}): Shapes {
  const { V, T, C, H } = o;
  const ln = (p: string): Shapes => ({ [`${p}.weight`]: [C], ...(o.bias ? { [`${p}.bias`]: [C] } : {}) });
  const lin = (p: string, out: number, inp: number): Shapes => ({
    [`${p}.weight`]: [out, inp],
    ...(o.bias ? { [`${p}.bias`]: [out] } : {}),
  });
  return {
    'transformer.wte.weight': [V, C],
    'transformer.wpe.weight': [T, C],
    ...blocks(o.depth, (i) => {
      const p = `transformer.h.${i}`;
      return {
        ...ln(`${p}.ln_1`),
        ...(o.tssa
          ? {
              ...lin(`${p}.attn.c_attn`, C, C),
              [`${p}.attn.temp`]: [H, 1],
              [`${p}.attn.denom_bias`]: [H, T, 1],
            }
          : {
              ...lin(`${p}.attn.c_attn`, 3 * C, C),
              ...(o.maskBuffer ? { [`${p}.attn.bias`]: [1, 1, T, T] } : {}),
            }),
        ...lin(`${p}.attn.c_proj`, C, C),
        ...ln(`${p}.ln_2`),
        ...lin(`${p}.mlp.c_fc`, 4 * C, C),
        ...lin(`${p}.mlp.c_proj`, C, 4 * C),
        ...(o.layerScale ? { [`${p}.gamma1`]: [C], [`${p}.gamma2`]: [C] } : {}),
      };
    }),
    ...ln('transformer.ln_f'),
    'lm_head.weight': [V, C],
  };
}

/**
 * Ma-Lab-Berkeley/CRATE model/crate.py CRATE(image_size, patch_size=P, dim=C, depth, heads>1, dim_head=C/heads):
 * to_patch_embedding = Sequential(Rearrange, LayerNorm(patch_dim), Linear(patch_dim, C), LayerNorm(C)); pos_embedding
 * [1, N+1, C]; cls_token [1, 1, C]; transformer.layers.i = [PreNorm(norm, Attention(qkv, to_out.0)),
 * PreNorm(norm, FeedForward(weight [C, C]))]; mlp_head = Sequential(LayerNorm, Linear).
 */
export function crateKeys(C: number, depth: number, P: number, tokens: number, K: number): Shapes {
  const pd = 3 * P * P;
  return {
    'to_patch_embedding.1.weight': [pd],
    'to_patch_embedding.1.bias': [pd],
    'to_patch_embedding.2.weight': [C, pd],
    'to_patch_embedding.2.bias': [C],
    'to_patch_embedding.3.weight': [C],
    'to_patch_embedding.3.bias': [C],
    pos_embedding: [1, tokens + 1, C],
    cls_token: [1, 1, C],
    ...blocks(depth, (i) => {
      const p = `transformer.layers.${i}`;
      return {
        [`${p}.0.norm.weight`]: [C],
        [`${p}.0.norm.bias`]: [C],
        [`${p}.0.fn.qkv.weight`]: [C, C],
        [`${p}.0.fn.to_out.0.weight`]: [C, C],
        [`${p}.0.fn.to_out.0.bias`]: [C],
        [`${p}.1.norm.weight`]: [C],
        [`${p}.1.norm.bias`]: [C],
        [`${p}.1.fn.weight`]: [C, C],
      };
    }),
    'mlp_head.0.weight': [C],
    'mlp_head.0.bias': [C],
    'mlp_head.1.weight': [K, C],
    'mlp_head.1.bias': [K],
  };
}
