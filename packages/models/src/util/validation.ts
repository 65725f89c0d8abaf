/** Option checks shared by the layers and builders: each error names the owner, the option, what was expected and what was given. */

export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `[${value.map(describeValue).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([key, entry]) => `${key}: ${describeValue(entry)}`);
    return entries.length ? `{ ${entries.join(', ')} }` : '{}';
  }
  return String(value);
}

export function requirePositiveInteger(owner: string, option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new RangeError(
      `${owner}: option '${option}' must be a positive integer, got ${describeValue(value)}`,
    );
  }
  return value;
}

export function requireIntegerAtLeast(owner: string, option: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new RangeError(
      `${owner}: option '${option}' must be an integer ≥ ${min}, got ${describeValue(value)}`,
    );
  }
  return value;
}

/**
 * `value` (or `fallback` when undefined) if it is a number passing `accepts`; otherwise a RangeError "<owner>: option
 * '<option>' must be <expected>, got <value>".
 */
function requireNumber(
  owner: string,
  option: string,
  value: unknown,
  fallback: number | undefined,
  accepts: (v: number) => boolean,
  expected: string,
): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !accepts(v)) {
    throw new RangeError(`${owner}: option '${option}' must be ${expected}, got ${describeValue(v)}`);
  }
  return v;
}

export function requireRate(owner: string, option: string, value: unknown, fallback = 0): number {
  return requireNumber(owner, option, value, fallback, (v) => v >= 0 && v < 1, 'a number in [0, 1)');
}

export function requirePositiveNumber(
  owner: string,
  option: string,
  value: unknown,
  fallback?: number,
): number {
  const accepts = (v: number) => Number.isFinite(v) && v > 0;
  return requireNumber(owner, option, value, fallback, accepts, 'a positive finite number');
}

export function requireNonNegativeNumber(
  owner: string,
  option: string,
  value: unknown,
  fallback?: number,
): number {
  const accepts = (v: number) => Number.isFinite(v) && v >= 0;
  return requireNumber(owner, option, value, fallback, accepts, 'a finite number ≥ 0');
}

export function requireOneOf<T extends string>(
  owner: string,
  option: string,
  value: unknown,
  allowed: readonly T[],
  fallback?: T,
): T {
  const v = value ?? fallback;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new RangeError(
      `${owner}: option '${option}' must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describeValue(v)}`,
    );
  }
  return v as T;
}

export function requireDivides(owner: string, heads: number, dim: number): void {
  if (dim % heads !== 0) {
    throw new RangeError(`${owner}: option 'heads' (${heads}) must divide 'dim' (${dim})`);
  }
}

export function requireBoolean(owner: string, option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new TypeError(`${owner}: option '${option}' must be a boolean, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * Throws a TypeError naming every key of `options` that `known` lacks: in JavaScript a misspelt option (`dropot`)
 * would otherwise be ignored silently and the default used. `known` is a record over the options type's keys so the
 * compiler keeps it complete.
 */
export function rejectUnknownOptions(owner: string, options: unknown, known: Record<string, true>): void {
  // A missing or non-object options argument is left to the builder's own check, which names it.
  if (options == null || typeof options !== 'object') return;
  const unknown = Object.keys(options).filter((key) => !Object.prototype.hasOwnProperty.call(known, key));
  if (unknown.length === 0) return;
  throw new TypeError(
    `${owner}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}; ` +
      `expected any of ${Object.keys(known).join(', ')}`,
  );
}
