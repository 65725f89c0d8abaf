import { describe, it, expect } from 'vitest';
import { fileURLToPath } from 'node:url';
import { builtinModules } from 'node:module';
import { build } from 'esbuild';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

async function bundle(entry: string, platform: 'browser' | 'node') {
  return build({
    entryPoints: [here(entry)],
    bundle: true,
    write: false,
    format: 'esm',
    platform,
    logLevel: 'silent',
    metafile: true,
    external: platform === 'node' ? ['pngjs'] : [],
  });
}

describe('@tost/lra entries', () => {
  it('the main entry bundles with --platform=browser and pulls in no Node built-in or pngjs', async () => {
    const result = await bundle('./index.ts', 'browser');
    expect(result.errors).toEqual([]);
    const imports = Object.values(result.metafile.inputs).flatMap((input) =>
      input.imports.map((i) => i.path),
    );
    expect(imports.filter((p) => nodeBuiltins.has(p))).toEqual([]);
    expect(Object.keys(result.metafile.inputs).filter((p) => p.includes('pngjs'))).toEqual([]);
    expect(Object.keys(result.metafile.inputs).some((p) => p.endsWith('listops/generate.ts'))).toBe(true);
  }, 60_000);

  it('the /node entry is where the file loaders live (it needs Node built-ins)', async () => {
    await expect(bundle('./node.ts', 'browser')).rejects.toThrow(
      /Could not resolve "(node:)?(fs|path|zlib|stream)"/,
    );
    const node = await bundle('./node.ts', 'node');
    expect(Object.keys(node.metafile.outputs).length).toBeGreaterThan(0);
  }, 60_000);

  it('the browser entry exports the generators and batching, the node entry adds the loaders', async () => {
    const browser = await import('./index.js');
    const node = await import('./node.js');
    for (const name of [
      'generateListOps',
      'generatePathfinderSample',
      'encodeListOps',
      'iterateBatches',
      'Prng',
    ])
      expect(typeof (browser as Record<string, unknown>)[name]).toBe('function');
    for (const name of ['loadListOps', 'loadPathfinder', 'generateLraData', 'encodeGrayPng', 'loadLra'])
      expect(typeof (node as Record<string, unknown>)[name]).toBe('function');
    expect('loadListOps' in browser).toBe(false);
  });
});
