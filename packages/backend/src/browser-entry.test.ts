import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

describe('browser entry', () => {
  it('reads no Node globals and imports every browser backend with a literal specifier', () => {
    const source = readFileSync(here('./index.ts'), 'utf8');
    expect(source).not.toMatch(/process\.|require\(|node:/);
    for (const pkg of ['webgpu', 'webgl', 'cpu']) {
      expect(source).toContain(`import('@tensorflow/tfjs-backend-${pkg}')`);
    }
  });

  it('bundles for --platform=browser with no Node built-ins and no unresolved backend', async () => {
    const result = await build({
      entryPoints: [here('./index.ts')],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      splitting: true,
      outdir: 'out',
      logLevel: 'silent',
      metafile: true,
      // tfjs-backend-wasm's emscripten glue mentions Node modules it only loads in Node: its browser field maps them.
    });
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((p) => p.includes('tfjs-backend-webgl'))).toBe(true);
    expect(inputs.some((p) => p.includes('tfjs-backend-wasm'))).toBe(true);
    expect(inputs.filter((p) => /^node:|^(fs|path|worker_threads)$/.test(p))).toEqual([]);
  }, 120_000);
});
