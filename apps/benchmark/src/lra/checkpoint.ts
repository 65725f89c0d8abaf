import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a checkpoint holds besides tensors: enough to continue the run exactly where it stopped. */
export interface CheckpointMeta {
  step: number;
  /** Fingerprint of the run's configuration: resuming with another configuration is refused. */
  configKey: string;
  /** Anything else the trainer needs (curves so far, wall time so far, ...). */
  extra: Record<string, unknown>;
}

interface CheckpointManifest extends CheckpointMeta {
  format: 'tost-checkpoint-1';
  sha256: string;
  tensors: { name: string; shape: number[]; offset: number; length: number }[];
}

const NAME = /^ckpt-(\d{8})\.json$/;

function paths(dir: string, step: number) {
  const base = join(dir, `ckpt-${String(step).padStart(8, '0')}`);
  return { json: `${base}.json`, bin: `${base}.bin` };
}

/**
 * Writes tensors + metadata as `ckpt-<step>.bin` and `ckpt-<step>.json` (written to temporary names and renamed, the
 * binary first, so a run killed mid-write never leaves a half checkpoint under a final name). Keeps the last `keep`.
 */
export async function saveCheckpoint(
  dir: string,
  meta: CheckpointMeta,
  tensors: { name: string; tensor: tf.Tensor }[],
  keep = 2,
): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const arrays = await Promise.all(tensors.map(async (t) => (await t.tensor.data()) as Float32Array));
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const data = new Float32Array(total);
  const specs: CheckpointManifest['tensors'] = [];
  let offset = 0;
  tensors.forEach((t, i) => {
    data.set(arrays[i]!, offset);
    specs.push({ name: t.name, shape: t.tensor.shape, offset, length: arrays[i]!.length });
    offset += arrays[i]!.length;
  });
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const manifest: CheckpointManifest = {
    format: 'tost-checkpoint-1',
    ...meta,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    tensors: specs,
  };
  const { json, bin } = paths(dir, meta.step);
  writeFileSync(`${bin}.tmp`, bytes);
  renameSync(`${bin}.tmp`, bin);
  writeFileSync(`${json}.tmp`, JSON.stringify(manifest));
  renameSync(`${json}.tmp`, json);
  const steps = listCheckpointSteps(dir);
  for (const old of steps.slice(0, Math.max(0, steps.length - keep))) {
    const p = paths(dir, old);
    rmSync(p.json, { force: true });
    rmSync(p.bin, { force: true });
  }
  return json;
}

export function listCheckpointSteps(dir: string): number[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => NAME.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

export interface LoadedCheckpoint extends CheckpointMeta {
  tensors: Map<string, tf.Tensor>;
  file: string;
}

/**
 * Loads the newest checkpoint in `dir`, or returns undefined when there is none. A damaged newest checkpoint
 * (unreadable manifest, missing or truncated binary, checksum mismatch, other configuration) is an error naming the
 * file: a run is never silently restarted from scratch or from an older state.
 */
export function loadLatestCheckpoint(dir: string, configKey: string): LoadedCheckpoint | undefined {
  const steps = listCheckpointSteps(dir);
  if (steps.length === 0) return undefined;
  const { json, bin } = paths(dir, steps[steps.length - 1]!);
  let manifest: CheckpointManifest;
  try {
    manifest = JSON.parse(readFileSync(json, 'utf8')) as CheckpointManifest;
  } catch (err) {
    throw new Error(
      `corrupt checkpoint ${json}: cannot parse its manifest (${(err as Error).message}); delete it to resume from an older one`,
    );
  }
  if (manifest.format !== 'tost-checkpoint-1')
    throw new Error(`corrupt checkpoint ${json}: unknown format '${manifest.format}'`);
  if (!existsSync(bin)) throw new Error(`corrupt checkpoint ${json}: its data file ${bin} is missing`);
  const bytes = readFileSync(bin);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== manifest.sha256) {
    throw new Error(
      `corrupt checkpoint ${bin}: checksum mismatch (file ${bytes.length} bytes); delete ${json} to resume from an older one`,
    );
  }
  if (manifest.configKey !== configKey) {
    throw new Error(
      `checkpoint ${json} belongs to a run with another configuration; use a new --out directory or the same settings`,
    );
  }
  const floats = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const tensors = new Map<string, tf.Tensor>();
  for (const spec of manifest.tensors) {
    if (spec.offset + spec.length > floats.length)
      throw new Error(`corrupt checkpoint ${bin}: tensor '${spec.name}' runs past the end of the file`);
    tensors.set(spec.name, tf.tensor(floats.slice(spec.offset, spec.offset + spec.length), spec.shape));
  }
  return { step: manifest.step, configKey: manifest.configKey, extra: manifest.extra, tensors, file: json };
}
