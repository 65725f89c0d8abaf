/**
 * Error thrown for malformed or missing dataset files. The message always names the file and, where it makes
 * sense, the 1-based line (or record) number, so a broken download can be found and fixed.
 */
export class LraDataError extends Error {
  constructor(
    readonly file: string,
    readonly location: { line?: number; record?: number } | undefined,
    problem: string,
  ) {
    const where =
      location?.line !== undefined
        ? `${file}:${location.line}`
        : location?.record !== undefined
          ? `${file} (record ${location.record})`
          : file;
    super(`${where}: ${problem}`);
    this.name = 'LraDataError';
  }
}
