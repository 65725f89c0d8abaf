/** A hyperparameter a checkpoint records beside its weights, and where in the file it was found. */
export interface RecordedValue<T> {
  value: T;
  /** E.g. "model_args.n_head", "config.json num_attention_heads", "safetensors metadata config.heads". */
  source: string;
}

/**
 * The hyperparameters that the weights alone may not fix, as the checkpoint records them: nanoGPT's `model_args`
 * (and its training `config` dict), a Hugging Face-style `config.json` beside a .safetensors file, or the metadata
 * of a file written by `exportStateDict`. `notes` lists values that were found but not used (a lower-priority
 * source disagreeing with the one used).
 */
export interface RecordedHyperparameters {
  heads?: RecordedValue<number>;
  blockSize?: RecordedValue<number>;
  bias?: RecordedValue<boolean>;
  notes: string[];
}

/** Key names per hyperparameter: nanoGPT (`GPTConfig`), Hugging Face GPT-2 / generic transformers configs. */
const KEYS = {
  heads: ['n_head', 'num_attention_heads', 'heads', 'num_heads'],
  blockSize: ['block_size', 'n_positions', 'max_position_embeddings', 'n_ctx', 'blockSize'],
  bias: ['bias'],
} as const;

type Field = keyof typeof KEYS;

function lookup(dict: unknown, key: string): unknown {
  if (dict instanceof Map) return dict.get(key);
  if (dict !== null && typeof dict === 'object' && !Array.isArray(dict))
    return (dict as Record<string, unknown>)[key];
  return undefined;
}

function accept(field: Field, raw: unknown): number | boolean | undefined {
  if (field === 'bias') return typeof raw === 'boolean' ? raw : undefined;
  const v = typeof raw === 'bigint' ? Number(raw) : raw;
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : undefined;
}

function describeRaw(raw: unknown): string {
  if (typeof raw === 'bigint') return `${raw}`;
  try {
    return JSON.stringify(raw) ?? String(raw);
  } catch {
    return String(raw);
  }
}

/**
 * Reads heads, block size and bias from dicts in priority order (the first source giving a value wins; the
 * others are checked against it and a disagreement becomes a note). `dicts` are [source prefix, dict] pairs; a
 * dict is a Map (unpickled) or a plain object (JSON). A value of the wrong type (e.g. `"n_head": "two"`) is a note
 * when another source gives the field, and a RangeError naming the key and the value when none does.
 */
export function recordHyperparameters(dicts: [string, unknown][]): RecordedHyperparameters {
  const out: RecordedHyperparameters = { notes: [] };
  for (const field of Object.keys(KEYS) as Field[]) {
    const rejected: string[] = [];
    for (const [prefix, dict] of dicts) {
      for (const key of KEYS[field]) {
        const raw = lookup(dict, key);
        const value = accept(field, raw);
        const source = `${prefix}${key}`;
        if (value === undefined) {
          if (raw !== undefined && raw !== null) {
            const expected = field === 'bias' ? 'a boolean' : 'a positive integer';
            rejected.push(`${source} must be ${expected}, got ${describeRaw(raw)}`);
          }
          continue;
        }
        const current = out[field] as RecordedValue<number | boolean> | undefined;
        if (!current) (out as unknown as Record<string, RecordedValue<unknown>>)[field] = { value, source };
        else if (current.value !== value) {
          out.notes.push(
            `${source} = ${String(value)} differs from ${current.source} = ${String(current.value)}; ${current.source} is used`,
          );
        }
      }
    }
    if (rejected.length > 0) {
      if (out[field] === undefined) throw new RangeError(`${rejected.join('; ')}: correct the file`);
      out.notes.push(...rejected.map((r) => `${r}: ignored`));
    }
  }
  return out;
}

/** Merges two records: `first` wins per field; disagreements become notes. */
export function mergeRecorded(
  first: RecordedHyperparameters,
  second: RecordedHyperparameters,
): RecordedHyperparameters {
  const out: RecordedHyperparameters = { ...first, notes: [...first.notes, ...second.notes] };
  for (const field of Object.keys(KEYS) as Field[]) {
    const a = first[field] as RecordedValue<unknown> | undefined;
    const b = second[field] as RecordedValue<unknown> | undefined;
    if (!b) continue;
    if (!a) (out as unknown as Record<string, RecordedValue<unknown>>)[field] = b;
    else if (a.value !== b.value) {
      out.notes.push(
        `${b.source} = ${String(b.value)} differs from ${a.source} = ${String(a.value)}; ${a.source} is used`,
      );
    }
  }
  return out;
}

/** What a torch.save checkpoint's root records: nanoGPT's `model_args`, then its `config` dict. */
export function recordedInTorchRoot(root: unknown): RecordedHyperparameters {
  const dicts: [string, unknown][] = [];
  for (const key of ['model_args', 'config', 'args', 'hyper_parameters']) {
    const value = lookup(root, key);
    if (value instanceof Map) dicts.push([`${key}.`, value]);
  }
  return recordHyperparameters(dicts);
}

/** What the metadata of a safetensors file written by `exportStateDict` records (its `config` JSON). */
export function recordedInMetadata(metadata: Record<string, string>): RecordedHyperparameters {
  let config: unknown;
  try {
    config = JSON.parse(metadata.config ?? 'null');
  } catch {
    return { notes: [] };
  }
  return recordHyperparameters([['safetensors metadata config.', config]]);
}
