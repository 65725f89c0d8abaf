import * as tf from '@tensorflow/tfjs-core';

/** The parts of tfjs-core 4.22's engine that `gradients` uses (see `installLeanBackprop`). */
interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
}
interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  startTape(): void;
  endTape(): void;
  tidy<T extends tf.TensorContainer>(nameOrFn: string | (() => T), fn?: () => T): T;
  gradients: Gradients;
  /** tfjs-core's own `gradients`, kept by `installLeanBackprop` (nested gradients use it; tests compare with it). */
  tfjsGradients?: Gradients;
  addTapeNode: AddTapeNode;
  /** tfjs-core's own `addTapeNode`, kept by `installLeanBackprop` (tests record tapes with it to compare). */
  tfjsAddTapeNode?: AddTapeNode;
}
type AddTapeNode = (
  kernelName: string,
  inputs: Record<string, tf.Tensor>,
  outputs: tf.Tensor[],
  gradientsFunc: unknown,
  saved: tf.Tensor[] | undefined,
  attrs: unknown,
) => void;
type Gradients = (
  f: () => tf.Tensor,
  xs: tf.Tensor[],
  dy?: tf.Tensor,
  allowNoGradients?: boolean,
) => { value: tf.Tensor; grads: tf.Tensor[] };

/**
 * The nodes of `tape` on a path from one of `xs` to `y`, in tape order, each with only the inputs that depend on `xs`
 * (what tfjs-core's `getFilteredNodesXToY` computes).
 */
function nodesFromXsToY(tape: TapeNode[], xs: tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set(xs.map((x) => x.id));
  const nodesFromX = new Set<number>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((input) => fromX.has(input.id))) {
      node.outputs.forEach((o) => fromX.add(o.id));
      nodesFromX.add(node.id);
    }
  }
  const toY = new Set([y.id]);
  const nodesToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i]!;
    if (node.outputs.some((o) => toY.has(o.id))) {
      Object.values(node.inputs).forEach((input) => toY.add(input.id));
      nodesToY.add(node.id);
    }
  }
  return tape
    .filter((node) => nodesFromX.has(node.id) && nodesToY.has(node.id))
    .map((node) => ({
      ...node,
      inputs: Object.fromEntries(Object.entries(node.inputs).filter(([, t]) => fromX.has(t.id))),
    }));
}

/**
 * What a Reshape node keeps of its input: the shape its gradient reads (`reshape(dy, x.shape)`), as a stand-in that
 * holds no data (disposing it, as the end of a backward pass does, does nothing).
 */
function shapeOnly(x: tf.Tensor): tf.Tensor {
  return Object.freeze({
    shape: x.shape.slice(),
    dtype: x.dtype,
    rank: x.rank,
    size: x.size,
    isDisposed: false,
    dispose: () => {},
  }) as unknown as tf.Tensor;
}

/**
 * Makes tfjs-core's `gradients` (behind `tf.grad`, `tf.grads`, `tf.valueAndGrads`, `tf.variableGrads` and
 * `optimizer.minimize`) free memory as the backward pass goes, with the same operations in the same order (the same
 * gradients bit for bit). tfjs-core 4.22 keeps the gradient of every intermediate tensor and every tensor a node saved
 * for its backward pass until the whole backward pass ends (tape.ts `backpropagateGradients`, engine.ts `gradients`),
 * so a train step's memory peaks at its very end with all of them alive. Here, for an outermost gradient (not one taken
 * inside another gradient's function, where tfjs's own bookkeeping is kept):
 * - the gradient of a node's outputs is freed once that node has run (every consumer of an output comes later on the
 *   tape, so it was processed earlier in the reverse walk), unless it is a requested gradient or the caller's `dy`;
 * - a node's saved tensors are freed right after its gradient ran.
 * And while recording any tape (every gradient depth, whichever walk then runs it), a `Reshape` node saves only its
 * input's shape: tfjs's Reshape gradient (gradients/Reshape_grad.ts, `reshape(dy, x.shape)`) saves the whole input for
 * that, which kept the buffer of every reshaped activation (e.g. each projection before its heads are split) alive
 * from the forward pass until the backward pass reached it. The node keeps a data-less stand-in (`shapeOnly`) that
 * this gradient reads the same way — only while the registered Reshape gradient is still tfjs-core's own (a gradient
 * registered later might read the input's values). A gradient that reads a tensor through a closure instead of
 * `save` (tfjs 4.22's `logSigmoid`) must not rely on a Reshape of that tensor keeping it alive.
 * tfjs-core's originals stay available as `engine.tfjsGradients` and `engine.tfjsAddTapeNode` (tests compare with
 * them). Installed once per engine (idempotent) by `initBackend`.
 */
export function installLeanBackprop(engine = tf.engine() as unknown as EngineInternals): void {
  if (engine.tfjsGradients) return;
  const upstream = engine.gradients.bind(engine);
  engine.tfjsGradients = upstream;
  const addTapeNode = engine.addTapeNode.bind(engine);
  engine.tfjsAddTapeNode = addTapeNode;
  const reshapeGradient = tf.getGradient(tf.Reshape);
  engine.addTapeNode = (kernelName, inputs, outputs, gradientsFunc, saved, attrs) => {
    if (
      kernelName === tf.Reshape &&
      saved?.length === 1 &&
      saved[0] instanceof tf.Tensor &&
      reshapeGradient !== undefined &&
      tf.getGradient(tf.Reshape) === reshapeGradient
    ) {
      const [x] = saved;
      saved = [shapeOnly(x)];
      x.dispose();
    }
    addTapeNode(kernelName, inputs, outputs, gradientsFunc, saved, attrs);
  };
  engine.gradients = function leanGradients(f, xs, dy, allowNoGradients = false) {
    // Inside another gradient's function: tfjs's own pass (its tape may still need these tensors).
    if (engine.state.gradientDepth > 0) return upstream(f, xs, dy, allowNoGradients);
    if (xs.length === 0) throw new Error('gradients() received an empty list of xs.');
    if (dy != null && dy.dtype !== 'float32') {
      throw new Error(`dy must have 'float32' dtype, but has '${dy.dtype}'`);
    }
    const y = engine.scopedRun(
      () => engine.startTape(),
      () => engine.endTape(),
      () => engine.tidy('forward', f),
    );
    if (!(y instanceof tf.Tensor)) throw new Error('The result y returned by f() must be a tensor.');
    const fullTape = engine.state.activeTape ?? [];
    const tape = nodesFromXsToY(fullTape, xs, y);
    if (!allowNoGradients && tape.length === 0 && xs.length > 0) {
      throw new Error(
        'Cannot compute gradient of y=f(x) with respect to x. Make sure that the f you passed encloses all ' +
          'operations that lead from x to y.',
      );
    }
    // The tape's own nodes (the filtered ones are copies with pruned inputs): their saved tensors and full inputs.
    const byId = new Map(fullTape.map((node) => [node.id, node]));
    return engine.tidy('backward', () => {
      // Only tensors this walk created are ever freed early: ids grow, so anything made from here on has a larger
      // id than this marker; a kept tensor (a variable's value, a caller's) is never ours.
      const marker = tf.scalar(0);
      const firstId = marker.id;
      marker.dispose();
      const ours = (t: tf.Tensor) => t.id > firstId && !t.kept;
      const gradientOf = new Map<number, tf.Tensor>();
      // How many entries of gradientOf hold each tensor (a gradient function may hand the same tensor on).
      const holders = new Map<tf.Tensor, number>();
      const hold = (id: number, t: tf.Tensor) => {
        gradientOf.set(id, t);
        holders.set(t, (holders.get(t) ?? 0) + 1);
      };
      const release = (id: number) => {
        const t = gradientOf.get(id);
        if (t === undefined) return;
        gradientOf.delete(id);
        const left = (holders.get(t) ?? 1) - 1;
        if (left > 0) holders.set(t, left);
        else {
          holders.delete(t);
          if (ours(t)) t.dispose();
        }
      };
      const kept = new Set(xs.map((x) => x.id));
      if (dy != null) kept.add(y.id);
      hold(y.id, dy ?? tf.ones(y.shape));
      for (let i = tape.length - 1; i >= 0; i--) {
        const node = tape[i]!;
        const original = byId.get(node.id)!;
        const dys = node.outputs.map((o) => gradientOf.get(o.id) ?? null);
        const gradient = node.gradient;
        if (gradient == null) {
          throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
        }
        const names = Object.keys(node.inputs);
        // The node's gradient function and each input's gradient, as tfjs runs them (one tidy per input gradient);
        // whatever the gradient function made besides the returned gradients is freed with this node.
        const dxs = engine.tidy(() => {
          const inputGradients = gradient(dys);
          return names.map((name) => {
            if (!(name in inputGradients)) {
              throw new Error(
                `Cannot backprop through input ${name}. Available gradients found: ${Object.keys(inputGradients)}.`,
              );
            }
            return engine.tidy(() => inputGradients[name]!());
          });
        });
        const addends: tf.Tensor[] = [];
        names.forEach((name, k) => {
          const dx = dxs[k]!;
          const x = node.inputs[name]!;
          if (dx.dtype !== 'float32') {
            throw new Error(
              `Error in gradient for op ${node.kernelName}. The gradient of input ${name} must have 'float32' ` +
                `dtype, but has '${dx.dtype}'`,
            );
          }
          if (dx.shape.length !== x.shape.length || dx.shape.some((d, j) => d !== x.shape[j])) {
            throw new Error(
              `Error in gradient for op ${node.kernelName}. The gradient of input '${name}' has shape ` +
                `'${dx.shape}', which does not match the shape of the input '${x.shape}'`,
            );
          }
          const current = gradientOf.get(x.id);
          if (current === undefined) hold(x.id, dx);
          else {
            const sum = tf.add(current, dx);
            release(x.id);
            hold(x.id, sum);
            addends.push(dx);
          }
        });
        // An addend is spent unless another input of this node received it too, or it is one of the node's dys.
        for (const dx of addends) if (!holders.has(dx) && !dys.includes(dx) && ours(dx)) dx.dispose();
        // Every consumer of this node's outputs came later on the tape: their gradients are complete and used. (An
        // output that is also one of its inputs — a custom gradient returning its input — keeps its gradient.)
        const inputIds = new Set(Object.values(original.inputs).map((t) => t.id));
        for (const o of node.outputs) if (!kept.has(o.id) && !inputIds.has(o.id)) release(o.id);
        // Its saved tensors are spent (one handed on as a gradient stays, for the final clean-up below).
        if (original.saved) {
          original.saved = original.saved.filter((t) => {
            if (holders.has(t)) return true;
            t.dispose();
            return false;
          });
        }
      }
      const grads = xs.map((x) => gradientOf.get(x.id)!);
      for (const node of fullTape) for (const t of node.saved ?? []) t.dispose();
      engine.state.activeTape = null;
      return { value: y, grads };
    });
  };
}
