import { describe, it, expect } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILT_CLI, trainTinyListOps, writeTinyListOps } from './spawn-cli.test-helper.js';

interface Result {
  curve: { step: number; loss: number; gradNorm: number }[];
  finalTest: { accuracy: number; loss: number };
}

describe('tost-bench lra --seed: same seed, same backend ⇒ the same curve, bit for bit', () => {
  it('two runs with --seed 5 agree exactly (loss, gradient norm, test loss); --seed 6 differs from step 1', async () => {
    expect(existsSync(BUILT_CLI), `${BUILT_CLI} is missing: build the app first`).toBe(true);
    const root = mkdtempSync(join(tmpdir(), 'seed-'));
    const data = writeTinyListOps(join(root, 'data'));
    const run = async (seed: number, out: string): Promise<Result> => {
      const r = await trainTinyListOps(root, 'tssa', { steps: 4, seed, out, data });
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(readFileSync(join(r.runDir, 'result.json'), 'utf8')) as Result;
    };
    // concurrently, sharing the --data folder
    const [a, b, c] = await Promise.all([run(5, 'a'), run(5, 'b'), run(6, 'c')]);
    expect(a.curve).toHaveLength(4);
    expect(b.curve.map((p) => [p.loss, p.gradNorm])).toEqual(a.curve.map((p) => [p.loss, p.gradNorm]));
    expect(b.finalTest).toEqual(a.finalTest);
    expect(c.curve[0]!.loss).not.toBe(a.curve[0]!.loss);
  }, 180_000);
});
