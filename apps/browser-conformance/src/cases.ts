// What the Node side hands the page for one variant, and what the page reports back (plain JSON both ways).

/** A nested list of numbers, as the golden JSON files store tensors. */
export type Nested = number | Nested[];

/** One golden forward case, already mapped to the variant's construction options and weight order. */
export interface GoldenInput {
  /** e.g. 'attention-seed0 #3 (heads 8)'. */
  label: string;
  /** Variant options beyond `dim` (taken from x) — `heads` and any the case fixes (window, maxLength, …). */
  options: Record<string, unknown>;
  /** Input [batch, seq, dim]. */
  x: number[][][];
  /** Key mask [batch, seq] (1 = real token); absent = every token real. */
  mask?: number[][];
  /** Weights in the layer's `getWeights()` order. */
  weights: Nested[];
  /** float64 reference output [batch, seq, dim]; only rows with mask 1 are compared. */
  y: number[][][];
}

/** One golden case checked on the GPU backend. */
export interface GoldenResult {
  label: string;
  /** [batch, seq, dim, heads]. */
  shape: number[];
  /** max|y − y_ref| / max|y_ref| at real tokens (GPU vs float64 golden). */
  forwardError: number;
  /** Same measure for ∂⟨y, r⟩/∂x, GPU vs the cpu backend in the same page (golden weights, x and mask). */
  gradientError: number;
}

/** Checks on random inputs (every variant gets these, with or without golden cases). */
export interface RandomResult {
  /** [batch, seq, dim, heads]. */
  shape: number[];
  /** Forward, GPU vs cpu, unmasked. */
  forwardError: number;
  /** ∂⟨y, r⟩/∂x, GPU vs cpu, unmasked. */
  gradientError: number;
  /** ∂⟨y, r⟩/∂x, GPU vs cpu, with padded tokens (the masked backward pass). */
  maskedGradientError: number;
  /** Largest change of an output at a real token when the padded tokens' inputs change, relative to max|y|. */
  paddingLeak: number;
  /** Tensors left alive on the GPU backend by forward, masked forward and backward (after a warm-up call). */
  leakedTensors: { forward: number; maskedForward: number; backward: number };
  /** max|y_loaded − y| / max|y| after model.save → tf.loadLayersModel (through memory), on the GPU backend. */
  saveLoadError: number;
}

export interface VariantReport {
  variant: string;
  backend: string;
  golden: GoldenResult[];
  random?: RandomResult;
  /** Exceptions, each naming the check that threw. */
  errors: string[];
  /** Wall time of the variant's checks, ms. */
  ms: number;
}
