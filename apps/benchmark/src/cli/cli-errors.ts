import { readFileSync } from 'node:fs';

/**
 * How tost-bench reports a failed command: every error that reaches the top level (a damaged or wrong input file, a
 * bad option, a failed run) becomes ONE line on stderr, `tost-bench: <message>`, and exit code 1 — never a stack
 * trace. Multi-line messages (e.g. a state-dict mismatch listing keys) are joined with "; ". Set TOST_BENCH_DEBUG=1
 * to get the stack as well.
 */
export function errorLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const line = message
    .split(/\r?\n/)
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .join('; ');
  return `tost-bench: ${line || (err instanceof Error ? err.name : 'unknown error')}`;
}

/** Prints `errorLine(err)` (and the stack with TOST_BENCH_DEBUG=1) and exits with code 1. */
export function exitWithError(err: unknown): never {
  process.stderr.write(`${errorLine(err)}\n`);
  if (process.env.TOST_BENCH_DEBUG && err instanceof Error && err.stack)
    process.stderr.write(`${err.stack}\n`);
  process.exit(1);
}

/**
 * The top-level handler of the CLI process: a command's rejected promise, and errors that escape it (an exception
 * in a callback, a rejection nobody awaited), all end as one line via `exitWithError`.
 */
export function handleErrorsAtTopLevel(main: Promise<unknown>): void {
  process.on('uncaughtException', exitWithError);
  process.on('unhandledRejection', exitWithError);
  main.catch(exitWithError);
}

/**
 * Runs `read` on the user's file `file`; an error whose message does not name the file is re-thrown with
 * "FILE: " in front, so that the one line says which file is damaged or wrong.
 */
export function namingFile<T>(file: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    throw withFileName(file, err);
  }
}

/** `namingFile` for asynchronous reads. */
export async function namingFileAsync<T>(file: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    throw withFileName(file, err);
  }
}

/** System errors a person can act on, in words (Node's message is "ENOENT: no such file or directory, open '…'"). */
const SYSTEM_ERRORS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory, expected a file',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
};

function withFileName(file: string, err: unknown): Error {
  const error = err instanceof Error ? err : new Error(String(err));
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && SYSTEM_ERRORS[code]) {
    error.message = `${file}: ${SYSTEM_ERRORS[code]}`;
    return error;
  }
  if (!error.message.includes(file)) error.message = `${file}: ${error.message}`;
  return error;
}

/** A JSON file the user points at (a leading UTF-8 byte-order mark is ignored); errors name the file. */
export function readJsonFile(file: string): unknown {
  return namingFile(file, () => {
    const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new Error(`not valid JSON (${(err as Error).message})`);
    }
  });
}
