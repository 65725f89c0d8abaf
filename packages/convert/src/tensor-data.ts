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
    case 'F32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
      return out;
    }
    case 'F64': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, true);
      return out;
    }
    case 'F16': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
      return out;
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32: shift its bits into place.
      const bits = new Uint32Array(count);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      return new Float32Array(bits.buffer);
    }
    case 'I64': {
      const out = new BigInt64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getBigInt64(8 * i, true);
      return out;
    }
    case 'I32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i, true);
      return out;
    }
    case 'I16': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(2 * i, true);
      return out;
    }
    case 'I8': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt8(i);
      return out;
    }
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
