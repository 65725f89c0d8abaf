import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { mergeRecorded, recordHyperparameters } from './recorded-config.js';
import { readCheckpoint, type StateDict } from './state-dict.js';
import { writeSafetensors } from './safetensors.js';
import type { TensorData } from './tensor-data.js';

/**
 * Node-only file helpers of @tost/convert (`@tost/convert/node`); the main entry works on bytes in any runtime.
 */

/**
 * Reads a .safetensors or torch.save (.pth/.pt) file into an unwrapped state dict (see `readCheckpoint`). For a
 * safetensors file, a Hugging Face-style `config.json` in the same folder adds to `recorded` what the weights do not
 * store (`n_head` / `num_attention_heads`, `n_positions` / `block_size` / `max_position_embeddings`, `bias`); the
 * file's own metadata wins where both give a value.
 * Errors name the file: unreadable, not a checkpoint, damaged (see the readers), or a config.json that is not a
 * JSON object.
 */
export function readCheckpointFile(path: string): StateDict {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read checkpoint '${path}': ${(err as Error).message}`);
  }
  let stateDict: StateDict;
  try {
    stateDict = readCheckpoint(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    (err as Error).message = `${path}: ${(err as Error).message}`;
    throw err;
  }
  if (stateDict.format === 'safetensors') {
    const configFile = join(dirname(path), 'config.json');
    if (existsSync(configFile)) {
      const config = readJsonObject(configFile);
      let fromConfig;
      try {
        fromConfig = recordHyperparameters([['config.json ', config]]);
      } catch (err) {
        (err as Error).message = `${configFile}: ${(err as Error).message}`;
        throw err;
      }
      stateDict.recorded = mergeRecorded(stateDict.recorded, fromConfig);
    }
  }
  return stateDict;
}

/** A JSON object from a text file (a leading UTF-8 byte-order mark is ignored); errors name the file. */
function readJsonObject(file: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new Error(`${file}: not a readable JSON file (${(err as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(
      `${file}: expected a JSON object of hyperparameters, got ${Array.isArray(value) ? 'an array' : String(value)}`,
    );
  }
  return value as Record<string, unknown>;
}

/** Writes tensors as a .safetensors file. */
export function writeSafetensorsFile(
  path: string,
  tensors: Map<string, TensorData>,
  metadata: Record<string, string> = {},
): void {
  writeFileSync(path, writeSafetensors(tensors, metadata));
}
