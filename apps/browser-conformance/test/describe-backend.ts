// Every variant registered by @tost/variants on one GPU backend a browser user gets (WebGL 2 or WebGPU, on SwiftShader
// in headless Chromium), all in one page: golden forward (float64 reference), input gradient of ⟨y, r⟩ vs the cpu
// backend in the same page, masks, leaks (tf.memory() on the GPU backend) and a save/load round trip.
// Writes test-results/gpu-<backend>.json (every error measured) for the table in the README.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { listAttentions } from '@tost/variants';
import { openPage, type BrowserSession } from './chromium.js';
import { goldenCasesFor } from './golden-cases.js';
import type { GoldenInput, VariantReport } from '../src/cases.js';
import type { ConformancePage } from '../src/page.js';

/** Relative error limits: float32 vs float64 golden, and GPU vs cpu (both float32). */
const FORWARD_LIMIT = 1e-4;
const GRADIENT_LIMIT = 1e-4;
/** Outputs at real tokens when padded tokens change (float32 noise only). */
const PADDING_LIMIT = 1e-5;

// TOST_GPU_VARIANTS (a comma list) narrows a run while debugging; CI runs every registered variant.
const only = (v: string | undefined) => (v ? v.split(',').map((s) => s.trim()) : undefined);
const wanted = only(process.env.TOST_GPU_VARIANTS);
const registered = listAttentions();
const variants = wanted ? registered.filter((d) => wanted.includes(d.name)) : registered;

const fmt = (e: number) => e.toExponential(1);

/**
 * The golden cases run in the browser: the first of each variant (the reference's smallest masked shape; the random
 * checks add another length and the regression tests several), to keep the wall time in check on SwiftShader.
 * TOST_GPU_ALL_GOLDEN=1 runs all of them (66 for the 20 variants registered at the time of writing).
 */
function goldenSubset(cases: GoldenInput[]): GoldenInput[] {
  return process.env.TOST_GPU_ALL_GOLDEN === '1' ? cases : cases.slice(0, 1);
}

/** The page's handle, for `page.evaluate` callbacks (they run in the browser: keep this inline there). */
export type PageGlobal = { tostConformance: ConformancePage };

/**
 * Registers the suite of one backend: one Chromium page, every registered variant in it. `extra` adds backend-specific
 * tests that run in the same page after the variants (given the session).
 */
export function describeGpuBackend(
  backend: 'webgl' | 'webgpu',
  extra?: (session: () => BrowserSession) => void,
): void {
  describe(`every variant on ${backend} in Chromium (SwiftShader)`, () => {
    let session: BrowserSession;
    const reports: VariantReport[] = [];

    beforeAll(async () => {
      session = await openPage(backend);
    }, 60_000);

    afterAll(async () => {
      await session?.close();
      mkdirSync('test-results', { recursive: true });
      writeFileSync(`test-results/gpu-${backend}.json`, JSON.stringify(reports, null, 1));
    });

    it(`initialises ${backend} through initBackend, and the page registers the same variants`, async () => {
      const text = await session.page.evaluate(
        (b) => (globalThis as unknown as PageGlobal).tostConformance.init(b),
        backend,
      );
      expect(text).toBe(backend);
      const offered = await session.page.evaluate(() =>
        (globalThis as unknown as PageGlobal).tostConformance.variants(),
      );
      expect(offered.sort()).toEqual(registered.map((d) => d.name).sort());
    });

    it(`checkBackend (@tost/backend) finds ${backend} in agreement with cpu`, async () => {
      const report = await session.page.evaluate(() =>
        (globalThis as unknown as PageGlobal).tostConformance.checkBackend(),
      );
      expect(report.backend).toBe(backend);
      expect(report.probes.length).toBeGreaterThanOrEqual(4);
      expect(report.warnings, `checkBackend on ${backend}`).toEqual([]);
    });

    for (const descriptor of variants) {
      const golden = goldenSubset(goldenCasesFor(descriptor));
      it(`${descriptor.name} on ${backend}: ${golden.length} golden forward(s) and gradients vs cpu, masks, leaks, save/load`, async () => {
        const report: VariantReport = await session.page.evaluate(
          ({ name, cases }: { name: string; cases: unknown }) =>
            (globalThis as unknown as PageGlobal).tostConformance.check(name, cases as GoldenInput[]),
          { name: descriptor.name, cases: golden as unknown },
        );
        reports.push(report);
        const where = `${descriptor.name} on ${backend}`;
        expect.soft(report.errors, `${where}: checks that threw`).toEqual([]);
        expect.soft(report.golden.length, `${where}: golden cases run`).toBe(golden.length);
        for (const g of report.golden) {
          expect
            .soft(
              g.forwardError,
              `${where}, golden ${g.label}: forward relative error ${fmt(g.forwardError)}`,
            )
            .toBeLessThan(FORWARD_LIMIT);
          expect
            .soft(
              g.gradientError,
              `${where}, golden ${g.label}: input gradient vs cpu, relative error ${fmt(g.gradientError)}`,
            )
            .toBeLessThan(GRADIENT_LIMIT);
        }
        const r = report.random;
        expect(r, `${where}: random-input checks ran`).toBeDefined();
        if (!r) return;
        const shape = `random x ${r.shape.slice(0, 3).join('×')}, heads ${r.shape[3]}`;
        expect
          .soft(r.forwardError, `${where}, ${shape}: forward vs cpu ${fmt(r.forwardError)}`)
          .toBeLessThan(FORWARD_LIMIT);
        expect
          .soft(r.gradientError, `${where}, ${shape}: input gradient vs cpu ${fmt(r.gradientError)}`)
          .toBeLessThan(GRADIENT_LIMIT);
        expect
          .soft(
            r.maskedGradientError,
            `${where}, ${shape}: masked input gradient vs cpu ${fmt(r.maskedGradientError)}`,
          )
          .toBeLessThan(GRADIENT_LIMIT);
        expect
          .soft(
            r.paddingLeak,
            `${where}, ${shape}: real-token outputs change with padded tokens by ${fmt(r.paddingLeak)}`,
          )
          .toBeLessThan(PADDING_LIMIT);
        expect.soft(r.leakedTensors, `${where}: tensors leaked on ${backend}`).toEqual({
          forward: 0,
          maskedForward: 0,
          backward: 0,
        });
        expect
          .soft(
            r.saveLoadError,
            `${where}: save/load round trip changed the output by ${fmt(r.saveLoadError)}`,
          )
          .toBe(0);
      });
    }

    it(`shows no page or console error on ${backend}`, () => {
      expect(session.problems.join('\n')).toBe('');
    });

    extra?.(() => session);
  });
}
