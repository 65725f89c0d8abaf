import { expect } from 'vitest';

/**
 * Calls `fn`, asserts that it throws an `Error` whose message is one line (what a user reads in a terminal or log),
 * and returns that message for the caller's own checks (the file it names, the problem).
 */
export function expectOneLineError(fn: () => unknown): string {
  let error: unknown;
  try {
    fn();
  } catch (err) {
    error = err;
  }
  expect(error, 'must be refused').toBeInstanceOf(Error);
  const message = (error as Error).message;
  expect(message.includes('\n'), message).toBe(false);
  return message;
}
