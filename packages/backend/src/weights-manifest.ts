import type * as tf from '@tensorflow/tfjs-core';

/** Bytes per stored value of each dtype (a quantised weight uses its quantisation dtype). */
const BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  complex64: 8,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

export interface WeightsCheckContext {
  /** The weights file, for messages (e.g. '/runs/x/model/weights.bin'). */
  weightsFile: string;
  /** The model file holding the manifest, for messages (e.g. '/runs/x/model/model.json'). */
  modelFile: string;
}

/**
 * Checks a tfjs `weightsManifest` (from model.json) against the weight bytes before tfjs decodes them: the manifest
 * must be an array of groups `{ paths, weights }`, and the bytes must be exactly as many as its weights need, in
 * order. Without this check tfjs reports a short file as "byte length of Float32Array should be a multiple of 4" or
 * "the tensor should have 3 values but has 2", and loads a longer file silently.
 *
 * @param manifest the parsed `weightsManifest` field (anything: it is validated here).
 * @param byteLength the size of the weight data in bytes (all the manifest's paths, concatenated).
 * @returns the weight specs, in order (what `tf.io.ModelArtifacts.weightSpecs` wants).
 * @throws Error naming the model file when the manifest is missing or malformed; naming the weights file, both
 *   sizes and the first weight that does not fit when the data is too short; naming the surplus when it is too long.
 */
export function validateWeightsAgainstManifest(
  manifest: unknown,
  byteLength: number,
  { weightsFile, modelFile }: WeightsCheckContext,
): tf.io.WeightsManifestEntry[] {
  if (manifest === undefined || manifest === null) {
    throw new Error(
      `${modelFile}: no 'weightsManifest' (expected an array of { paths, weights } groups describing ${weightsFile})`,
    );
  }
  if (!Array.isArray(manifest)) {
    throw new Error(
      `${modelFile}: 'weightsManifest' must be an array of { paths, weights } groups, got ${typeof manifest}`,
    );
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  manifest.forEach((group: unknown, g) => {
    const weights = (group as { weights?: unknown } | null)?.weights;
    if (!Array.isArray(weights)) {
      throw new Error(`${modelFile}: weightsManifest[${g}] has no 'weights' array`);
    }
    for (const [w, spec] of (weights as tf.io.WeightsManifestEntry[]).entries()) {
      const ok =
        spec != null &&
        typeof spec.name === 'string' &&
        Array.isArray(spec.shape) &&
        spec.shape.every((d) => Number.isInteger(d) && d >= 0) &&
        typeof spec.dtype === 'string';
      if (!ok) {
        throw new Error(
          `${modelFile}: weightsManifest[${g}].weights[${w}] must have a name, a shape of non-negative integers and a dtype`,
        );
      }
      specs.push(spec);
    }
  });
  let offset = 0;
  for (const spec of specs) {
    const dtype = spec.quantization?.dtype ?? spec.dtype;
    const bytesPerValue = BYTES[dtype];
    if (bytesPerValue === undefined) {
      throw new Error(
        `${modelFile}: weight '${spec.name}' has dtype '${dtype}', whose size cannot be checked`,
      );
    }
    const size = spec.shape.reduce((n, d) => n * d, 1) * bytesPerValue;
    if (offset + size > byteLength) {
      throw new Error(
        `${weightsFile} is too short: ${byteLength} bytes, but ${modelFile} describes ${totalBytes(specs)}; ` +
          `weight '${spec.name}' (shape [${spec.shape.join(', ')}], ${dtype}) needs bytes ${offset}–${offset + size} ` +
          '(a truncated copy or a download that stopped?)',
      );
    }
    offset += size;
  }
  if (byteLength > offset) {
    throw new Error(
      `${weightsFile} is too long: ${byteLength} bytes, but ${modelFile} describes ${offset} ` +
        `(${byteLength - offset} extra bytes after the last weight '${specs.at(-1)?.name ?? 'none'}': ` +
        'weights of another model, or a corrupt file?)',
    );
  }
  return specs;
}

function totalBytes(specs: tf.io.WeightsManifestEntry[]): number {
  return specs.reduce(
    (n, s) => n + s.shape.reduce((m, d) => m * d, 1) * (BYTES[s.quantization?.dtype ?? s.dtype] ?? 0),
    0,
  );
}

/** SHA-256 of the weight bytes as lowercase hex (Web Crypto: works in browsers and Node ≥ 20). */
export async function weightsChecksum(data: ArrayBuffer | Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', data);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Compares the weight bytes with the SHA-256 recorded when they were saved (`expected`, hex). Does nothing when no
 * checksum was recorded (older files, or files written by other tools).
 *
 * @throws Error naming the weights file when the bytes changed since they were saved (a flipped byte included).
 */
export async function verifyWeightsChecksum(
  data: ArrayBuffer | Uint8Array,
  expected: string | undefined,
  { weightsFile, modelFile }: WeightsCheckContext,
): Promise<void> {
  if (expected === undefined) return;
  const actual = await weightsChecksum(data);
  if (actual !== expected.toLowerCase()) {
    throw new Error(
      `${weightsFile} is corrupt: its SHA-256 is ${actual}, but ${modelFile} recorded ${expected} when it was saved`,
    );
  }
}
