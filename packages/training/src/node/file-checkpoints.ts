import * as tf from '@tensorflow/tfjs-core';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckpointMeta, CheckpointStore, LoadedCheckpoint } from '../checkpoint-store.js';

const FORMAT = 'tost-checkpoint-2';

interface CheckpointManifest extends CheckpointMeta {
  format: typeof FORMAT;
  /** sha-256 of the .bin file. */
  sha256: string;
  /** tf.io weight specs of the .bin file (tf.io.encodeWeights / decodeWeights). */
  weightSpecs: tf.io.WeightsManifestEntry[];
}

const NAME = /^ckpt-(\d{8})\.json$/;

/**
 * Checkpoints in a directory: `ckpt-<step>.bin` (the tensors in tf.io's weight encoding) and `ckpt-<step>.json`
 * (metadata, tf.io weight specs and the sha-256 of the binary). Both are written to temporary names and renamed, the
 * binary first, so a run killed mid-write never leaves a half checkpoint under a final name. Keeps the newest `keep`
 * (default 2). Node only.
 */
export class FileCheckpoints implements CheckpointStore {
  constructor(
    readonly location: string,
    readonly keep = 2,
  ) {
    if (!Number.isInteger(keep) || keep < 1)
      throw new Error(`FileCheckpoints: keep must be an integer ≥ 1, got ${keep}`);
  }

  private paths(step: number) {
    const base = join(this.location, `ckpt-${String(step).padStart(8, '0')}`);
    return { json: `${base}.json`, bin: `${base}.bin` };
  }

  async save(meta: CheckpointMeta, tensors: { name: string; tensor: tf.Tensor }[]): Promise<string> {
    mkdirSync(this.location, { recursive: true });
    const { data, specs } = await tf.io.encodeWeights(tensors);
    const bytes = Buffer.from(data as ArrayBuffer);
    const manifest: CheckpointManifest = {
      format: FORMAT,
      ...meta,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      weightSpecs: specs,
    };
    const { json, bin } = this.paths(meta.step);
    writeFileSync(`${bin}.tmp`, bytes);
    renameSync(`${bin}.tmp`, bin);
    writeFileSync(`${json}.tmp`, JSON.stringify(manifest));
    renameSync(`${json}.tmp`, json);
    const steps = this.steps();
    for (const old of steps.slice(0, Math.max(0, steps.length - this.keep))) {
      const p = this.paths(old);
      rmSync(p.json, { force: true });
      rmSync(p.bin, { force: true });
    }
    return json;
  }

  steps(): number[] {
    if (!existsSync(this.location)) return [];
    return readdirSync(this.location)
      .map((f) => NAME.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
  }

  clear(): void {
    for (const step of this.steps()) {
      const p = this.paths(step);
      rmSync(p.json, { force: true });
      rmSync(p.bin, { force: true });
    }
  }

  async loadLatest(configKey: string): Promise<LoadedCheckpoint | undefined> {
    return this.loadLatestSync(configKey);
  }

  private loadLatestSync(configKey: string): LoadedCheckpoint | undefined {
    const steps = this.steps();
    if (steps.length === 0) return undefined;
    const { json, bin } = this.paths(steps[steps.length - 1]!);
    let manifest: CheckpointManifest;
    try {
      manifest = JSON.parse(readFileSync(json, 'utf8')) as CheckpointManifest;
    } catch (err) {
      throw new Error(
        `corrupt checkpoint ${json}: cannot parse its manifest (${(err as Error).message}); delete it to resume from an older one`,
      );
    }
    if (manifest.format !== FORMAT) {
      throw new Error(
        `checkpoint ${json} has format '${String(manifest.format)}', expected '${FORMAT}' (written by another version); ` +
          'start the run over without resuming',
      );
    }
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
        `checkpoint ${json} belongs to a run with another configuration; use a new output directory or the same settings`,
      );
    }
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const named = tf.io.decodeWeights(buffer, manifest.weightSpecs);
    return {
      step: manifest.step,
      configKey: manifest.configKey,
      extra: manifest.extra,
      tensors: new Map(Object.entries(named)),
      file: json,
    };
  }
}
