import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { golden } from './golden.js';
import { BUILT_IN_VARIANTS, listAttentions } from './index.js';

describe('@tost/variants', () => {
  it('is in sync with the workspace (every package declaring "tost.variants" is imported, every ./golden gathered)', () => {
    const script = fileURLToPath(new URL('../scripts/sync.mjs', import.meta.url));
    const result = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('registers every name each package declares, with a complete descriptor', () => {
    const registered = new Map(listAttentions().map((d) => [d.name, d]));
    const declared = BUILT_IN_VARIANTS.flatMap((v) => v.names);
    expect(declared).toEqual(expect.arrayContaining(['tssa', 'causal-tssa', 'softmax', 'softmax-causal', 'mssa']));
    for (const name of declared) {
      const d = registered.get(name);
      expect(d, `'${name}' registered`).toBeDefined();
      expect(d!.description.length, `'${name}' description`).toBeGreaterThan(10);
      expect(d!.paper.title.length, `'${name}' paper`).toBeGreaterThan(3);
      expect(typeof d!.parameterCount({ dim: 8, heads: 2, maxLength: 16 })).toBe('number');
    }
  });

  it('gathers the golden declarations keyed by declared variant names', () => {
    const declared = new Set(BUILT_IN_VARIANTS.flatMap((v) => v.names));
    const names = Object.keys(golden);
    expect(names).toEqual(expect.arrayContaining(['tssa', 'causal-tssa', 'softmax', 'gla', 'xca', 'selective']));
    for (const name of names) {
      expect(declared.has(name), `golden '${name}' is a declared variant name`).toBe(true);
      expect(golden[name]!.kind.length, `golden '${name}' kind`).toBeGreaterThan(0);
    }
  });
});
