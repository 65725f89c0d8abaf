import { InvalidArgumentError, Option } from 'commander';
import { parseVariantList } from '../variant-names.js';
import { listAttentionNames } from '../variants.js';

/** Parses a positive integer flag; undefined stays undefined so callers can apply their defaults. */
export function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isInteger(n) || n <= 0)
    throw new Error(`--${flag} must be a positive integer, got '${value}'`);
  return n;
}

/** Parses an integer flag that may be 0 (warm-up runs, seeds). */
export function nonNegativeInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isInteger(n) || n < 0)
    throw new Error(`--${flag} must be a non-negative integer, got '${value}'`);
  return n;
}

/** Parses a positive number flag (seconds, ratios). */
export function positiveNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new Error(`--${flag} must be a positive number, got '${value}'`);
  return n;
}

/** Splits a comma-separated flag value. */
export function commaList(value: string | undefined): string[] | undefined {
  return value
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A commander argument parser from one of the checks above (its message becomes commander's "invalid" reason). */
function parser<T>(check: (value: string) => T): (value: string) => T {
  return (value) => {
    try {
      return check(value);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };
}

/** `--flag <n>`: a positive integer (`--steps -5` reaches the check, which names the flag and the value). */
export const asPositiveInt = (flag: string) => parser((v) => positiveInt(v, flag)!);
export const asNonNegativeInt = (flag: string) => parser((v) => nonNegativeInt(v, flag)!);
export const asPositiveNumber = (flag: string) => parser((v) => positiveNumber(v, flag)!);
/** A comma-separated list of positive integers. */
export const asPositiveIntList = (flag: string) =>
  parser((v) => {
    const list = commaList(v) ?? [];
    if (list.length === 0)
      throw new Error(`--${flag} must be a comma-separated list of positive integers, got '${v}'`);
    // Every bad item named at once (not only the first), so one correction fixes the list.
    const bad = list.filter((item) => !/^\d+$/.test(item) || Number(item) <= 0);
    if (bad.length > 0)
      throw new Error(
        // commander prints the whole argument before this reason: the reason names the bad items only.
        `--${flag} must be a comma-separated list of positive integers; not positive integers: ` +
          bad.map((item) => `'${item}'`).join(', '),
      );
    return list.map((item) => positiveInt(item, flag)!);
  });
/**
 * A comma-separated list of attentions and hybrids a+b (see `parseVariant`); errors name `flag`, what was expected
 * and what was given.
 */
export const asVariantList = (flag = '--attention') => parser((v) => parseVariantList(v, flag));

/** `--attention <names>` of the commands that run every registered attention unless told (compare, scaling). */
export function everyAttentionOption(): Option {
  return listOption(
    '--attention <names>',
    'comma-separated registered attentions or hybrids a+b (default: every registered one; see tost-bench --help)',
    asVariantList(),
    listAttentionNames(),
  );
}

/** An option holding a list, whose default is shown in help as it would be typed (a,b,c). */
export function listOption<T>(
  flags: string,
  description: string,
  parse: (value: string) => T[],
  defaultValue: T[],
): Option {
  return new Option(flags, description).argParser(parse).default(defaultValue, defaultValue.join(','));
}
