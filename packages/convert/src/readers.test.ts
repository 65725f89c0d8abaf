import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@tost/backend';
import {
  PicklePlaceholder,
  readCheckpoint,
  readSafetensors,
  readTorchCheckpoint,
  writeSafetensors,
  halfToFloat,
  importStateDict,
  type TensorData,
} from './index.js';
import { FIXTURES, fixtureBytes } from './test-helpers.js';
import { zipSync } from 'fflate';

const expected = JSON.parse(readFileSync(join(FIXTURES, 'dtypes.expected.json'), 'utf8')) as Record<
  string,
  number[]
>;

/** The values of every tensor as plain numbers (I64 as Number). */
function plain(t: TensorData): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, Number);
}

describe("safetensors and torch.save readers: every dtype against PyTorch's own conversion", () => {
  for (const file of ['dtypes.safetensors', 'dtypes.pth']) {
    it(file, () => {
      const sd = readCheckpoint(fixtureBytes(file));
      expect(sd.format).toBe(file.endsWith('.pth') ? 'torch' : 'safetensors');
      const dtypes = Object.fromEntries([...sd.tensors].map(([k, t]) => [k, t.dtype]));
      expect(dtypes).toEqual({
        f64: 'F64',
        f32: 'F32',
        f16: 'F16',
        bf16: 'BF16',
        i64: 'I64',
        i32: 'I32',
        bool: 'BOOL',
      });
      for (const [key, values] of Object.entries(expected)) {
        // float32 widening of halves is exact: PyTorch's .float() gives the same numbers.
        expect(plain(sd.tensors.get(key)!), key).toEqual(values);
      }
      expect(sd.tensors.get('i64')!.data).toBeInstanceOf(BigInt64Array);
      expect(sd.tensors.get('f16')!.shape).toEqual([2, 3]);
    });
  }

  it('half floats: subnormals, infinities, NaN', () => {
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0xfc00)).toBe(-Infinity);
    expect(halfToFloat(0x7e00)).toBeNaN();
    expect(halfToFloat(0xc000)).toBe(-2);
  });
});

describe('safetensors writer', () => {
  it('round-trips F32, I64, I32, BOOL with metadata; header aligned to 8 bytes', () => {
    const tensors = new Map<string, TensorData>([
      ['a', { dtype: 'F32', shape: [2, 2], data: new Float32Array([1.5, -2, 3e-8, 4]) }],
      ['n', { dtype: 'I64', shape: [], data: new BigInt64Array([7n]) }],
      ['i', { dtype: 'I32', shape: [3], data: new Int32Array([-1, 0, 1]) }],
      ['b', { dtype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) }],
    ]);
    const bytes = writeSafetensors(tensors, { arch: 'x' });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const back = readSafetensors(bytes);
    expect(back.metadata).toEqual({ arch: 'x' });
    expect([...back.tensors.keys()]).toEqual(['a', 'n', 'i', 'b']);
    for (const [k, t] of tensors) {
      expect(back.tensors.get(k)!.shape).toEqual(t.shape);
      expect(plain(back.tensors.get(k)!)).toEqual(plain(t));
    }
  });

  it('rejects a value count that does not match the shape, naming the tensor', () => {
    expect(() => writeSafetensors({ w: { dtype: 'F32', shape: [3], data: new Float32Array(2) } })).toThrow(
      /tensor 'w' has 2 values for shape \[3\]/,
    );
  });
});

describe('clear errors on bad files', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  const good = fixtureBytes('tost-vision.safetensors');

  it('truncated safetensors: names the tensor that runs past the end', () => {
    expect(() => readCheckpoint(good.slice(0, good.length - 100))).toThrow(/truncated file/);
    expect(() => readCheckpoint(good.slice(0, 5))).toThrow(/header length needs 8.*truncated/);
    expect(() => readCheckpoint(good.slice(0, 40))).toThrow(/does not fit in the 40-byte file/);
  });

  it('truncated torch.save zip', () => {
    const pth = fixtureBytes('tost-vision.pth');
    expect(() => readCheckpoint(pth.slice(0, pth.length - 500))).toThrow(
      /torch checkpoint: the zip archive is truncated or corrupt/,
    );
    expect(() => readCheckpoint(pth.slice(0, 3))).toThrow(/not a zip archive|header length/);
  });

  it('unknown and wrong dtypes', () => {
    const header = JSON.stringify({ w: { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] } });
    const bytes = new Uint8Array(8 + header.length + 2);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
    bytes.set(new TextEncoder().encode(header), 8);
    expect(() => readSafetensors(bytes)).toThrow(
      /tensor 'w' has dtype F8_E4M3; supported: F64, F32, F16, BF16, I64/,
    );

    const mismatch = JSON.stringify({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 6] } });
    const bytes2 = new Uint8Array(8 + mismatch.length + 6);
    new DataView(bytes2.buffer).setBigUint64(0, BigInt(mismatch.length), true);
    bytes2.set(new TextEncoder().encode(mismatch), 8);
    expect(() => readSafetensors(bytes2)).toThrow(
      /tensor 'w' \(F32 \[2\]\) needs 8 bytes, its data_offsets span 6/,
    );

    // A weight stored as an integer tensor: the importer names it.
    const sd = readCheckpoint(fixtureBytes('crate.safetensors'));
    const w = sd.tensors.get('mlp_head.1.bias')!;
    sd.tensors.set('mlp_head.1.bias', { dtype: 'I32', shape: w.shape, data: new Int32Array(w.shape[0]!) });
    expect(() => importStateDict(sd, { heads: 4 })).toThrow(
      /'mlp_head.1.bias' must be a floating-point tensor \(F32, F16, BF16 or F64\), got I32 \[10\]/,
    );
  });

  it('missing, unexpected and mis-shaped keys are listed together', () => {
    const sd = readCheckpoint(fixtureBytes('crate.safetensors'));
    sd.tensors.delete('transformer.layers.1.1.fn.weight');
    sd.tensors.set('extra.weight', { dtype: 'F32', shape: [1], data: new Float32Array(1) });
    sd.tensors.set('mlp_head.0.bias', { dtype: 'F32', shape: [31], data: new Float32Array(31) });
    expect(() => importStateDict(sd, { heads: 4 })).toThrow(
      /does not match crate:\n {2}missing keys \(1\): transformer.layers.1.1.fn.weight\n {2}unexpected keys \(1\): extra.weight\n {2}shape mismatches: mlp_head.0.bias: expected \[32\], got \[31\]/,
    );
  });

  it('an --arch that contradicts the keys', () => {
    const sd = readCheckpoint(fixtureBytes('tost-lm.safetensors'));
    expect(() => importStateDict(sd, { arch: 'gpt2' })).toThrow(
      /option 'arch' is gpt2, but the keys are those of tost-lm \(attn.temp: causal TSSA\)/,
    );
    expect(() => importStateDict(sd, { arch: 'crate' })).toThrow(
      /option 'arch' is crate, but the keys are those of tost-lm/,
    );
  });

  it('heads that the weights do not store must be given for a non-preset width', () => {
    const sd = readCheckpoint(fixtureBytes('nanogpt.safetensors'));
    expect(() => importStateDict(sd)).toThrow(
      /width 32 is not a published preset.*pass option 'heads' \(--heads\)/,
    );
    expect(() => importStateDict(sd, { heads: 5 })).toThrow(
      /option 'heads' must be a positive divisor of the width 32, got 5/,
    );
  });
});

describe('the pickle is interpreted, never executed', () => {
  const sentinel = '/tmp/tost-convert-pwned';

  it('a pickle calling os.system (posix.system) is refused, and nothing runs', () => {
    // (If Python ever loaded the fixture on this machine, the file exists already: then only the error is checked.)
    const existedBefore = existsSync(sentinel);
    expect(() => readCheckpoint(fixtureBytes('malicious.pth'))).toThrow(
      /refused: its pickle references the global posix.system.*Nothing was executed/,
    );
    expect(existsSync(sentinel)).toBe(existedBefore);
  });

  it("an unknown global (argparse.Namespace of the run's arguments) stays an inert placeholder", () => {
    const ckpt = readTorchCheckpoint(fixtureBytes('tost-vision.pth'));
    const root = ckpt.root as Map<string, unknown>;
    expect([...root.keys()]).toEqual(['model', 'epoch', 'args']);
    const args = root.get('args');
    expect(args).toBeInstanceOf(PicklePlaceholder);
    expect((args as PicklePlaceholder).global).toBe('argparse.Namespace');
  });

  it('a tensor that depends on an unknown global is a clear error naming it', () => {
    // A hand-made pickle (protocol 2 opcodes): {'w': _rebuild_tensor_v2(argparse.Namespace(), 0, (1,), (1,), False,
    // OrderedDict())} inside a torch-style zip.
    const text = (s: string) => [...new TextEncoder().encode(s)];
    const global = (module: string, name: string) => [0x63, ...text(`${module}\n${name}\n`)];
    const pkl = new Uint8Array([
      ...[0x80, 0x02, 0x7d, 0x28, 0x58, 0x01, 0, 0, 0, 0x77],
      ...global('torch._utils', '_rebuild_tensor_v2'),
      0x28,
      ...global('argparse', 'Namespace'),
      ...[0x29, 0x52, 0x4b, 0, 0x4b, 1, 0x85, 0x4b, 1, 0x85, 0x89],
      ...global('collections', 'OrderedDict'),
      ...[0x29, 0x52, 0x74, 0x52, 0x75, 0x2e],
    ]);
    const zip = zipStore({ 'archive/data.pkl': pkl });
    expect(() => readCheckpoint(zip)).toThrow(
      /'w' is a tensor that cannot be rebuilt: its storage is an object built by the global argparse.Namespace, which is never called/,
    );
  });

  it('the wrapped nanoGPT checkpoint: weights under model, _orig_mod. stripped, optimizer state ignored', () => {
    const sd = readCheckpoint(fixtureBytes('tost-lm.pth'));
    expect(sd.path).toBe('model');
    expect(sd.strippedPrefixes).toEqual(['_orig_mod.']);
    const crate = readCheckpoint(fixtureBytes('crate.pth'));
    expect(crate.path).toBe('state_dict');
    expect(crate.strippedPrefixes).toEqual(['module.']);
    const gpt = readCheckpoint(fixtureBytes('nanogpt.pth'));
    expect(gpt.skipped).toEqual(['transformer.h.0.attn.bias', 'transformer.h.1.attn.bias']);
    const vision = readCheckpoint(fixtureBytes('tost-vision.pth'));
    expect(vision.skipped.every((k) => k.endsWith('num_batches_tracked'))).toBe(true);
    expect(vision.skipped).toHaveLength(3);
  });
});

/** A zip of stored entries (fflate's zipSync with level 0). */
function zipStore(files: Record<string, Uint8Array>): Uint8Array {
  return zipSync(files, { level: 0 });
}
