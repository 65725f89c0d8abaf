import { describe, it, expect } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILT_CLI, runBuiltCli, trainTinyListOps, writeTinyListOps } from './spawn-cli.test-helper.js';

const GONE = /explain: the run's data folder .* is gone: these examples come from /;

describe('tost-bench explain: substituted data is announced', () => {
  it("says so (log and page) when the run's data folder is gone and other or freshly generated data stands in", async () => {
    expect(existsSync(BUILT_CLI), `${BUILT_CLI} is missing: build the app first`).toBe(true);
    const root = mkdtempSync(join(tmpdir(), 'explain-sub-'));
    const trained = await trainTinyListOps(root, 'tssa');
    expect(trained.code, trained.stderr).toBe(0);
    const { data, runDir } = trained;
    rmSync(data, { recursive: true });
    const explain = (cwd: string, out: string) =>
      runBuiltCli(
        ['explain', '--run', runDir, '--inputs', '2', '--out', join(root, out), '--backend', 'wasm'],
        cwd,
      );

    // another ListOps set where explain looks by default (./data/listops) stands in
    const withData = mkdtempSync(join(tmpdir(), 'explain-cwd-'));
    writeTinyListOps(join(withData, 'data', 'listops'), 2);
    const other = await explain(withData, 'explain-other');
    expect(other.code, other.stderr).toBe(0);
    expect(other.stdout).toMatch(
      new RegExp(`${GONE.source}data[/\\\\]listops, NOT the data the model was trained and tested on`),
    );
    expect(readFileSync(join(root, 'explain-other', 'index.html'), 'utf8')).toMatch(
      /NOT the data the model was trained and tested on/,
    );

    // no data anywhere: a freshly generated set stands in
    const empty = mkdtempSync(join(tmpdir(), 'explain-cwd-empty-'));
    const fresh = await explain(empty, 'explain-fresh');
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stdout).toMatch(
      /explain: no listops data under data: generating a small \(quick\) set .*substitute data/,
    );
    expect(fresh.stdout).toMatch(
      new RegExp(
        `${GONE.source}.* \\(freshly generated\\), NOT the data the model was trained and tested on`,
      ),
    );
  }, 180_000);
});
