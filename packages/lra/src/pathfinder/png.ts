import { PNG } from 'pngjs';

/** Encodes grey pixels as an 8-bit greyscale PNG. */
export function encodeGrayPng(pixels: Uint8Array, width: number, height: number): Buffer {
  if (pixels.length !== width * height) {
    throw new Error(
      `encodeGrayPng: expected ${width * height} pixels for ${width}×${height}, got ${pixels.length}`,
    );
  }
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false });
  png.data = Buffer.from(pixels.buffer, pixels.byteOffset, pixels.length);
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false });
}

/**
 * Decodes a PNG to grey values: greyscale images as stored, colour images by ITU-R 601 luma (rounded). Throws
 * (with pngjs's reason) on truncated or corrupt data.
 */
export function decodeGrayPng(bytes: Buffer): { width: number; height: number; pixels: Uint8Array } {
  const png = PNG.sync.read(bytes);
  const { width, height, data } = png;
  const pixels = new Uint8Array(width * height);
  for (let i = 0; i < pixels.length; i++) {
    const r = data[4 * i]!;
    const g = data[4 * i + 1]!;
    const b = data[4 * i + 2]!;
    pixels[i] = r === g && g === b ? r : Math.round(0.299 * r + 0.587 * g + 0.114 * b);
  }
  return { width, height, pixels };
}
