import { defineConfig } from 'vite';

// Cross-origin isolation (COOP + COEP) lets the wasm backend use threads (SharedArrayBuffer); a static host must send
// the same two headers for the threaded build to be chosen, otherwise tfjs falls back to single-threaded SIMD.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  base: './',
  server: { headers: isolation },
  preview: { headers: isolation },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
  // The wasm backend locates its .wasm files itself (we pass their URLs): do not pre-bundle it in dev.
  optimizeDeps: { exclude: ['@tensorflow/tfjs-backend-wasm'] },
});
