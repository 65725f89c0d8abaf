// The test page: `window.tostConformance` lets the Node test (playwright) initialise a GPU backend and check one
// variant at a time. Every variant comes from @tost/variants' registry.
import * as tf from '@tensorflow/tfjs-core';
import { checkBackend, initBackend, describeBackendSelection, type BackendCheckReport } from '@tost/backend';
import { createAttention, listAttentionNames } from '@tost/variants';
import { checkVariant } from './checks.js';
import type { GoldenInput, VariantReport } from './cases.js';
import { maskReusedAfterUpload, reverseCumsumAcrossLengths, syncReadback } from './regressions.js';

export interface ConformancePage {
  /** Initialises cpu (the gradient reference) and then `backend`; returns initBackend's description. */
  init(backend: string): Promise<string>;
  /** The registered variant names, as the page's bundle sees them. */
  variants(): string[];
  check(name: string, golden: GoldenInput[]): Promise<VariantReport>;
  /** Live tensors and (WebGL) GPU bytes. */
  memory(): tf.MemoryInfo;
  /** @tost/backend's checkBackend on the page's backend (warnings not printed: the test reads the report). */
  checkBackend(): Promise<BackendCheckReport>;
  /** Reduced reproductions of the WebGPU failures (see regressions.ts). */
  reverseCumsumAcrossLengths: typeof reverseCumsumAcrossLengths;
  maskReusedAfterUpload: typeof maskReusedAfterUpload;
  syncReadback: typeof syncReadback;
}

let current = '';

const api: ConformancePage = {
  async init(backend) {
    await initBackend('cpu');
    const selection = await initBackend(backend);
    current = selection.tfBackendName;
    return describeBackendSelection(selection);
  },
  variants: () => [...listAttentionNames()],
  check: (name, golden) => checkVariant(name, current, golden),
  memory: () => tf.memory(),
  checkBackend: () => checkBackend({ warn: false }),
  reverseCumsumAcrossLengths,
  maskReusedAfterUpload,
  syncReadback,
};

(globalThis as unknown as { tostConformance: ConformancePage }).tostConformance = api;
// For reductions typed into the console (docs/upstream): the page's own tfjs.
(globalThis as unknown as { tf: typeof tf }).tf = tf;
(globalThis as unknown as { createAttention: typeof createAttention }).createAttention = createAttention;
document.getElementById('status')!.textContent = 'ready';
document.getElementById('status')!.dataset.state = 'ready';
