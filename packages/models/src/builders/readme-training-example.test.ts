import { it, expect, vi } from 'vitest';
import { describeOn } from '../test-helpers.js';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tost/backend';
import { buildSequenceClassifier } from '../index.js';

const README = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'README.md');

/** The README's training example, without its import lines (the test provides those names). */
function readmeExample(): string {
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf('<!-- training-example');
  expect(start, 'README has the training example').toBeGreaterThan(0);
  const code = /```ts\n([\s\S]*?)```/.exec(text.slice(start))![1]!;
  return code
    .split('\n')
    .filter((line) => !line.startsWith('import '))
    .join('\n');
}

describeOn('wasm', 'README: training a classifier', () => {
  it('runs as written: the first loss is ≈ ln 3 and training lowers it', async () => {
    const logged: unknown[] = [];
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const fakeConsole = { log: (v: unknown) => logged.push(v) };
    const run = new Function(
      'tf',
      'initBackend',
      'buildSequenceClassifier',
      'console',
      `return (async () => {\n${readmeExample()}\nreturn model;\n})();`,
    ) as (...args: unknown[]) => Promise<{ dispose(): void }>;
    const model = await run(tf, () => initBackend('wasm'), buildSequenceClassifier, fakeConsole);
    const [first, last] = logged as [number, number];
    expect(Math.abs(first - Math.log(3))).toBeLessThan(0.25);
    expect(last).toBeLessThan(0.8 * first);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/outputs logits/));
    warn.mockRestore();
    model.dispose();
  }, 60_000);
});
