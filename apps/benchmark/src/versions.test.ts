import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { versions } from './versions.js';

describe('versions()', () => {
  it("records node, tfjs and this app's own version (none of them 'unknown')", () => {
    const own = (
      JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
    ).version;
    const v = versions();
    expect(v['@tost/benchmark']).toBe(own);
    expect(v.tfjsLayers).toMatch(/^\d+\.\d+\.\d+/);
    expect(v.node).toBe(process.version);
  });
});
