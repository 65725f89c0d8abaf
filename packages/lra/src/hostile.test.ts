import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectOneLineError } from '@tost/vitest-config';
import { writeHostileDataCases, type HostileDataCase } from './hostile-cases.js';
import { loadListOpsFile } from './listops/load.js';
import { loadPathfinder } from './pathfinder/load.js';
import { loadRetrievalFile } from './retrieval.js';
import { loadText } from './text.js';

/**
 * Damaged data files, generated from small valid ones: each loader must refuse them with ONE line naming the file
 * and the problem. (Time and peak memory per case: tools/hostile/measure.mjs, docs/hostile-inputs.md.) With
 * HOSTILE_OUT=DIR the files stay there, with cases.json, for that measurement.
 */
const out = process.env.HOSTILE_OUT;
const dir = out ? path.join(out, 'lra') : fs.mkdtempSync(path.join(os.tmpdir(), 'lra-hostile-'));
afterAll(() => {
  if (!out) fs.rmSync(dir, { recursive: true, force: true });
});

function loadCase(c: Pick<HostileDataCase, 'reader' | 'path'>): void {
  if (c.reader === 'listops') loadListOpsFile(c.path, 'train');
  else if (c.reader === 'retrieval') loadRetrievalFile(c.path, 'train');
  else if (c.reader === 'text') loadText(c.path);
  else {
    const splits = loadPathfinder(c.path);
    // eager by default at 32 px: every image was decoded already
    expect(splits.train.size).toBeGreaterThan(0);
  }
}

const cases = writeHostileDataCases(dir);
if (out) {
  fs.writeFileSync(
    path.join(dir, 'cases.json'),
    JSON.stringify(cases.map((c) => ({ ...c, expected: c.expected.source }))),
  );
}

describe('hostile LRA data files: one line naming the file and the problem', () => {
  for (const c of cases) {
    it(`${c.reader}: ${c.name}`, () => {
      const message = expectOneLineError(() => loadCase(c));
      expect(message.includes(c.names), `${message} names ${c.names}`).toBe(true);
      expect(message).toMatch(c.expected);
    });
  }
});
