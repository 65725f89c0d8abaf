import { readFileSync, writeFileSync } from 'node:fs';
import { readCheckpoint, type StateDict } from './state-dict.js';
import { writeSafetensors } from './safetensors.js';
import type { TensorData } from './tensor-data.js';

/**
 * Node-only file helpers of @tost/convert (`@tost/convert/node`); the main entry works on bytes in any runtime.
 */

/** Reads a .safetensors or torch.save (.pth/.pt) file into an unwrapped state dict (see `readCheckpoint`). */
export function readCheckpointFile(path: string): StateDict {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read checkpoint '${path}': ${(err as Error).message}`);
  }
  try {
    return readCheckpoint(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    (err as Error).message = `${path}: ${(err as Error).message}`;
    throw err;
  }
}

/** Writes tensors as a .safetensors file. */
export function writeSafetensorsFile(
  path: string,
  tensors: Map<string, TensorData>,
  metadata: Record<string, string> = {},
): void {
  writeFileSync(path, writeSafetensors(tensors, metadata));
}
