// Bundles the test page (src/page.ts → dist/page.js, with the lazily imported backends as chunks) and copies
// index.html. esbuild, not Vite: one entry, no dev server, ~1 s.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath, URL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(`${root}dist`, { recursive: true, force: true });
mkdirSync(`${root}dist`, { recursive: true });
await build({
  entryPoints: [`${root}src/page.ts`],
  outdir: `${root}dist`,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  sourcemap: true,
  logLevel: 'warning',
  // tfjs-backend-wasm's Node branches name Node built-ins it never loads in a browser.
  external: ['fs', 'path', 'os', 'worker_threads', 'crypto', 'perf_hooks'],
});
copyFileSync(`${root}src/index.html`, `${root}dist/index.html`);
