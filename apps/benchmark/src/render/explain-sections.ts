import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExtraSection } from './report-page.js';

/**
 * Reads the `section.json` ({title, html}) that `tost-bench explain` writes into each of `dirs`, for the report page.
 * A missing or malformed file is an error naming it: a report silently without its explain section would mislead.
 */
export function readExplainSections(dirs: readonly string[]): ExtraSection[] {
  return dirs.map((dir) => {
    const file = join(dir, 'section.json');
    if (!existsSync(file)) {
      throw new Error(`--explain: ${file} does not exist (run tost-bench explain --out ${dir} first)`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`--explain: ${file} is not valid JSON: ${(err as Error).message}`);
    }
    const section = parsed as Partial<ExtraSection> | null;
    if (typeof section?.title !== 'string' || typeof section.html !== 'string') {
      throw new Error(`--explain: ${file} must hold {"title": string, "html": string}`);
    }
    return { title: section.title, html: section.html };
  });
}
