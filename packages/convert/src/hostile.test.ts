import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectOneLineError } from '@tost/vitest-config';
import { readCheckpointFile } from './node.js';
import { PWNED, safetensorsCases, torchCases, type HostileCase } from './hostile-cases.js';
import { fixtureBytes } from './test-helpers.js';

/**
 * Damaged and malicious files, generated from the small valid fixtures: each must give ONE line naming the file and
 * the problem, and run nothing. (Time and peak memory per case: tools/hostile/measure.mjs, docs/hostile-inputs.md.)
 * With HOSTILE_OUT=DIR the generated files are also written there, for that measurement.
 */
const out = process.env.HOSTILE_OUT;
const dir = out ?? mkdtempSync(join(tmpdir(), 'tost-hostile-'));
mkdirSync(dir, { recursive: true });
afterAll(() => {
  if (!out) rmSync(dir, { recursive: true, force: true });
});

const cases: HostileCase[] = [
  ...torchCases(fixtureBytes('nanogpt-train.pth')),
  ...safetensorsCases(fixtureBytes('nanogpt-hf/model.safetensors')),
];
if (out) {
  writeFileSync(
    join(dir, 'cases.json'),
    JSON.stringify(
      cases.map(({ reader, name, file, expected }) => ({ reader, name, file, expected: expected.source })),
    ),
  );
}

describe('hostile checkpoint files: one line naming the file and the problem, nothing executed', () => {
  it('the valid sources of the cases read without error', () => {
    expect(readCheckpointFile(join(__dirname, '..', 'fixtures', 'nanogpt-train.pth')).tensors.size).toBe(17);
  });

  for (const c of cases) {
    it(`${c.reader}: ${c.name}`, () => {
      const file = join(dir, c.file);
      writeFileSync(file, c.bytes);
      const existed = existsSync(PWNED);
      const message = expectOneLineError(() => readCheckpointFile(file));
      expect(message.startsWith(`${file}: `), message).toBe(true);
      expect(message.slice(file.length + 2)).toMatch(c.expected);
      expect(existsSync(PWNED), 'a pickle ran code').toBe(existed);
    });
  }
});
