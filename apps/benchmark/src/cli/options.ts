import { initBackend, describeBackendSelection } from '@tost/backend';
import { listAttentionNames } from '../variants.js';

/** Parses a positive integer flag; undefined stays undefined so callers can apply their defaults. */
export function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${flag} must be a positive integer, got '${value}'`);
  return n;
}

/** Parses an integer flag that may be 0 (warm-up runs, seeds). */
export function nonNegativeInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`--${flag} must be a non-negative integer, got '${value}'`);
  return n;
}

/** Parses a positive number flag (seconds, ratios). */
export function positiveNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${flag} must be a positive number, got '${value}'`);
  return n;
}

/** Splits a comma-separated flag value. */
export function commaList(value: string | undefined): string[] | undefined {
  return value
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Checks attention names against the registry, listing the registered ones on error. */
export function checkAttentions(names: string[]): string[] {
  const known = listAttentionNames();
  for (const n of names) {
    if (!known.includes(n)) throw new Error(`unknown attention '${n}'; registered: ${known.join(', ')}`);
  }
  return names;
}

/** Initialises the requested backend (flag, then TOST_BACKEND, then auto) and says which one runs. */
export async function selectBackend(flag: string | undefined): Promise<string> {
  const selection = await initBackend(flag ?? process.env.TOST_BACKEND ?? 'auto');
  console.log(`backend: ${describeBackendSelection(selection)}`);
  return selection.name;
}
