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

export function requireRate(owner: string, option: string, value: unknown, fallback = 0): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) {
    throw new RangeError(`${owner}: option '${option}' must be a number in [0, 1), got ${describeValue(v)}`);
  }
  return v;
}

export function requirePositiveNumber(
  owner: string,
  option: string,
  value: unknown,
  fallback?: number,
): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new RangeError(
      `${owner}: option '${option}' must be a positive finite number, got ${describeValue(v)}`,
    );
  }
  return v;
}

export function requireNonNegativeNumber(
  owner: string,
  option: string,
  value: unknown,
  fallback?: number,
): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new RangeError(`${owner}: option '${option}' must be a finite number ≥ 0, got ${describeValue(v)}`);
  }
  return v;
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
