import CRC32 from 'crc-32';
import { inflateSync } from 'fflate';

/** One entry of a zip archive's central directory. */
export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate (the only methods read). */
  method: number;
  /** CRC-32 of the uncompressed bytes, as the central directory records it. */
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  /** Offset of the entry's local file header. */
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** Deflate cannot expand data by more than 1032:1 (RFC 1951, maximal-length matches): more is a size lie. */
const MAX_DEFLATE_RATIO = 1032;

/**
 * A zip archive read from memory (APPNOTE.TXT: end of central directory, ZIP64 included; stored and deflate
 * entries). The central directory is read here because it holds what fflate does not expose or check: each entry's
 * CRC-32 and declared sizes. Every `read` checks the declared sizes against the file before allocating anything and
 * verifies the CRC-32 of the bytes it returns, as Python's `zipfile` and PyTorch's reader do. Decompression: fflate.
 * Errors are RangeErrors starting with `what` ("torch checkpoint") and naming the entry.
 */
export class ZipArchive {
  readonly entries = new Map<string, ZipEntry>();
  private readonly checkedStored = new Map<string, Uint8Array>();
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.readCentralDirectory();
  }

  get names(): string[] {
    return [...this.entries.keys()];
  }

  private fail(problem: string): never {
    throw new RangeError(`${this.what}: ${problem}`);
  }

  private u16(at: number): number {
    return this.view.getUint16(at, true);
  }
  private u32(at: number): number {
    return this.view.getUint32(at, true);
  }
  private u64(at: number, field: string): number {
    const v = this.view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`the zip's ${field} (${v}) is not a plausible size`);
    return Number(v);
  }

  private readCentralDirectory(): void {
    const n = this.bytes.byteLength;
    let eocd = -1;
    for (let at = n - 22; at >= Math.max(0, n - 22 - 0xffff); at--) {
      if (this.u32(at) === EOCD) {
        eocd = at;
        break;
      }
    }
    if (eocd < 0) {
      this.fail(
        'the zip archive is truncated or corrupt (no end-of-central-directory record: the end of the file is missing)',
      );
    }
    let count = this.u16(eocd + 10);
    let size = this.u32(eocd + 12);
    let offset = this.u32(eocd + 16);
    if (eocd >= 20 && this.u32(eocd - 20) === ZIP64_LOCATOR) {
      const z = this.u64(eocd - 12, 'ZIP64 end-of-directory offset');
      if (z + 56 > n || this.u32(z) !== ZIP64_EOCD) {
        this.fail('the zip archive is truncated or corrupt (its ZIP64 end-of-directory record is missing)');
      }
      count = this.u64(z + 32, 'entry count');
      size = this.u64(z + 40, 'central directory size');
      offset = this.u64(z + 48, 'central directory offset');
    }
    if (offset + size > n || count * 46 > size) {
      this.fail(
        `the zip archive is truncated or corrupt (its central directory of ${count} entries, ${size} bytes at ` +
          `${offset}, does not fit in the ${n}-byte file)`,
      );
    }
    let at = offset;
    for (let i = 0; i < count; i++) {
      if (at + 46 > offset + size || this.u32(at) !== CENTRAL) {
        this.fail(
          `the zip archive is truncated or corrupt (central directory record ${i + 1} of ${count} is damaged)`,
        );
      }
      const flags = this.u16(at + 8);
      const nameLength = this.u16(at + 28);
      const extraLength = this.u16(at + 30);
      const commentLength = this.u16(at + 32);
      const end = at + 46 + nameLength + extraLength + commentLength;
      if (end > offset + size) this.fail(`central directory record ${i + 1} runs past the directory`);
      const name = new TextDecoder().decode(this.bytes.subarray(at + 46, at + 46 + nameLength));
      const entry: ZipEntry = {
        name,
        method: this.u16(at + 10),
        crc32: this.u32(at + 16),
        compressedSize: this.u32(at + 20),
        uncompressedSize: this.u32(at + 24),
        localHeaderOffset: this.u32(at + 42),
      };
      this.readZip64Extra(entry, at + 46 + nameLength, extraLength);
      if (flags & 1) this.fail(`entry '${name}' is encrypted`);
      this.entries.set(name, entry);
      at = end;
    }
  }

  /** ZIP64 extended information (header 0x0001): the 64-bit values of the fields stored as 0xFFFFFFFF. */
  private readZip64Extra(entry: ZipEntry, start: number, length: number): void {
    for (let at = start; at + 4 <= start + length;) {
      const id = this.u16(at);
      const size = this.u16(at + 2);
      if (id === 0x0001) {
        let p = at + 4;
        const next = (field: string): number => {
          if (p + 8 > at + 4 + size) this.fail(`entry '${entry.name}': its ZIP64 extra field is too short`);
          const v = this.u64(p, field);
          p += 8;
          return v;
        };
        if (entry.uncompressedSize === 0xffffffff) entry.uncompressedSize = next('uncompressed size');
        if (entry.compressedSize === 0xffffffff) entry.compressedSize = next('compressed size');
        if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = next('local header offset');
        return;
      }
      at += 4 + size;
    }
  }

  /**
   * The uncompressed bytes of entry `name` (a view into the archive for stored entries), after checking its sizes
   * and CRC-32; undefined when there is no such entry.
   */
  read(name: string): Uint8Array | undefined {
    const e = this.entries.get(name);
    if (!e) return undefined;
    const checked = this.checkedStored.get(name);
    if (checked) return checked;
    const n = this.bytes.byteLength;
    const label = `entry '${name}'`;
    if (e.localHeaderOffset + 30 > n || this.u32(e.localHeaderOffset) !== LOCAL) {
      this.fail(
        `${label}: its local header at byte ${e.localHeaderOffset} is missing or damaged (corrupt file)`,
      );
    }
    const start =
      e.localHeaderOffset + 30 + this.u16(e.localHeaderOffset + 26) + this.u16(e.localHeaderOffset + 28);
    if (start + e.compressedSize > n) {
      this.fail(
        `${label} declares ${e.compressedSize} bytes at byte ${start}, past the end of the ${n}-byte file ` +
          '(truncated file, or a size that lies)',
      );
    }
    const raw = this.bytes.subarray(start, start + e.compressedSize);
    let data: Uint8Array;
    if (e.method === 0) {
      if (e.compressedSize !== e.uncompressedSize) {
        this.fail(
          `${label} is stored uncompressed but declares ${e.compressedSize} stored and ${e.uncompressedSize} ` +
            'uncompressed bytes (a size that lies)',
        );
      }
      data = raw;
    } else if (e.method === 8) {
      if (e.uncompressedSize > e.compressedSize * MAX_DEFLATE_RATIO + 1024) {
        this.fail(
          `${label} declares ${e.uncompressedSize} bytes from ${e.compressedSize} compressed, more than deflate can ` +
            'expand (a size that lies)',
        );
      }
      try {
        data = inflateSync(raw, { out: new Uint8Array(e.uncompressedSize) });
      } catch (err) {
        this.fail(`${label}: its compressed data is corrupt (${(err as Error).message})`);
      }
      if (data.byteLength !== e.uncompressedSize) {
        this.fail(
          `${label} inflates to ${data.byteLength} bytes, not the ${e.uncompressedSize} it declares (corrupt file)`,
        );
      }
    } else {
      this.fail(`${label} uses compression method ${e.method}; only stored (0) and deflate (8) are read`);
    }
    const crc = CRC32.buf(data) >>> 0;
    if (crc !== e.crc32) {
      this.fail(
        `${label}: bad CRC-32 (the archive records ${hex(e.crc32)}, the bytes give ${hex(crc)}): the file is corrupt`,
      );
    }
    // A stored entry is a view into the archive: remember it, so that tensors sharing a storage (tied weights) do
    // not pay the CRC twice. Inflated entries are not kept (their memory is the caller's to hold or drop).
    if (e.method === 0) this.checkedStored.set(name, data);
    return data;
  }
}

function hex(v: number): string {
  return `0x${v.toString(16).padStart(8, '0')}`;
}
