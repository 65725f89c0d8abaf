import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { AttentionLayer } from './attention-layer.js';
import { denseTokens } from './dense.js';
import { mergeHeads, splitHeads } from './heads.js';

/** Names of the input projections a variant can ask for; each becomes weights `<role>_kernel` and `<role>_bias`. */
export type ProjectionRole = 'query' | 'key' | 'value' | 'qkv';

/**
 * How a `ProjectedAttention` lays out its weights, declared once as `static projections` (every field has a default).
 */
export interface ProjectionLayout {
  /** Input projections, in weight order. Default: query, key, value (TSSA and MSSA: the single `qkv`). */
  readonly roles?: readonly ProjectionRole[];
  /** The output projection has a bias even when `useBias` is false (TSSA's does). Default false. */
  readonly outputBiasAlways?: boolean;
  /** The variant's own weights come before the output projection in `getWeights()` (TSSA: temperature). Default false. */
  readonly coreWeightsBeforeOutput?: boolean;
}

/** Initialisers of `addCoreWeight`, by name. */
const CORE_INITIALIZERS = {
  glorotUniform: () => tfl.initializers.glorotUniform({}),
  zeros: () => tfl.initializers.zeros(),
  ones: () => tfl.initializers.ones(),
};

/** The projected tokens handed to a variant's core, split into heads: [batch, heads, seq, p] per requested role. */
export type ProjectedHeads = Partial<Record<ProjectionRole, tf.Tensor4D>>;

/**
 * Base of every attention that projects the tokens, mixes them in its core, and projects back (the x-transformers
 * split of attention core vs projections). It owns:
 * - the input projections (`static projections.roles`, default query, key, value; TSSA and MSSA use the single `qkv`),
 *   each [dim, dim] with a bias when `useBias`, tfjs layout [in, out], Glorot-uniform kernels and zero biases;
 * - the output projection `output_kernel` [dim, dim] and `output_bias` [dim] (bias when `useBias`, or always when
 *   `outputBiasAlways`; none at all when `hasOutputProjection` is false — then no output dropout either);
 * - the variant's own weights, created by `buildCoreWeights` after the output projection (or before it when
 *   `coreWeightsBeforeOutput`), so `getWeights()` is: input projections, [core], output, [core];
 * - dropout on the output projection (training only).
 * Projections run through `denseTokens`: one 2-D matMul over all tokens whose backward keeps only the input and the
 * kernel and frees its transposed copies as soon as each product exists.
 *
 * A variant implements `attendProjected(heads, mask, training)` only: its core maths from [batch, heads, seq, p]
 * projections to [batch, heads, seq, p] (merged here) or to merged [batch, seq, dim].
 */
export abstract class ProjectedAttention extends AttentionLayer {
  private readonly inputKernels = new Map<ProjectionRole, tfl.LayerVariable>();
  private readonly inputBiases = new Map<ProjectionRole, tfl.LayerVariable>();
  private outputKernel?: tfl.LayerVariable;
  private outputBias?: tfl.LayerVariable;

  /** The class's weight layout (see `ProjectionLayout`). */
  static readonly projections?: ProjectionLayout;

  private get layout(): ProjectionLayout {
    return (this.constructor as { projections?: ProjectionLayout }).projections ?? {};
  }

  /** Input projections, in weight order. */
  protected get projectionRoles(): readonly ProjectionRole[] {
    return this.layout.roles ?? ['query', 'key', 'value'];
  }

  /** Whether the input projections carry a bias (default: `useBias`). */
  protected get inputBias(): boolean {
    return this.useBias;
  }

  /** The output projection has a bias even when `useBias` is false (TSSA's does). */
  protected get outputBiasAlways(): boolean {
    return this.layout.outputBiasAlways ?? false;
  }

  /** Whether there is an output projection at all (CRATE's MSSA has none with a single head). */
  protected get hasOutputProjection(): boolean {
    return true;
  }

  /** The variant's own weights come before the output projection in `getWeights()` (TSSA: temperature). */
  protected get coreWeightsBeforeOutput(): boolean {
    return this.layout.coreWeightsBeforeOutput ?? false;
  }

  /** Creates the variant's own weights (`addCoreWeight`). */
  protected buildCoreWeights(): void {}

  /** Adds one of the variant's own trainable float32 weights, initialised by name (default Glorot uniform). */
  protected addCoreWeight(
    name: string,
    shape: number[],
    initializer: keyof typeof CORE_INITIALIZERS = 'glorotUniform',
  ): tfl.LayerVariable {
    return this.addWeight(name, shape, 'float32', CORE_INITIALIZERS[initializer]());
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const d = this.dim;
    for (const role of this.projectionRoles) {
      this.inputKernels.set(role, this.addWeight(`${role}_kernel`, [d, d], 'float32', glorot()));
      if (this.inputBias) {
        this.inputBiases.set(role, this.addWeight(`${role}_bias`, [d], 'float32', tfl.initializers.zeros()));
      }
    }
    if (this.coreWeightsBeforeOutput) this.buildCoreWeights();
    if (this.hasOutputProjection) {
      this.outputKernel = this.addWeight('output_kernel', [d, d], 'float32', glorot());
      if (this.useBias || this.outputBiasAlways) {
        this.outputBias = this.addWeight('output_bias', [d], 'float32', tfl.initializers.zeros());
      }
    }
    if (!this.coreWeightsBeforeOutput) this.buildCoreWeights();
    super.build(inputShape);
  }

  /** Projects `x` [batch, seq, dim] with the role's kernel (and bias) → [batch, seq, dim]. */
  protected project(role: ProjectionRole, x: tf.Tensor3D): tf.Tensor3D {
    const kernel = this.inputKernels.get(role);
    if (!kernel) {
      throw new Error(
        `${this.layerClass} '${this.name}': no '${role}' projection (roles: ${this.projectionRoles.join(', ')}); ` +
          `build the layer first`,
      );
    }
    return denseTokens(
      x,
      kernel.read() as tf.Tensor2D,
      this.inputBiases.get(role)?.read() as tf.Tensor1D | undefined,
    );
  }

  /**
   * Every input projection split into heads, [batch, heads, seq, p]. Each projection [batch, seq, dim] is freed once
   * split (the split is a copy), not kept until the layer's call ends.
   */
  protected projectHeads(x: tf.Tensor3D): ProjectedHeads {
    const out: ProjectedHeads = {};
    for (const role of this.projectionRoles) {
      out[role] = tf.tidy(() => splitHeads(this.project(role, x), this.heads));
    }
    return out;
  }

  /**
   * Merges heads when given [batch, heads, seq, p], applies the output projection (if any) and dropout (training
   * only). Works on one token too: [batch, dim] in → [batch, dim] out (streaming `step`).
   */
  protected projectOutput<T extends tf.Tensor4D | tf.Tensor3D | tf.Tensor2D>(
    y: T,
    training: boolean,
  ): T extends tf.Tensor2D ? tf.Tensor2D : tf.Tensor3D {
    type Out = T extends tf.Tensor2D ? tf.Tensor2D : tf.Tensor3D;
    return tf.tidy(() => {
      if (y.rank === 2) {
        if (!this.outputKernel) return y as unknown as Out;
        const one = tf.expandDims(y, 1) as tf.Tensor3D;
        return tf.squeeze(this.projectOutput(one, training), [1]) as unknown as Out;
      }
      const merged = y.rank === 4 ? mergeHeads(y as tf.Tensor4D) : (y as tf.Tensor3D);
      if (!this.outputKernel) return merged as unknown as Out;
      const z = denseTokens(
        merged,
        this.outputKernel.read() as tf.Tensor2D,
        this.outputBias?.read() as tf.Tensor1D | undefined,
      );
      return this.maybeDropout(z, training) as unknown as Out;
    });
  }

  /**
   * Projections → core → output projection. Override only to add outputs (e.g. TSSA's membership). The projected
   * heads and the core's output are freed as soon as they are spent (what the backward pass needs, the ops have
   * saved), so the output projection does not run with every intermediate of the layer alive.
   */
  protected attend(x: tf.Tensor3D, mask: tf.Tensor2D | undefined, training: boolean): tf.Tensor3D {
    const y = tf.tidy(() => this.attendProjected(this.projectHeads(x), mask, training));
    if (y.rank !== 4) return this.projectOutput(y, training);
    const merged = mergeHeads(y as tf.Tensor4D);
    y.dispose();
    return this.projectOutput(merged, training);
  }

  /**
   * The variant's core: projected heads [batch, heads, seq, p] per role → [batch, heads, seq, p] (or merged
   * [batch, seq, dim]). `mask` is [batch, seq] (1 = token) or undefined; padded tokens arrive zeroed before the
   * projection, so they hold exactly the projection bias.
   */
  protected abstract attendProjected(
    heads: ProjectedHeads,
    mask: tf.Tensor2D | undefined,
    training: boolean,
  ): tf.Tensor4D | tf.Tensor3D;

  /** Throws a clear error when a method that reads weights is called before `build`. */
  protected assertBuilt(method: string): void {
    if (!this.built) {
      throw new Error(
        `${this.layerClass} '${this.name}': ${method} needs built weights — apply the layer once or call ` +
          `build([null, null, ${this.dim}]) first`,
      );
    }
  }
}

function glorot(): ReturnType<typeof tfl.initializers.glorotUniform> {
  return tfl.initializers.glorotUniform({});
}
