import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Error for a data package that is missing or damaged: the message names the npm package, what is wrong, and how to
 * get it back.
 */
export class DataPackageError extends Error {
  constructor(
    readonly packageName: string,
    problem: string,
  ) {
    super(
      `${packageName}: ${problem}. Install it with \`pnpm add ${packageName}\` (or \`npm install ${packageName}\`); ` +
        'in the ToST.js repository `pnpm install` brings it',
    );
    this.name = 'DataPackageError';
  }
}

/**
 * The directory of an installed npm data package, resolved from this module (or `from/node_modules/<package>`).
 * Throws `DataPackageError` naming the package when it is not installed or lacks `file`.
 */
export function dataPackageDir(packageName: string, file: string, from?: string): string {
  let dir: string;
  if (from !== undefined) {
    dir = join(from, 'node_modules', ...packageName.split('/'));
    if (!existsSync(join(dir, 'package.json')))
      throw new DataPackageError(packageName, `the package is not installed in ${from}`);
  } else {
    try {
      dir = dirname(createRequire(import.meta.url).resolve(`${packageName}/package.json`));
    } catch {
      throw new DataPackageError(packageName, 'the package is not installed');
    }
  }
  if (!existsSync(join(dir, file))) {
    throw new DataPackageError(
      packageName,
      `the package in ${dir} has no ${file} (damaged or another version?)`,
    );
  }
  return dir;
}
