import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types.js';
import { isFromLogitsLoss, planFromLogits } from './from-logits.js';
import { TokenEmbedding } from '../layers/token-embedding.js';
import { checkTokenIds } from '../util/token-ids.js';

type Shape = (number | null)[];

/**
 * The `tf.LayersModel` every builder of this package returns (registered as 'ToSTModel', so `model.save` /
 * `tf.loadLayersModel` keep it). It behaves like a plain LayersModel, plus:
 * - `predict`, `predictOnBatch` and `apply`: token ids fed as a float tensor must hold integers in [0, vocabSize) (tfjs would truncate
 *   2.5 to 2 before any layer sees it); inputs of a multi-input model must share their batch size (a RangeError naming the inputs, where
 *   tfjs would silently drop rows); an empty batch or an empty sequence (any axis of length 0) gives empty outputs of
 *   the right shape (e.g. [0, numClasses]) without running the layers; the same holds for `apply` on tensors.
 * - `compile`: when the model outputs logits (its last layer is not a softmax), the cross-entropies
 *   'sparseCategoricalCrossentropy' / 'categoricalCrossentropy' are compiled as
 *   their from-logits forms, with a console warning that says so; a from-logits loss on a softmax output warns too.
 * - `dispose`: also frees layers applied more than once inside the model (the tied token embedding of the causal LM,
 *   the shared encoder of the dual encoder), which tfjs counts once per application and would otherwise keep alive.
 */
export class ToSTModel extends tfl.LayersModel {
  static override className = 'ToSTModel';

  /** True when the (first) output is unnormalised logits, false when the output layer is a softmax. */
  get outputsLogits(): boolean {
    const layer = this.outputLayers[0] as
      (tfl.layers.Layer & { getConfig(): tf.serialization.ConfigDict }) | undefined;
    if (!layer) return false;
    const className = layer.getClassName();
    if (className === 'Softmax') return false;
    if (className === 'Activation' && layer.getConfig().activation === 'softmax') return false;
    if (className === 'Dense' && layer.getConfig().activation === 'softmax') return false;
    return true;
  }

  override predict(x: tf.Tensor | tf.Tensor[], args?: tf.ModelPredictConfig): tf.Tensor | tf.Tensor[] {
    const inputs = Array.isArray(x) ? x : [x];
    this.checkInputs(inputs, 'predict');
    if (inputs.some((t) => t.shape.includes(0))) return this.emptyOutputs(inputs);
    return super.predict(x, args);
  }

  override predictOnBatch(x: tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    const inputs = Array.isArray(x) ? x : [x];
    this.checkInputs(inputs, 'predictOnBatch');
    if (inputs.some((t) => t.shape.includes(0))) return this.emptyOutputs(inputs);
    return super.predictOnBatch(x);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    this.checkInputs(list, 'apply');
    if (list.some((t) => t.shape.includes(0))) return this.emptyOutputs(list);
    return super.call(inputs, kwargs);
  }

  /** True when the compiled loss of the (single) output is a sparse categorical cross-entropy (integer labels). */
  private sparseLabels = false;

  override compile(args: tfl.ModelCompileArgs): void {
    const loss = args?.loss;
    const losses = Array.isArray(loss)
      ? loss
      : loss != null && typeof loss === 'object'
        ? Object.values(loss)
        : [loss];
    this.sparseLabels = losses.length === 1 && losses[0] === 'sparseCategoricalCrossentropy';
    if (args != null && this.outputsLogits) {
      const plan = planFromLogits(args, this.outputNames);
      if (plan.replaced.length > 0) {
        console.warn(
          `${this.name}: this model outputs logits, so ${plan.replaced.join(', ')} (tfjs's versions expect ` +
            `probabilities). (Classifier builders take output: 'probabilities' to train on probabilities instead.)`,
        );
      }
      super.compile(plan.args);
      this.lossFunctions = this.lossFunctions.map((fn, i) => plan.lossFunctions[i] ?? fn);
      return;
    }
    if (args != null && !this.outputsLogits) {
      const losses = Array.isArray(args.loss)
        ? args.loss
        : typeof args.loss === 'object'
          ? Object.values(args.loss)
          : [args.loss];
      if (losses.some(isFromLogitsLoss)) {
        console.warn(
          `${this.name}: this model outputs probabilities (softmax), but the loss expects logits: the softmax would be ` +
            `applied twice. Use 'sparseCategoricalCrossentropy', or build the model with output: 'logits'.`,
        );
      }
    }
    super.compile(args);
  }

  /**
   * As tfjs's `fit`, plus: with a sparse categorical cross-entropy, integer labels one axis short of the output
   * (a language model's [batch, seq] next tokens for logits [batch, seq, vocab], a classifier's [batch] classes)
   * get their trailing class axis, as Keras does — tfjs itself rejects them with a shape error. This holds for `y`
   * given as a tensor, a one-element array or a one-entry object, and for the labels of `validationData`.
   */
  override async fit(
    x: tf.Tensor | tf.Tensor[] | { [inputName: string]: tf.Tensor },
    y: tf.Tensor | tf.Tensor[] | { [inputName: string]: tf.Tensor },
    args?: tfl.ModelFitArgs,
  ): Promise<tfl.History> {
    const made: tf.Tensor[] = [];
    try {
      const labels = this.withClassAxis(y, made);
      let fitArgs = args;
      const validation = args?.validationData;
      if (Array.isArray(validation) && validation.length >= 2) {
        const [vx, vy, ...rest] = validation as unknown as [unknown, tf.Tensor | tf.Tensor[], ...unknown[]];
        const validationLabels = this.withClassAxis(vy, made);
        if (validationLabels !== vy) {
          fitArgs = {
            ...args,
            validationData: [vx, validationLabels, ...rest] as tfl.ModelFitArgs['validationData'],
          };
        }
      }
      return await super.fit(x, labels, fitArgs);
    } finally {
      tf.dispose(made);
    }
  }

  /** As tfjs's `evaluate`, with `fit`'s handling of sparse labels one axis short of the output. */
  override evaluate(
    x: tf.Tensor | tf.Tensor[],
    y: tf.Tensor | tf.Tensor[],
    args?: tfl.ModelEvaluateArgs,
  ): tf.Scalar | tf.Scalar[] {
    const made: tf.Tensor[] = [];
    try {
      return super.evaluate(x, this.withClassAxis(y, made), args);
    } finally {
      tf.dispose(made);
    }
  }

  /**
   * `y` (a tensor, a one-element array or a one-entry object) with a trailing axis of 1 added to its tensor when the
   * loss is sparse and the tensor is one axis short of the single output; else `y` itself. New tensors go to `made`.
   */
  private withClassAxis<T>(y: T, made: tf.Tensor[]): T {
    if (!this.sparseLabels || this.outputs.length !== 1) return y;
    const outputRank = this.outputs[0]!.shape.length;
    const fix = (t: unknown): unknown => {
      if (!(t instanceof tf.Tensor) || t.rank !== outputRank - 1) return t;
      const expanded = tf.expandDims(t, -1);
      made.push(expanded);
      return expanded;
    };
    if (y instanceof tf.Tensor) return fix(y) as T;
    if (Array.isArray(y)) return (y.length === 1 ? [fix(y[0])] : y) as T;
    if (y != null && typeof y === 'object') {
      const entries = Object.entries(y as Record<string, unknown>);
      return (entries.length === 1 ? { [entries[0]![0]]: fix(entries[0]![1]) } : y) as T;
    }
    return y;
  }

  override dispose(): { refCountAfterDispose: number; numDisposedVariables: number } {
    let extra = 0;
    if (this._refCount === 1) {
      for (const layer of this.layers) {
        const uses = layer.inboundNodes.filter((_, i) =>
          this.containerNodes.has(ToSTModel.nodeKey(layer, i)),
        ).length;
        for (let k = 1; k < uses; k++) extra += layer.dispose().numDisposedVariables;
      }
    }
    const result = super.dispose();
    return { ...result, numDisposedVariables: result.numDisposedVariables + extra };
  }

  /** Same rank and fixed axes as the model's inputs, and one batch size across inputs. */
  private checkInputs(inputs: tf.Tensor[], method: string): void {
    const names = this.inputNames;
    if (inputs.length !== names.length) {
      throw new RangeError(
        `${this.name}.${method}: expected ${names.length} input tensor(s) (${names.join(', ')}), got ${inputs.length}`,
      );
    }
    inputs.forEach((t, i) => {
      const expected = this.inputs[i]!.shape as Shape;
      const ok =
        t.rank === expected.length &&
        expected.every((d, axis) => axis === 0 || d == null || d === t.shape[axis]);
      if (!ok) {
        throw new RangeError(
          `${this.name}.${method}: input '${names[i]}' must have shape [${expected.map((d) => d ?? 'any').join(', ')}], ` +
            `got [${t.shape.join(', ')}]`,
        );
      }
    });
    // tfjs casts a float tensor fed to an int32 input (token ids) with truncation: check the values first.
    inputs.forEach((t, i) => {
      if (this.inputs[i]!.dtype === 'int32' && t.dtype !== 'int32') {
        checkTokenIds(t, this.vocabSize(), `${this.name}.${method}`, names[i]);
      }
    });
    const batches = inputs.map((t) => t.shape[0]);
    if (batches.some((b) => b !== batches[0])) {
      throw new RangeError(
        `${this.name}.${method}: all inputs must have the same batch size, got ` +
          names.map((n, i) => `'${n}' ${batches[i]}`).join(', '),
      );
    }
  }

  /** The vocabulary size of the model's token embedding (∞ when it has none). */
  private vocabSize(): number {
    const embedding = this.layers.find((l) => l instanceof TokenEmbedding) as TokenEmbedding | undefined;
    return embedding?.vocabSize ?? Infinity;
  }

  private emptyOutputs(inputs: tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    const shapes = this.computeOutputShape(
      inputs.length === 1 ? inputs[0]!.shape : inputs.map((t) => t.shape),
    );
    const list = (Array.isArray(shapes[0]) ? shapes : [shapes]) as Shape[];
    const outputs = list.map((s) => tf.zeros(s.map((d) => d ?? 0)));
    return outputs.length === 1 ? outputs[0]! : outputs;
  }
}

tf.serialization.registerClass(ToSTModel);
