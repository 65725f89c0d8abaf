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
  // The dev server serves linked workspace packages (@tost/backend) unbundled, so the backends they import lazily must
  // be pre-bundled explicitly: tfjs-backend-wasm's worker glue is CommonJS.
  optimizeDeps: {
    include: [
      '@tost/backend > @tensorflow/tfjs-backend-wasm',
      '@tost/backend > @tensorflow/tfjs-backend-webgl',
      '@tost/backend > @tensorflow/tfjs-backend-webgpu',
      '@tost/backend > @tensorflow/tfjs-backend-cpu',
    ],
  },
});
