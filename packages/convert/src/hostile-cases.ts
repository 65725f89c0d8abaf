import { zipSync } from 'fflate';
import { ZipArchive } from './zip-archive.js';

/**
 * Damaged and malicious checkpoint files, generated from the small valid fixtures (test-only: hostile.test.ts, and
 * tools/hostile/measure.mjs through HOSTILE_OUT). Each case gives the bytes and what the one-line error must say.
 */
export interface HostileCase {
  /** Reader under attack: the torch.save zip (and its pickle) or safetensors. */
  reader: 'pth' | 'pickle' | 'safetensors';
  name: string;
  /** File name to write the bytes to (the error must name it). */
  file: string;
  bytes: Uint8Array;
  /** What the one-line error must contain after "FILE: ". */
  expected: RegExp;
}

/** Makes the cases of one reader: each written to a file named after the case, with the reader's extension. */
function caseMaker(reader: HostileCase['reader'], extension: string) {
  return (name: string, bytes: Uint8Array, expected: RegExp): HostileCase => ({
    reader,
    name,
    file: `${name.replace(/\W+/g, '-')}.${extension}`,
    bytes,
    expected,
  });
}

/** The sentinel a malicious pickle would create if anything executed it. */
export const PWNED = '/tmp/tost-hostile-pwned';

const text = (s: string) => [...new TextEncoder().encode(s)];
const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/** Pickle opcodes (protocol 2), enough to write torch.save-shaped pickles by hand. */
const op = {
  proto: [0x80, 0x02],
  emptyDict: [0x7d],
  mark: [0x28],
  str: (s: string) => [0x58, ...u32(text(s).length), ...text(s)],
  global: (module: string, name: string) => [0x63, ...text(`${module}\n${name}\n`)],
  int: (v: number) => [0x4a, ...u32(v)],
  tuple: [0x74],
  tuple1: [0x85],
  emptyTuple: [0x29],
  reduce: [0x52],
  setitem: [0x73],
  setitems: [0x75],
  persid: [0x51],
  newfalse: [0x89],
  stop: [0x2e],
};

/**
 * `{'w': _rebuild_tensor_v2(storage('0', FloatStorage, numel), offset, shape, strides, False, OrderedDict())}` with
 * the storage bytes as entry archive/data/0: a tensor whose declarations can lie.
 */
function tensorPickle(numel: number, offset: number, shape: number[], strides: number[]): number[] {
  const tuple = (xs: number[]) => [...op.mark, ...xs.flatMap(op.int), ...op.tuple];
  return [
    ...op.proto,
    ...op.emptyDict,
    ...op.str('w'),
    ...op.global('torch._utils', '_rebuild_tensor_v2'),
    ...op.mark,
    ...op.mark,
    ...op.str('storage'),
    ...op.global('torch', 'FloatStorage'),
    ...op.str('0'),
    ...op.str('cpu'),
    ...op.int(numel),
    ...op.tuple,
    ...op.persid,
    ...op.int(offset),
    ...tuple(shape),
    ...tuple(strides),
    ...op.newfalse,
    ...op.global('collections', 'OrderedDict'),
    ...op.emptyTuple,
    ...op.reduce,
    ...op.tuple,
    ...op.reduce,
    ...op.setitem,
    ...op.stop,
  ];
}

/** A torch.save-shaped zip (stored entries, correct CRCs) of a hand-made pickle and storages. */
function torchZip(pickle: number[], storages: Record<string, Uint8Array> = {}): Uint8Array {
  const files: Record<string, Uint8Array> = { 'archive/data.pkl': new Uint8Array(pickle) };
  for (const [k, v] of Object.entries(storages)) files[`archive/data/${k}`] = v;
  files['archive/version'] = new Uint8Array(text('3\n'));
  return zipSync(files, { level: 0 });
}

function flipped(bytes: Uint8Array, at: number): Uint8Array {
  const out = bytes.slice();
  out[at] = out[at]! ^ 0xff;
  return out;
}

function truncated(bytes: Uint8Array, fraction: number): Uint8Array {
  return bytes.slice(0, Math.floor(bytes.length * fraction));
}

/** Offset of the central-directory record of entry `name`. */
function centralRecord(bytes: Uint8Array, name: string): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const want = new TextEncoder().encode(name);
  for (let at = bytes.length - 46; at >= 0; at--) {
    if (view.getUint32(at, true) !== 0x02014b50 || view.getUint16(at + 28, true) !== want.length) continue;
    if (want.every((b, i) => bytes[at + 46 + i] === b)) return at;
  }
  throw new Error(`no central record for ${name}`);
}

/** A copy with u32 fields of the central record of `name` replaced: {offset within the record: value}. */
function withCentralFields(bytes: Uint8Array, name: string, fields: Record<number, number>): Uint8Array {
  const out = bytes.slice();
  const at = centralRecord(out, name);
  const view = new DataView(out.buffer);
  for (const [field, value] of Object.entries(fields)) view.setUint32(at + Number(field), value, true);
  return out;
}

function dataStart(bytes: Uint8Array, name: string): number {
  const e = new ZipArchive(bytes, 'case').entries.get(name)!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return (
    e.localHeaderOffset +
    30 +
    view.getUint16(e.localHeaderOffset + 26, true) +
    view.getUint16(e.localHeaderOffset + 28, true)
  );
}

/** Cases against the torch.save reader, from `pth` (a small valid torch.save file). */
export function torchCases(pth: Uint8Array): HostileCase[] {
  const names = new ZipArchive(pth, 'case').names;
  const pkl = names.find((n) => n.endsWith('/data.pkl'))!;
  const storage = names.find((n) => /\/data\/\d+$/.test(n))!;
  const view = new DataView(pth.buffer, pth.byteOffset, pth.byteLength);
  const eocd = pth.length - 22;
  const zipCase = caseMaker('pth', 'pth');
  const pickleCase = caseMaker('pickle', 'pth');
  const deflated = zipSync(
    { 'archive/data.pkl': new Uint8Array(tensorPickle(4, 0, [4], [1])) },
    { level: 6 },
  );
  const nested = 200_000;
  return [
    zipCase('truncated at 0 %', truncated(pth, 0), /empty file \(0 bytes\): not a checkpoint/),
    zipCase('truncated at 0.1 %', truncated(pth, 0.001), /zip archive is truncated or corrupt/),
    zipCase('truncated at 30 %', truncated(pth, 0.3), /zip archive is truncated or corrupt/),
    zipCase('truncated at 97 %', truncated(pth, 0.97), /zip archive is truncated or corrupt/),
    zipCase(
      'flipped first byte (zip signature)',
      flipped(pth, 0),
      /a zip archive whose first byte is damaged/,
    ),
    zipCase(
      'flipped local header signature of data.pkl',
      flipped(pth, 2),
      /entry '.*data\.pkl': its local header at byte 0 is missing or damaged/,
    ),
    zipCase(
      'flipped local header name length of data.pkl',
      flipped(pth, 26),
      /entry '.*data\.pkl': bad CRC-32/,
    ),
    zipCase(
      'flipped central directory signature',
      flipped(pth, centralRecord(pth, pkl)),
      /central directory record 1 of \d+ is damaged/,
    ),
    zipCase(
      'flipped end-of-central-directory signature',
      flipped(pth, eocd),
      /no end-of-central-directory record/,
    ),
    zipCase(
      'flipped byte in data.pkl',
      flipped(pth, dataStart(pth, pkl) + 100),
      /entry '.*data\.pkl': bad CRC-32 \(the archive records 0x[0-9a-f]{8}, the bytes give 0x[0-9a-f]{8}\)/,
    ),
    zipCase(
      'flipped byte in a tensor entry',
      flipped(pth, dataStart(pth, storage) + 3),
      /entry '.*\/data\/\d+': bad CRC-32/,
    ),
    zipCase(
      'declared sizes past the end of the file',
      withCentralFields(pth, pkl, { 20: 0x7fff0000, 24: 0x7fff0000 }),
      /entry '.*data\.pkl' declares 2147418112 bytes at byte \d+, past the end of the \d+-byte file/,
    ),
    zipCase(
      'stored entry whose two sizes differ',
      withCentralFields(pth, pkl, { 24: view.getUint32(centralRecord(pth, pkl) + 24, true) + 1000 }),
      /entry '.*data\.pkl' is stored uncompressed but declares \d+ stored and \d+ uncompressed bytes/,
    ),
    zipCase(
      'deflated entry declaring 4 GiB',
      withCentralFields(deflated, 'archive/data.pkl', { 24: 0xfffffff0 }),
      /entry 'archive\/data\.pkl' declares 4294967280 bytes from \d+ compressed, more than deflate can expand/,
    ),
    zipCase(
      'entry count that lies',
      (() => {
        // torch.save writes ZIP64 records: the count that counts is the ZIP64 one.
        const out = pth.slice();
        const v = new DataView(out.buffer);
        v.setUint16(eocd + 10, 0xffff, true);
        const zip64 = Number(v.getBigUint64(eocd - 12, true));
        v.setBigUint64(zip64 + 32, 2n ** 40n, true);
        return out;
      })(),
      /central directory of 1099511627776 entries, \d+ bytes at \d+, does not fit/,
    ),
    zipCase(
      '1 GiB declared tensor in a 1 kB file',
      torchZip(tensorPickle(2 ** 28, 0, [2 ** 28], [1]), { '0': new Uint8Array(16) }),
      /storage data\/0 of 'w': needs elements \[0, 268435456\) of a storage of 4/,
    ),
    zipCase(
      'shape lie: a strided view far past its storage',
      torchZip(tensorPickle(4, 0, [100000, 100000], [1, 100000]), { '0': new Uint8Array(16) }),
      /'w' \(shape \[100000, 100000\], strides \[1, 100000\], offset 0\) reaches element \d+ of a storage of 4/,
    ),
    zipCase(
      'storage entry missing',
      torchZip(tensorPickle(4, 0, [4], [1])),
      /storage data\/0 of 'w' is missing/,
    ),
    zipCase(
      'dtype lie: storage shorter than its declared elements',
      torchZip(tensorPickle(4, 0, [2, 2], [1, 2]), { '0': new Uint8Array(10) }),
      /needs 16 bytes of F32 data, the file has 10/,
    ),
    zipCase('empty file', new Uint8Array(0), /empty file \(0 bytes\)/),
    zipCase(
      'text file',
      new TextEncoder().encode('Source\tTarget\n( 1 )\t1\n'),
      /a text file \(it starts with "Source Target \( 1 \) 1 "\), not a checkpoint/,
    ),
    pickleCase(
      'pickle calling os.system',
      torchZip([
        ...op.proto,
        ...op.global('posix', 'system'),
        ...op.str(`touch ${PWNED}`),
        ...op.tuple1,
        ...op.reduce,
        ...op.stop,
      ]),
      /refused: its pickle references the global posix\.system, which would run code .*Nothing was executed/,
    ),
    pickleCase(
      'pickle calling builtins.eval',
      torchZip([
        ...op.proto,
        ...op.global('builtins', 'eval'),
        ...op.str(`__import__('os').system('touch ${PWNED}')`),
        ...op.tuple1,
        ...op.reduce,
        ...op.stop,
      ]),
      /refused: its pickle references the global builtins\.eval/,
    ),
    pickleCase(
      'reduce to a non-whitelisted global',
      torchZip([
        ...op.proto,
        ...op.emptyDict,
        ...op.str('w'),
        ...op.global('__main__', 'Exploit'),
        ...op.str(`touch ${PWNED}`),
        ...op.tuple1,
        ...op.reduce,
        ...op.setitem,
        ...op.stop,
      ]),
      /no dict of tensors found .*the root has keys w \(an object built by the global __main__\.Exploit, which is never called\)/,
    ),
    pickleCase(
      'pickle with an unknown opcode (CRC correct)',
      torchZip([...op.proto, ...op.emptyDict, 0xff, ...op.stop]),
      /data\.pkl could not be read \(.*\); the file may be truncated/,
    ),
    pickleCase(
      'pickle without STOP (CRC correct)',
      torchZip([...op.proto, ...op.emptyDict, ...op.str('w')]),
      /data\.pkl could not be read/,
    ),
    pickleCase(
      `${nested.toLocaleString('en-US')} nested dicts`,
      torchZip([
        ...op.proto,
        ...Array.from({ length: nested }, () => [...op.emptyDict, ...op.str('model')]).flat(),
        ...op.emptyDict,
        ...Array.from({ length: nested }, () => op.setitem).flat(),
        ...op.stop,
      ]),
      /no dict of tensors found \(looked at the root and under state_dict, model/,
    ),
    pickleCase(
      `${nested.toLocaleString('en-US')} nested MARK frames`,
      torchZip([
        ...op.proto,
        ...Array.from({ length: nested }, () => op.mark).flat(),
        ...op.emptyDict,
        ...op.stop,
      ]),
      /data\.pkl could not be read|no dict of tensors found/,
    ),
    pickleCase(
      `${nested.toLocaleString('en-US')} FRAME opcodes`,
      torchZip([
        0x80,
        0x04,
        ...Array.from({ length: nested }, () => [0x95, 1, 0, 0, 0, 0, 0, 0, 0]).flat(),
        ...op.emptyDict,
        ...op.stop,
      ]),
      /data\.pkl could not be read|no dict of tensors found/,
    ),
  ];
}

/** A safetensors file from a header object and a data length (the data is zeros). */
function safetensorsOf(header: unknown, dataBytes: number, headerLength?: bigint): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, headerLength ?? BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

/** Cases against the safetensors reader, from `file` (a small valid .safetensors). */
export function safetensorsCases(file: Uint8Array): HostileCase[] {
  const c = caseMaker('safetensors', 'safetensors');
  const w = (dtype: string, shape: unknown, offsets: unknown) => ({
    w: { dtype, shape, data_offsets: offsets },
  });
  return [
    c('truncated at 0 %', truncated(file, 0), /empty file \(0 bytes\): not a checkpoint/),
    c('truncated at 0.1 %', truncated(file, 0.001), /header length \d+ does not fit in the 16-byte file/),
    c(
      'truncated at 30 %',
      truncated(file, 0.3),
      /tensor '.*' ends at byte \d+ of the data, which has only \d+ bytes \(truncated file\)/,
    ),
    c(
      'truncated at 97 %',
      truncated(file, 0.97),
      /ends at byte \d+ of the data, which has only \d+ bytes \(truncated file\)/,
    ),
    c('flipped header-length byte', flipped(file, 5), /header length \d+ does not fit in the \d+-byte file/),
    c('flipped first JSON byte', flipped(file, 8), /the header is not valid JSON/),
    c(
      'header length 2^60',
      safetensorsOf({}, 0, 2n ** 60n),
      /header length 1152921504606846976 does not fit in the 10-byte file/,
    ),
    c(
      'header length past the end',
      safetensorsOf({}, 0, 11n),
      /header length 11 does not fit in the 10-byte file/,
    ),
    c(
      'offsets past the end',
      safetensorsOf(w('F32', [4], [0, 16]), 8),
      /tensor 'w' ends at byte 16 of the data, which has only 8 bytes/,
    ),
    c(
      'negative offsets',
      safetensorsOf(w('F32', [1], [-4, 0]), 8),
      /tensor 'w' has invalid data_offsets \[-4, 0\]/,
    ),
    c('offsets reversed', safetensorsOf(w('F32', [1], [8, 4]), 8), /invalid data_offsets \[8, 4\]/),
    c(
      'shape lie',
      safetensorsOf(w('F32', [3, 3], [0, 16]), 16),
      /tensor 'w' \(F32 \[3, 3\]\) needs 36 bytes, its data_offsets span 16/,
    ),
    c(
      'dtype lie',
      safetensorsOf(w('F64', [4], [0, 16]), 16),
      /tensor 'w' \(F64 \[4\]\) needs 32 bytes, its data_offsets span 16/,
    ),
    c(
      'unknown dtype',
      safetensorsOf(w('F8_E4M3', [4], [0, 4]), 4),
      /tensor 'w' has dtype F8_E4M3; supported/,
    ),
    c(
      'negative dimension',
      safetensorsOf(w('F32', [-1, -4], [0, 16]), 16),
      /tensor 'w' has shape \[-1,-4\]; dimensions must be non-negative integers/,
    ),
    c(
      '1 GiB declared tensor in a 1 kB file',
      safetensorsOf(w('F32', [2 ** 28], [0, 2 ** 30]), 1000),
      /tensor 'w' ends at byte 1073741824 of the data, which has only 1000 bytes/,
    ),
    c(
      'overlapping tensors',
      safetensorsOf(
        {
          a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
          b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
        },
        12,
      ),
      /tensor 'b' \(data_offsets \[4, 12\]\) overlaps tensor 'a', which ends at 8/,
    ),
    c(
      'bytes after the tensors',
      safetensorsOf(w('F32', [1], [0, 4]), 1004),
      /the tensors end at byte 4 of the data, but the file has 1000 more bytes/,
    ),
    c('header not an object', safetensorsOf([1, 2], 0), /the header must be a JSON object/),
    c('empty file', new Uint8Array(0), /empty file \(0 bytes\)/),
    c(
      'text file',
      new TextEncoder().encode('{"n_head": 4, "block_size": 64}\n'),
      /a text file \(it starts with .*\), not a checkpoint/,
    ),
  ];
}
