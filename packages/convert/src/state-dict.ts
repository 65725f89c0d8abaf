import {
  PicklePlaceholder,
  TorchTensorRef,
  UnresolvedTensor,
  describePickleValue,
} from './pickle-globals.js';
import { recordedInMetadata, recordedInTorchRoot, type RecordedHyperparameters } from './recorded-config.js';
import { readSafetensors } from './safetensors.js';
import type { TensorData } from './tensor-data.js';
import { readTorchCheckpoint, type TorchCheckpoint } from './torch-checkpoint.js';

/** A flat state dict: PyTorch key → tensor, after unwrapping (see `readCheckpoint`). */
export interface StateDict {
  tensors: Map<string, TensorData>;
  /** 'safetensors' or 'torch' (a torch.save zip). */
  format: 'safetensors' | 'torch';
  /** Where the weights were found in a wrapped checkpoint ('' = the root), e.g. 'model' or 'state_dict'. */
  path: string;
  /** Prefixes removed from every key ('module.' from DDP, '_orig_mod.' from torch.compile). */
  strippedPrefixes: string[];
  /** Keys dropped because they are buffers, not weights (BatchNorm num_batches_tracked, causal-mask `attn.bias`). */
  skipped: string[];
  /** safetensors `__metadata__` (empty for torch files). */
  metadata: Record<string, string>;
  /**
   * Heads, block size and bias as the file records them beside the weights (nanoGPT `model_args` / `config`, the
   * metadata of an exported file, a config.json beside a .safetensors read by `readCheckpointFile`), with sources.
   */
  recorded: RecordedHyperparameters;
}

/** Keys under which training scripts store the weights beside optimiser state and counters. */
const WRAPPER_KEYS = ['state_dict', 'model', 'model_state_dict', 'module', 'net', 'network', 'ema'];
const PREFIXES = ['module.', '_orig_mod.'];

function isTensorLike(v: unknown): boolean {
  return v instanceof TorchTensorRef || v instanceof UnresolvedTensor;
}

/** How deep wrapper dicts are searched ({'model': {'module': …}}); deeper nesting is not a checkpoint layout. */
const MAX_WRAPPING = 8;

/** Finds the dict of tensors inside a wrapped checkpoint (breadth-first, at most MAX_WRAPPING levels). */
function findWeights(root: unknown): { dict: Map<unknown, unknown>; path: string } | undefined {
  let level: { value: unknown; path: string }[] = [{ value: root, path: '' }];
  for (let depth = 0; depth <= MAX_WRAPPING && level.length > 0; depth++) {
    const next: typeof level = [];
    for (const { value, path } of level) {
      if (!(value instanceof Map)) continue;
      const values = [...value.values()];
      if (values.length > 0 && values.filter(isTensorLike).length >= values.length / 2)
        return { dict: value, path };
      for (const key of WRAPPER_KEYS) {
        if (value.has(key)) next.push({ value: value.get(key), path: path ? `${path}.${key}` : key });
      }
    }
    level = next;
  }
  return undefined;
}

/** A buffer that is not a weight: BatchNorm's step counter or a registered causal mask (nanoGPT, HF GPT-2). */
function isSkippedBuffer(key: string, shape: number[]): boolean {
  if (key.endsWith('num_batches_tracked')) return true;
  if (key.endsWith('.attn.masked_bias')) return true;
  return key.endsWith('.attn.bias') && shape.length === 4 && shape[0] === 1 && shape[1] === 1;
}

function stripPrefixes(keys: string[]): { map: Map<string, string>; stripped: string[] } {
  const stripped: string[] = [];
  let current = keys.map((k) => [k, k] as [string, string]);
  for (let changed = true; changed;) {
    changed = false;
    for (const prefix of PREFIXES) {
      if (current.length > 0 && current.every(([, k]) => k.startsWith(prefix))) {
        current = current.map(([o, k]) => [o, k.slice(prefix.length)]);
        stripped.push(prefix);
        changed = true;
      }
    }
  }
  return { map: new Map(current), stripped };
}

function normalise(
  entries: [string, () => TensorData, number[]][],
  base: Omit<StateDict, 'tensors' | 'strippedPrefixes' | 'skipped'>,
): StateDict {
  const { map, stripped } = stripPrefixes(entries.map(([k]) => k));
  const tensors = new Map<string, TensorData>();
  const skipped: string[] = [];
  for (const [key, load, shape] of entries) {
    const name = map.get(key)!;
    if (isSkippedBuffer(name, shape)) skipped.push(name);
    else tensors.set(name, load());
  }
  return { ...base, tensors, strippedPrefixes: stripped, skipped };
}

/** The state dict of a torch.save checkpoint (unwrapped; see `readCheckpoint`). */
export function stateDictFromTorch(checkpoint: TorchCheckpoint): StateDict {
  const found = findWeights(checkpoint.root);
  if (!found) {
    // Name what stands where tensors were expected, e.g. an object of a global that is never called.
    const keys =
      checkpoint.root instanceof Map
        ? [...checkpoint.root]
            .slice(0, 12)
            .map(([k, v]) =>
              v instanceof PicklePlaceholder ? `${String(k)} (${describePickleValue(v)})` : String(k),
            )
            .join(', ')
        : '';
    throw new Error(
      `torch checkpoint: no dict of tensors found (looked at the root and under ${WRAPPER_KEYS.join(', ')}); ` +
        (keys ? `the root has keys ${keys}` : `the root is ${describePickleValue(checkpoint.root)}`),
    );
  }
  const entries: [string, () => TensorData, number[]][] = [];
  for (const [k, v] of found.dict) {
    const key = String(k);
    if (!(v instanceof TorchTensorRef)) {
      const why =
        v instanceof UnresolvedTensor
          ? `a tensor that cannot be rebuilt: ${v.reason}`
          : `${describePickleValue(v)}, not a tensor`;
      entries.push([
        key,
        () => {
          throw new TypeError(`torch checkpoint: '${key}' is ${why}`);
        },
        [],
      ]);
      continue;
    }
    entries.push([key, () => checkpoint.tensor(v, key), v.shape]);
  }
  return normalise(entries, {
    format: 'torch',
    path: found.path,
    metadata: {},
    recorded: recordedInTorchRoot(checkpoint.root),
  });
}

/**
 * Reads a checkpoint from bytes, recognising the format by its first bytes: a zip (torch.save) or safetensors.
 * Unwraps `{'model': …}` / `{'state_dict': …}` (optimiser state and counters beside them are ignored), strips
 * `module.` and `_orig_mod.` prefixes, and skips buffers that are not weights.
 */
export function readCheckpoint(bytes: Uint8Array | ArrayBuffer): StateDict {
  const buf = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (buf.byteLength >= 2 && buf[0] === 0x50 && buf[1] === 0x4b)
    return stateDictFromTorch(readTorchCheckpoint(buf));
  const notCheckpoint = unrecognisedFormat(buf);
  if (notCheckpoint) throw new RangeError(notCheckpoint);
  const { tensors, metadata } = readSafetensors(buf);
  const entries: [string, () => TensorData, number[]][] = [...tensors].map(([k, t]) => [k, () => t, t.shape]);
  return normalise(entries, {
    format: 'safetensors',
    path: '',
    metadata,
    recorded: recordedInMetadata(metadata),
  });
}

/**
 * Why bytes that are neither a zip nor safetensors-shaped are not a checkpoint (an empty file, a text file, the
 * legacy pre-1.6 torch.save format), or undefined to let the safetensors reader say what is wrong.
 */
function unrecognisedFormat(buf: Uint8Array): string | undefined {
  if (buf.byteLength === 0) return 'empty file (0 bytes): not a checkpoint';
  if (buf.byteLength >= 4 && buf[1] === 0x4b && buf[2] === 0x03 && buf[3] === 0x04) {
    return `a zip archive whose first byte is damaged (0x${buf[0]!.toString(16)}, expected 0x50 'P'): the file is corrupt`;
  }
  // Legacy torch.save: a pickled magic number 0x1950a86a20f9469cfc6c (PROTO 2, LONG1 of 10 bytes) comes first.
  if (buf[0] === 0x80 && buf[2] === 0x8a && buf[3] === 0x0a && buf[4] === 0x6c && buf[5] === 0xfc) {
    return (
      'legacy torch.save format (PyTorch < 1.6); only the zip format is read: resave it with ' +
      'torch.save(torch.load(f), g) in a recent PyTorch'
    );
  }
  const head = buf.subarray(0, 64);
  const text = head.every((b) => b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b !== 0x7f));
  if (text) {
    const start = new TextDecoder().decode(head.subarray(0, 24)).replace(/\s+/g, ' ');
    return `a text file (it starts with ${JSON.stringify(start)}), not a checkpoint: expected a torch.save zip (.pth) or a .safetensors file`;
  }
  return undefined;
}
