/** Test helpers (not built, not exported): the definition of `tile` and the shapes both Tile tests run. */

/**
 * The flat index of the element of x (shape `shape`) that `tile(x, reps)` copies to the flat output index `flat`:
 * out[i_0, …] = x[i_0 mod s_0, …], computed index by index (row-major).
 */
export function tileSourceIndex(flat: number, shape: readonly number[], reps: readonly number[]): number {
  let rest = flat;
  let src = 0;
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    const outSize = shape[d]! * reps[d]!;
    src += ((rest % outSize) % shape[d]!) * stride;
    rest = Math.floor(rest / outSize);
    stride *= shape[d]!;
  }
  return src;
}

/** [x shape, reps]: scalars, ones, broadcast rows, tiled inner and outer axes, rank 4, an empty axis. */
export const TILE_CASES: [number[], number[]][] = [
  [[], []],
  [[3], [1]],
  [[3], [4]],
  [[1], [5]],
  [
    [2, 3],
    [2, 1],
  ],
  [
    [2, 3],
    [1, 3],
  ],
  [
    [2, 3],
    [2, 2],
  ],
  [
    [2, 1, 3],
    [2, 4, 2],
  ],
  [
    [1, 1, 4],
    [3, 5, 1],
  ],
  [
    [2, 3, 1],
    [1, 1, 4],
  ],
  [
    [16, 8, 1],
    [1, 1, 32],
  ],
  [
    [1, 1, 32],
    [4, 8, 1],
  ],
  [
    [2, 3, 1, 2],
    [3, 1, 2, 2],
  ],
  [
    [2, 1, 3, 2],
    [2, 3, 1, 2],
  ],
  [
    [2, 0, 3],
    [2, 2, 2],
  ],
];
