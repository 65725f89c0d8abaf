/**
 * A tensor read from a checkpoint, on the host: its source dtype, shape and row-major data. Floating-point dtypes
 * (F64, F32, F16, BF16) are widened or narrowed to float32; integers and booleans keep exact typed arrays.
 */
export type SourceDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export interface TensorData {
  /** The dtype the file stored (safetensors names; torch storages are mapped to them). */
  dtype: SourceDType;
  /** Row-major shape ([] for a scalar). */
  shape: number[];
  /** Float32Array for float dtypes, BigInt64Array for I64, Int32Array for I32/I16/I8, Uint8Array for U8/BOOL. */
  data: Float32Array | BigInt64Array | Int32Array | Uint8Array;
}

/** Bytes per element of each dtype in the file. */
export const DTYPE_BYTES: Record<SourceDType, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

export function isSourceDType(name: string): name is SourceDType {
  return Object.prototype.hasOwnProperty.call(DTYPE_BYTES, name);
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** IEEE 754 half → float (subnormals, infinities and NaN included). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** Sets out[i] = element(i) for every index of `out`; returns `out`. */
function fill<T extends { length: number; [i: number]: V }, V>(out: T, element: (i: number) => V): T {
  for (let i = 0; i < out.length; i++) out[i] = element(i);
  return out;
}

/**
 * Decodes `count` little-endian elements of `dtype` from `bytes` (any alignment) into the typed array of
 * `TensorData.data`. Throws a RangeError when `bytes` holds fewer than count·size bytes.
 */
export function decodeElements(
  bytes: Uint8Array,
  dtype: SourceDType,
  count: number,
  what: string,
): TensorData['data'] {
  const need = count * DTYPE_BYTES[dtype];
  if (bytes.byteLength < need) {
    throw new RangeError(`${what}: needs ${need} bytes of ${dtype} data, the file has ${bytes.byteLength}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, need);
  switch (dtype) {
    case 'F32':
      return fill(new Float32Array(count), (i) => view.getFloat32(4 * i, true));
    case 'F64':
      return fill(new Float32Array(count), (i) => view.getFloat64(8 * i, true));
    case 'F16':
      return fill(new Float32Array(count), (i) => halfToFloat(view.getUint16(2 * i, true)));
    case 'BF16': {
      // bfloat16 is the top half of a float32: shift its bits into place.
      const bits = fill(new Uint32Array(count), (i) => view.getUint16(2 * i, true) << 16);
      return new Float32Array(bits.buffer);
    }
    case 'I64':
      return fill(new BigInt64Array(count), (i) => view.getBigInt64(8 * i, true));
    case 'I32':
      return fill(new Int32Array(count), (i) => view.getInt32(4 * i, true));
    case 'I16':
      return fill(new Int32Array(count), (i) => view.getInt16(2 * i, true));
    case 'I8':
      return fill(new Int32Array(count), (i) => view.getInt8(i));
    case 'U8':
    case 'BOOL':
      return bytes.slice(0, count);
  }
}

/** The float32 values of a floating-point tensor; a clear error naming `key` for integer or boolean tensors. */
export function floatValues(tensor: TensorData, key: string): Float32Array {
  if (!(tensor.data instanceof Float32Array)) {
    throw new TypeError(
      `'${key}' must be a floating-point tensor (F32, F16, BF16 or F64), got ${tensor.dtype} [${tensor.shape.join(', ')}]`,
    );
  }
  return tensor.data;
}
