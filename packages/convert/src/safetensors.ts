import {
  DTYPE_BYTES,
  decodeElements,
  elementCount,
  isSourceDType,
  type SourceDType,
  type TensorData,
} from './tensor-data.js';

/** The tensors of a safetensors file, in file order, and its free-form `__metadata__` strings. */
export interface SafetensorsContent {
  tensors: Map<string, TensorData>;
  metadata: Record<string, string>;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

// A header larger than this is not a real file (the format's own readers cap it at 100 MB).
const MAX_HEADER_BYTES = 100_000_000;

/**
 * Reads a safetensors file (https://huggingface.co/docs/safetensors: u64 little-endian header length, a JSON header
 * {name: {dtype, shape, data_offsets}}, then little-endian data). Supports F64, F32, F16, BF16 (float dtypes are
 * returned as float32), I64, I32, I16, I8, U8 and BOOL.
 * Errors (RangeError/TypeError naming the tensor): truncated file, header that is not JSON, an unknown dtype (e.g.
 * F8_E4M3), data offsets outside the file or not matching shape × dtype size.
 */
export function readSafetensors(bytes: Uint8Array | ArrayBuffer): SafetensorsContent {
  const buf = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (buf.byteLength < 8) {
    throw new RangeError(
      `safetensors: the file has ${buf.byteLength} bytes; a header length needs 8 (truncated?)`,
    );
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const declared = view.getBigUint64(0, true);
  const headerLength = Number(declared);
  if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > buf.byteLength) {
    throw new RangeError(
      `safetensors: header length ${declared} does not fit in the ${buf.byteLength}-byte file (truncated, or not a safetensors file)`,
    );
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(buf.subarray(8, 8 + headerLength))) as Record<
      string,
      unknown
    >;
  } catch (err) {
    throw new RangeError(`safetensors: the header is not valid JSON (${(err as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new RangeError('safetensors: the header must be a JSON object');
  }
  const data = buf.subarray(8 + headerLength);
  const tensors = new Map<string, TensorData>();
  const spans: [number, number, string][] = [];
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = (raw ?? {}) as Record<string, string>;
      continue;
    }
    const entry = raw as HeaderEntry;
    if (
      !entry ||
      typeof entry.dtype !== 'string' ||
      !Array.isArray(entry.shape) ||
      !Array.isArray(entry.data_offsets)
    ) {
      throw new RangeError(`safetensors: tensor '${name}' needs dtype, shape and data_offsets in the header`);
    }
    if (!isSourceDType(entry.dtype)) {
      throw new TypeError(
        `safetensors: tensor '${name}' has dtype ${entry.dtype}; supported: ${Object.keys(DTYPE_BYTES).join(', ')}`,
      );
    }
    if (!entry.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new RangeError(
        `safetensors: tensor '${name}' has shape ${JSON.stringify(entry.shape).slice(0, 80)}; dimensions must be non-negative integers`,
      );
    }
    const [begin, end] = entry.data_offsets;
    const count = elementCount(entry.shape);
    if (
      entry.data_offsets.length !== 2 ||
      !(Number.isSafeInteger(begin) && Number.isSafeInteger(end) && 0 <= begin && begin <= end)
    ) {
      throw new RangeError(`safetensors: tensor '${name}' has invalid data_offsets [${begin}, ${end}]`);
    }
    if (end - begin !== count * DTYPE_BYTES[entry.dtype]) {
      throw new RangeError(
        `safetensors: tensor '${name}' (${entry.dtype} [${entry.shape.join(', ')}]) needs ${count * DTYPE_BYTES[entry.dtype]} bytes, ` +
          `its data_offsets span ${end - begin}`,
      );
    }
    if (end > data.byteLength) {
      throw new RangeError(
        `safetensors: tensor '${name}' ends at byte ${end} of the data, which has only ${data.byteLength} bytes (truncated file)`,
      );
    }
    spans.push([begin, end, name]);
  }
  checkTiling(spans, data.byteLength);
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const entry = raw as HeaderEntry;
    const [begin, end] = entry.data_offsets;
    const count = elementCount(entry.shape);
    const dtype = entry.dtype as SourceDType;
    tensors.set(name, {
      shape: [...entry.shape],
      dtype,
      data: decodeElements(data.subarray(begin, end), dtype, count, `safetensors: tensor '${name}'`),
    });
  }
  return { tensors, metadata };
}

/**
 * The tensors' byte ranges must tile the data exactly, as the format's reference reader requires: no two tensors
 * share bytes, and no bytes lie between or after them.
 */
function checkTiling(spans: [number, number, string][], dataBytes: number): void {
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let at = 0;
  let previous = '';
  for (const [begin, end, name] of spans) {
    if (begin < at) {
      throw new RangeError(
        `safetensors: tensor '${name}' (data_offsets [${begin}, ${end}]) overlaps tensor '${previous}', which ends at ${at}`,
      );
    }
    if (begin > at) {
      throw new RangeError(
        `safetensors: bytes [${at}, ${begin}) of the data belong to no tensor (data_offsets with a gap before '${name}')`,
      );
    }
    at = end;
    previous = name;
  }
  if (at !== dataBytes) {
    throw new RangeError(
      `safetensors: the tensors end at byte ${at} of the data, but the file has ${dataBytes - at} more bytes after them`,
    );
  }
}

function encodeElements(t: TensorData, name: string): Uint8Array {
  const count = elementCount(t.shape);
  if (t.data.length !== count) {
    throw new RangeError(
      `writeSafetensors: tensor '${name}' has ${t.data.length} values for shape [${t.shape.join(', ')}] (${count})`,
    );
  }
  const out = new Uint8Array(count * DTYPE_BYTES[t.dtype]);
  const view = new DataView(out.buffer);
  const d = t.data;
  switch (t.dtype) {
    case 'F32':
      for (let i = 0; i < count; i++) view.setFloat32(4 * i, Number(d[i]), true);
      break;
    case 'I64':
      for (let i = 0; i < count; i++) view.setBigInt64(8 * i, BigInt(d[i]!), true);
      break;
    case 'I32':
      for (let i = 0; i < count; i++) view.setInt32(4 * i, Number(d[i]), true);
      break;
    case 'U8':
    case 'BOOL':
      for (let i = 0; i < count; i++) out[i] = Number(d[i]);
      break;
    default:
      throw new TypeError(
        `writeSafetensors: tensor '${name}': writing ${t.dtype} is not supported (F32, I64, I32, U8, BOOL)`,
      );
  }
  return out;
}

/**
 * Writes tensors as a safetensors file (header padded with spaces to 8 bytes, as the reference writer does).
 * Supported dtypes: F32, I64, I32, U8, BOOL. `metadata` goes to `__metadata__` (string values).
 */
export function writeSafetensors(
  tensors: Map<string, TensorData> | Record<string, TensorData>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of entries) {
    const blob = encodeElements(t, name);
    header[name] = {
      dtype: t.dtype satisfies SourceDType,
      shape: t.shape,
      data_offsets: [offset, offset + blob.length],
    };
    blobs.push(blob);
    offset += blob.length;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const b of blobs) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}
