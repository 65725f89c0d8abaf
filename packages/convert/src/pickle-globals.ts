/**
 * What a pickle's globals become in the restricted unpickler (see torch-checkpoint.ts). Nothing here runs code
 * from the file: the torch rebuild functions are our own JavaScript, every other global is an inert placeholder.
 */

/** A storage reference from a torch.save persistent id: ('storage', storage type, key, location, numel). */
export class TorchStorage {
  constructor(
    readonly storageType: string,
    readonly key: string,
    readonly location: string,
    readonly numel: number,
  ) {}
}

/** A tensor view on a storage: `_rebuild_tensor_v2(storage, offset, size, stride, …)`. Decoded lazily. */
export class TorchTensorRef {
  constructor(
    readonly storage: TorchStorage,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

/**
 * The result of calling or instantiating a global the reader does not know (e.g. `argparse.Namespace` of a training
 * run's arguments, a numpy scalar). Holds only the global's name and the arguments; never does anything.
 */
export class PicklePlaceholder {
  constructor(
    readonly global: string,
    readonly args: unknown[] = [],
  ) {}
  state?: unknown;
  toString(): string {
    return `<${this.global}(…)>`;
  }
}

/** What `_rebuild_tensor_v2` returns when its storage is not a storage of this file (e.g. a placeholder). */
export class UnresolvedTensor {
  constructor(readonly reason: string) {}
}

/** Where a value that should be a tensor came from, for error messages. */
export function describePickleValue(value: unknown): string {
  if (value instanceof PicklePlaceholder)
    return `an object built by the global ${value.global}, which is never called`;
  if (value instanceof Map) return 'a dict';
  if (Array.isArray(value)) return 'a list/tuple';
  if (value === null) return 'None';
  return typeof value;
}

/**
 * Modules whose globals can run code when Python unpickles the file (the usual pickle exploits). A file that names
 * one is refused outright, before anything is decoded.
 */
const DANGEROUS_MODULES = new Set([
  'os',
  'posix',
  'nt',
  'subprocess',
  'sys',
  'builtins',
  '__builtin__',
  'shutil',
  'socket',
  'importlib',
  'runpy',
  'pty',
  'webbrowser',
  'code',
  'ctypes',
  'pickle',
  '_pickle',
  'marshal',
  'types',
  'operator',
  'functools',
  'eval',
  'exec',
  'commands',
  'platform',
  'multiprocessing',
  'asyncio',
  'threading',
  'signal',
  'tempfile',
  'pathlib',
  'io',
  'codecs',
  'requests',
  'urllib',
  'http',
]);

export function isDangerousGlobal(module: string): boolean {
  return DANGEROUS_MODULES.has(module.split('.')[0]!);
}
