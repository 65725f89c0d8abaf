import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Binding, WeightTarget } from './bindings.js';
import { elementCount, floatValues, type TensorData } from './tensor-data.js';

function findVariable(model: tfl.LayersModel, target: WeightTarget): tfl.LayerVariable {
  let layer: tfl.layers.Layer;
  try {
    layer = model.getLayer(target.layer);
  } catch {
    throw new Error(`internal: the model has no layer '${target.layer}'`);
  }
  const v = layer.weights.find((w) => w.originalName === `${target.layer}/${target.weight}`);
  if (!v) {
    throw new Error(
      `internal: layer '${target.layer}' has no weight '${target.weight}' (it has ${layer.weights.map((w) => w.originalName).join(', ')})`,
    );
  }
  return v;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** One message listing every missing key, unexpected key and shape mismatch. */
export class StateDictMismatchError extends Error {
  constructor(
    readonly architecture: string,
    readonly missing: string[],
    readonly unexpected: string[],
    readonly shapeMismatches: string[],
  ) {
    const parts: string[] = [];
    if (missing.length) parts.push(`missing keys (${missing.length}): ${missing.join(', ')}`);
    if (unexpected.length) parts.push(`unexpected keys (${unexpected.length}): ${unexpected.join(', ')}`);
    if (shapeMismatches.length) parts.push(`shape mismatches: ${shapeMismatches.join('; ')}`);
    super(`the state dict does not match ${architecture}:\n  ${parts.join('\n  ')}`);
    this.name = 'StateDictMismatchError';
  }
}

/**
 * Checks the state dict against the bindings (every key used, every binding's key present, shapes equal), then
 * writes every tfjs weight. Throws a StateDictMismatchError listing every problem at once; an internal error if a
 * model weight is not covered by any binding. Tied entries (optional, present) must equal what their targets get.
 */
export function fillModel(
  model: tfl.LayersModel,
  bindings: Binding[],
  tensors: Map<string, TensorData>,
  architecture: string,
): void {
  const missing: string[] = [];
  const mismatches: string[] = [];
  const used = new Set<string>();
  for (const b of bindings) {
    if (b.key === undefined) continue;
    const t = tensors.get(b.key);
    if (!t) {
      if (!b.optional) missing.push(b.key);
      continue;
    }
    used.add(b.key);
    if (!sameShape(t.shape, b.shape)) mismatches.push(`${b.key}: expected [${b.shape}], got [${t.shape}]`);
  }
  const unexpected = [...tensors.keys()].filter((k) => !used.has(k));
  if (missing.length || unexpected.length || mismatches.length) {
    throw new StateDictMismatchError(architecture, missing, unexpected, mismatches);
  }
  const written = new Map<tfl.LayerVariable, string>();
  for (const b of bindings) {
    if (b.exportOnly || b.targets.length === 0) continue;
    const t = b.key === undefined ? undefined : tensors.get(b.key);
    if (b.key !== undefined && !t) continue; // optional and absent
    const values = b.toTf(t ? floatValues(t, b.key!) : new Float32Array(elementCount(b.shape)));
    b.targets.forEach((target, i) => {
      const variable = findVariable(model, target);
      const previous = written.get(variable);
      if (previous !== undefined) {
        // A tied entry: it must equal what the first binding wrote.
        const current = variable.read().dataSync();
        const differs = values[i]!.some((x, j) => x !== current[j]);
        if (differs) {
          throw new Error(
            `'${b.key}' differs from '${previous}' but both fill ${target.layer}/${target.weight} (untied weights are not supported)`,
          );
        }
        return;
      }
      tf.tidy(() => {
        variable.write(tf.tensor(values[i]!, variable.shape as number[]));
      });
      written.set(variable, b.key ?? '(zeros)');
    });
  }
  const unfilled = model.weights.filter((w) => !written.has(w)).map((w) => w.originalName);
  if (unfilled.length) throw new Error(`internal: no binding fills ${unfilled.join(', ')}`);
}

/** The state dict of a filled model under the PyTorch names (inverse of fillModel). */
export function readModel(model: tfl.LayersModel, bindings: Binding[]): Map<string, TensorData> {
  const out = new Map<string, TensorData>();
  for (const b of bindings) {
    if (b.key === undefined || out.has(b.key)) continue;
    if (b.exportOnly) {
      out.set(b.key, b.exportOnly);
      continue;
    }
    const values = b.targets.map((t) => findVariable(model, t).read().dataSync() as Float32Array);
    out.set(b.key, { dtype: 'F32', shape: b.shape, data: b.toTorch(values) });
  }
  return out;
}
