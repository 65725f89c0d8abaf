import type { TensorData } from './tensor-data.js';

/** A weight of the tfjs model: layer name and the weight's own name (e.g. 'kernel', 'qkv_kernel', 'gamma'). */
export interface WeightTarget {
  layer: string;
  weight: string;
}

/**
 * How one PyTorch state-dict entry maps onto tfjs weights. `toTf` turns the PyTorch values into one array per
 * target (in tfjs layout); `toTorch` is its exact inverse. An entry with `key: undefined` has no PyTorch
 * counterpart: its targets are filled by `toTf` (e.g. a zero bias the PyTorch layer does not have) and it is not
 * exported.
 */
export interface Binding {
  key?: string;
  /** PyTorch shape of the entry. */
  shape: number[];
  targets: WeightTarget[];
  toTf(values: Float32Array): Float32Array[];
  toTorch(values: Float32Array[]): Float32Array;
  /** Import: the entry may be absent (e.g. a tied lm_head.weight); it is checked against its targets when present. */
  optional?: boolean;
  /** Export: written with this dtype (default F32); e.g. I64 for BatchNorm's num_batches_tracked. */
  exportOnly?: TensorData;
}

/** Row-major transpose of a [rows, cols] matrix. */
export function transpose2d(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c]!;
  return out;
}

/** Same values, other shape (biases, norms, layer scales, temperatures, embeddings). */
export function copyBinding(key: string, shape: number[], target: WeightTarget): Binding {
  return { key, shape, targets: [target], toTf: (v) => [v], toTorch: ([v]) => v! };
}

/** nn.Linear weight [out, in] → Dense kernel [in, out]. */
export function linearBinding(key: string, out: number, inp: number, target: WeightTarget): Binding {
  return {
    key,
    shape: [out, inp],
    targets: [target],
    toTf: (v) => [transpose2d(v, out, inp)],
    toTorch: ([v]) => transpose2d(v!, inp, out),
  };
}

/**
 * A fused projection split into `targets.length` equal parts along PyTorch's output axis: nn.Linear weight
 * [n·out, in] → n kernels [in, out] (nanoGPT's c_attn, XCiT's qkv); with `inp` undefined a bias [n·out] → n biases.
 */
export function splitBinding(
  key: string,
  out: number,
  inp: number | undefined,
  targets: WeightTarget[],
): Binding {
  const n = targets.length;
  const part = out * (inp ?? 1);
  return {
    key,
    shape: inp === undefined ? [n * out] : [n * out, inp],
    targets,
    toTf: (v) =>
      targets.map((_, i) => {
        const slice = v.subarray(i * part, (i + 1) * part);
        return inp === undefined ? slice.slice() : transpose2d(slice, out, inp);
      }),
    toTorch: (vs) => {
      const all = new Float32Array(n * part);
      vs.forEach((v, i) => all.set(inp === undefined ? v : transpose2d(v, inp, out), i * part));
      return all;
    },
  };
}

/** nn.Conv2d weight [out, in, kh, kw] → tfjs conv kernel [kh, kw, in, out] (a 1×1 conv: Dense kernel [in, out]). */
export function convBinding(
  key: string,
  shape: [number, number, number, number],
  target: WeightTarget,
): Binding {
  const [o, i, kh, kw] = shape;
  return {
    key,
    shape,
    targets: [target],
    toTf: (v) => {
      const out = new Float32Array(v.length);
      for (let a = 0; a < o; a++)
        for (let b = 0; b < i; b++)
          for (let y = 0; y < kh; y++)
            for (let x = 0; x < kw; x++)
              out[((y * kw + x) * i + b) * o + a] = v[((a * i + b) * kh + y) * kw + x]!;
      return [out];
    },
    toTorch: ([v]) => {
      const out = new Float32Array(v!.length);
      for (let a = 0; a < o; a++)
        for (let b = 0; b < i; b++)
          for (let y = 0; y < kh; y++)
            for (let x = 0; x < kw; x++)
              out[((a * i + b) * kh + y) * kw + x] = v![((y * kw + x) * i + b) * o + a]!;
      return out;
    },
  };
}

/** A tfjs weight PyTorch does not have (e.g. CausalTSSA's output bias when the checkpoint has bias=False): zeros. */
export function zerosBinding(size: number, target: WeightTarget): Binding {
  return {
    shape: [size],
    targets: [target],
    toTf: () => [new Float32Array(size)],
    toTorch: () => new Float32Array(0),
  };
}

/** A PyTorch buffer with no tfjs counterpart, written on export only (BatchNorm's num_batches_tracked = 0). */
export function exportOnlyBinding(key: string, tensor: TensorData): Binding {
  return {
    key,
    shape: tensor.shape,
    targets: [],
    toTf: () => [],
    toTorch: () => new Float32Array(0),
    optional: true,
    exportOnly: tensor,
  };
}

/** The tfjs weight `weight` of layer `layer`. */
export function target(layer: string, weight: string): WeightTarget {
  return { layer, weight };
}

/**
 * nn.LayerNorm `${key}.weight` / `${key}.bias` [size] → LayerNormalization gamma / beta of `layer` (and
 * BatchNorm's affine pair). Without `bias` (nanoGPT's bias=False) only the weight.
 */
export function normBindings(key: string, layer: string, size: number, bias = true): Binding[] {
  const weight = copyBinding(`${key}.weight`, [size], target(layer, 'gamma'));
  return bias ? [weight, copyBinding(`${key}.bias`, [size], target(layer, 'beta'))] : [weight];
}

/** nn.Linear `${key}.weight` [out, inp] and `${key}.bias` [out] → Dense kernel [inp, out] and bias of `layer`. */
export function denseBindings(key: string, out: number, inp: number, layer: string): Binding[] {
  return [
    linearBinding(`${key}.weight`, out, inp, target(layer, 'kernel')),
    copyBinding(`${key}.bias`, [out], target(layer, 'bias')),
  ];
}

/** The query, key and value weights `${part}_${weight}` of one attention layer (a fused qkv split in three). */
export function qkvTargets(layer: string, weight: 'kernel' | 'bias'): WeightTarget[] {
  return ['query', 'key', 'value'].map((part) => target(layer, `${part}_${weight}`));
}
