import pickleparser from 'pickleparser';
import {
  PicklePlaceholder,
  TorchStorage,
  TorchTensorRef,
  UnresolvedTensor,
  describePickleValue,
  isDangerousGlobal,
} from './pickle-globals.js';
import {
  DTYPE_BYTES,
  decodeElements,
  elementCount,
  type SourceDType,
  type TensorData,
} from './tensor-data.js';
import { ZipArchive } from './zip-archive.js';

/** torch storage classes → dtype of their elements. */
const STORAGE_DTYPES: Record<string, SourceDType> = {
  FloatStorage: 'F32',
  DoubleStorage: 'F64',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
};

/** Marker returned by the storage-type globals (`torch.FloatStorage`, …). */
class StorageType {
  constructor(readonly name: string) {}
}

/** The unpickled object of a torch.save file, with every tensor still a lazy `TorchTensorRef`. */
export interface TorchCheckpoint {
  /** The unpickled root object: dicts are Maps, tuples/lists arrays, tensors TorchTensorRef. */
  root: unknown;
  /** Decodes a tensor reference into host data (float dtypes as float32). Memoised per storage. */
  tensor(ref: TorchTensorRef, key: string): TensorData;
}

function rebuildTensor(storage: unknown, offset: unknown, size: unknown, stride: unknown): unknown {
  if (!(storage instanceof TorchStorage)) {
    // Not a storage from this file: keep it inert, and say what it was when someone needs the tensor.
    return new UnresolvedTensor(`its storage is ${describePickleValue(storage)}`);
  }
  const shape = Array.isArray(size) ? size.map(Number) : [];
  const strides = Array.isArray(stride) ? stride.map(Number) : [];
  const start = Number(offset);
  const natural = (v: number) => Number.isSafeInteger(v) && v >= 0;
  if (
    !Array.isArray(size) ||
    !Array.isArray(stride) ||
    shape.length !== strides.length ||
    !natural(start) ||
    !shape.every(natural) ||
    !strides.every(natural) ||
    !Number.isSafeInteger(elementCount(shape))
  ) {
    return new UnresolvedTensor(
      `its view is invalid (offset ${String(offset)}, shape ${describeTuple(size)}, strides ${describeTuple(stride)})`,
    );
  }
  return new TorchTensorRef(storage, start, shape, strides);
}

function describeTuple(v: unknown): string {
  return Array.isArray(v) ? `[${v.map(String).join(', ')}]`.slice(0, 80) : describePickleValue(v);
}

/** `_rebuild_parameter(data, requires_grad, hooks)`: a parameter is its data. */
function keepData(data: unknown): unknown {
  return data;
}

/**
 * The only callables a pickle can reach: torch's tensor/parameter rebuild functions, storage types and
 * OrderedDict — all implemented here in JavaScript. Any other global becomes a PicklePlaceholder (calling it
 * records the arguments and nothing else); a global of a module that can run code (os, posix, subprocess, builtins,
 * …) is refused with an error before anything is decoded.
 */
function resolveGlobal(module: string, name: string): unknown {
  const qualified = `${module}.${name}`;
  if (isDangerousGlobal(module)) {
    throw new Error(
      `torch checkpoint refused: its pickle references the global ${qualified}, which would run code if Python ` +
        `loaded the file. Nothing was executed. Only load checkpoints you trust in PyTorch itself.`,
    );
  }
  if (module === 'torch' && name in STORAGE_DTYPES) return Object.freeze(new StorageType(name));
  return KNOWN_GLOBALS.get(qualified) ?? placeholderGlobal(qualified);
}

const rebuildFromType = (fn: unknown, _type: unknown, args: unknown) =>
  // (func, subclass, args, state): rebuild with func when it is one of ours, ignore the subclass.
  fn === rebuildTensor || fn === keepData
    ? (fn as (...a: unknown[]) => unknown)(...(args as unknown[]))
    : new PicklePlaceholder(`torch._tensor._rebuild_from_type_v2 of ${describePickleValue(fn)}`);

/**
 * The functions a pickle can call, frozen: a BUILD opcode applied to one of them (Object.assign in the parser) fails
 * instead of changing it for later files.
 */
const KNOWN_GLOBALS = new Map<string, unknown>(
  (
    [
      ['collections.OrderedDict', () => new Map()],
      ['torch._utils._rebuild_tensor', rebuildTensor],
      ['torch._utils._rebuild_tensor_v2', rebuildTensor],
      ['torch._utils._rebuild_parameter', keepData],
      ['torch._utils._rebuild_parameter_with_state', keepData],
      ['torch._tensor._rebuild_from_type_v2', rebuildFromType],
    ] as [string, object][]
  ).map(([name, fn]) => [name, Object.freeze(fn)]),
);

/** A global the reader does not know: a function and constructor that only builds an inert placeholder. */
function placeholderGlobal(qualified: string): unknown {
  function Placeholder(this: unknown, ...args: unknown[]) {
    return new PicklePlaceholder(qualified, args);
  }
  Placeholder.prototype.global = qualified;
  Object.freeze(Placeholder.prototype);
  return Object.freeze(Placeholder);
}

function readStorageTuple(pid: unknown): TorchStorage {
  if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) {
    throw new Error(`torch checkpoint: unsupported persistent id ${JSON.stringify(pid)?.slice(0, 80)}`);
  }
  const [, type, key, location, numel] = pid as [string, unknown, unknown, unknown, unknown];
  const typeName =
    type instanceof StorageType
      ? type.name
      : typeof type === 'function' && 'global' in (type as { prototype: object }).prototype
        ? String((type as { prototype: { global: string } }).prototype.global)
        : String(type);
  const elements = Number(numel);
  if (!Number.isSafeInteger(elements) || elements < 0) {
    throw new RangeError(`torch checkpoint: storage ${String(key)} declares ${String(numel)} elements`);
  }
  return new TorchStorage(typeName, String(key), String(location), elements);
}

/**
 * Reads a PyTorch `torch.save` file in the zip format (PyTorch ≥ 1.6: `<archive>/data.pkl` + `<archive>/data/<key>`
 * storages). The pickle is interpreted opcode by opcode (npm `pickleparser`) with `resolveGlobal` as the only way
 * to reach a global: nothing in the file is executed. Tensors stay lazy until `tensor()` decodes them.
 * Errors: not a zip (the legacy pre-1.6 format included: re-save it with a recent PyTorch), truncated or corrupt
 * zip, no data.pkl, a dangerous global, an unsupported storage type, a storage entry missing or too short.
 */
export function readTorchCheckpoint(bytes: Uint8Array | ArrayBuffer): TorchCheckpoint {
  const buf = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (buf.byteLength < 4 || buf[0] !== 0x50 || buf[1] !== 0x4b) {
    throw new RangeError(
      'torch checkpoint: not a zip archive. Only the zip format of torch.save (PyTorch ≥ 1.6) is read; ' +
        'resave a legacy file with torch.save(torch.load(f), g) in a recent PyTorch',
    );
  }
  // Entries are read one at a time, when needed, each checked against its CRC-32: a training checkpoint's optimiser
  // state (often twice the weights) is never unpacked.
  const archive = new ZipArchive(buf, 'torch checkpoint');
  const names = archive.names;
  const unzipOne = (name: string): Uint8Array | undefined => archive.read(name);
  const pklName = names.find((n) => n === 'data.pkl' || n.endsWith('/data.pkl'));
  if (!pklName) {
    throw new RangeError(
      `torch checkpoint: no data.pkl in the archive (entries: ${names.slice(0, 8).join(', ')})`,
    );
  }
  const prefix = pklName.slice(0, pklName.length - 'data.pkl'.length);
  const parser = new pickleparser.Parser({
    nameResolver: { resolve: (module: string, name: string) => resolveGlobal(module, name) as never },
    persistentResolver: { resolve: (pid: unknown) => readStorageTuple(pid) },
    unpicklingTypeOfDictionary: 'Map',
  });
  const pickle = unzipOne(pklName)!;
  let root: unknown;
  try {
    root = parser.parse(pickle);
  } catch (err) {
    const message = (err as Error).message;
    if (message.startsWith('torch checkpoint')) throw err;
    throw new RangeError(
      `torch checkpoint: data.pkl could not be read (${message}); the file may be truncated`,
    );
  }
  const storages = new Map<string, TensorData['data']>();
  return {
    root,
    tensor(ref: TorchTensorRef, key: string): TensorData {
      const { storage } = ref;
      const dtype = STORAGE_DTYPES[storage.storageType.replace(/^torch\./, '')];
      if (!dtype) {
        throw new TypeError(
          `torch checkpoint: '${key}' is stored as ${storage.storageType}; supported: ${Object.keys(STORAGE_DTYPES).join(', ')}`,
        );
      }
      const what = `torch checkpoint: storage data/${storage.key} of '${key}'`;
      const entry = () => {
        const bytes = unzipOne(`${prefix}data/${storage.key}`);
        if (!bytes) throw new RangeError(`${what} is missing`);
        return bytes;
      };
      let data = storages.get(storage.key);
      if (!data && isContiguous(ref)) {
        // The common case: decode the tensor's own bytes straight from the archive entry (no storage copy).
        const bytes = entry();
        const size = DTYPE_BYTES[dtype];
        const count = elementCount(ref.shape);
        if (ref.offset < 0 || (ref.offset + count) * size > bytes.byteLength) {
          throw new RangeError(
            `${what}: needs elements [${ref.offset}, ${ref.offset + count}) of a storage of ${bytes.byteLength / size}`,
          );
        }
        return {
          dtype,
          shape: ref.shape,
          data: decodeElements(bytes.subarray(ref.offset * size), dtype, count, what),
        };
      }
      if (!data) {
        data = decodeElements(entry(), dtype, storage.numel, what);
        storages.set(storage.key, data);
      }
      return { dtype, shape: ref.shape, data: gatherStrided(data, ref, key) };
    },
  };
}

/** Row-major layout without gaps (strides of size-1 dimensions do not matter). */
function isContiguous({ shape, stride }: TorchTensorRef): boolean {
  for (let d = shape.length - 1, step = 1; d >= 0; d--) {
    if (shape[d]! > 1 && stride[d] !== step) return false;
    step *= shape[d]!;
  }
  return true;
}

/** Copies a (possibly strided, offset) view of a storage into a contiguous row-major array. */
function gatherStrided(storage: TensorData['data'], ref: TorchTensorRef, key: string): TensorData['data'] {
  const { shape, stride, offset } = ref;
  const count = elementCount(shape);
  const Ctor = storage.constructor as new (n: number) => TensorData['data'];
  if (count === 0) return new Ctor(0);
  // Bounds first, allocation after: a shape that lies must not allocate what it claims.
  let last = offset;
  for (let d = 0; d < shape.length; d++) last += (shape[d]! - 1) * stride[d]!;
  if (offset < 0 || last >= storage.length || count > Math.max(storage.length, 1 << 24)) {
    throw new RangeError(
      `torch checkpoint: '${key}' (shape [${shape.join(', ')}], strides [${stride.join(', ')}], offset ${offset}) ` +
        `reaches element ${last} of a storage of ${storage.length}`,
    );
  }
  const out = new Ctor(count);
  if (isContiguous(ref)) return storage.slice(offset, offset + count);
  const index = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < count; i++) {
    let at = offset;
    for (let d = 0; d < shape.length; d++) at += index[d]! * stride[d]!;
    (out as unknown as number[])[i] = (storage as unknown as number[])[at]!;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d]! < shape[d]!) break;
      index[d] = 0;
    }
  }
  return out;
}
