// End-to-end: the built playground in Debian's Chromium (playwright-core, headless, WebGL and WebGPU on SwiftShader).
// Runs a short comparison on the wasm and cpu backends, checks that the charts and the Π heatmaps draw, streams 20
// tokens, fills the per-backend table for every variant, then compares and streams on webgl and webgpu, and saves a
// screenshot to test-results/playground.png. Fails on any page error, console error or error shown in the page.
import { listAttentionNames } from '@tost/variants';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import {
  choose,
  openPlayground,
  runAction,
  scalingRows,
  switchBackend,
  waitForBackend,
  type PlaygroundSession,
} from '../scripts/chromium.js';

let session: PlaygroundSession;
let page: Page;

/** Pixels of a canvas that are not transparent/white, and how many distinct colours they use. */
async function inkOf(selector: string): Promise<{ ink: number; colours: number }[]> {
  return page.$$eval(selector, (canvases) =>
    canvases.map((c) => {
      const canvas = c as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let ink = 0;
      const colours = new Set<number>();
      for (let i = 0; i < data.length; i += 4) {
        const [r, g, b, a] = [data[i]!, data[i + 1]!, data[i + 2]!, data[i + 3]!];
        if (a === 0 || (r > 250 && g > 250 && b > 250)) continue;
        ink++;
        colours.add((r << 16) | (g << 8) | b);
      }
      return { ink, colours: colours.size };
    }),
  );
}

/** Pixels of the time chart in a series colour (Chart.js draws the first series #1f77b4, the second #d62728). */
async function seriesPixels(selector: string, rgb: [number, number, number]): Promise<number> {
  return page.$eval(
    selector,
    (c, [r0, g0, b0]) => {
      const canvas = c as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (Math.abs(data[i]! - r0!) + Math.abs(data[i + 1]! - g0!) + Math.abs(data[i + 2]! - b0!) < 30) n++;
      }
      return n;
    },
    rgb,
  );
}

/** Cells of the per-backend table (variant, backend, ms; ms undefined where not measured). */
async function perBackendCells(): Promise<{ variant: string; backend: string; ms?: number }[]> {
  return page.$$eval('#backend-table tbody td[data-backend]', (cells) =>
    cells.map((c) => {
      const d = (c as HTMLElement).dataset;
      return { variant: d.variant!, backend: d.backend!, ...(d.ms ? { ms: Number(d.ms) } : {}) };
    }),
  );
}

beforeAll(async () => {
  session = await openPlayground('wasm');
  page = session.page;
}, 60_000);

afterAll(async () => {
  await session?.close();
});

describe('playground in Chromium', () => {
  it('starts on wasm through initBackend (bundled .wasm files found)', async () => {
    const { backend, text } = await waitForBackend(page);
    expect(backend).toBe('wasm');
    // The static server sends COOP/COEP, so the page is cross-origin isolated and tfjs loads the threaded build.
    expect(text).toMatch(/^wasm \(SIMD, multithreaded build, \d+ threads?\)$/);
  });

  it('offers every registered attention variant', async () => {
    const offered = await page.$$eval('#variant-choices input', (boxes) =>
      boxes.map((b) => (b as HTMLInputElement).value),
    );
    // Whatever @tost/variants registers (read from the descriptors, not a hand-kept list).
    expect(offered.sort()).toEqual([...listAttentionNames()].sort());
    expect(offered).toEqual(expect.arrayContaining(['tssa', 'softmax', 'causal-tssa']));
  });

  it('switches to cpu with the picker and measures there too', async () => {
    const { backend, text } = await switchBackend(page, 'cpu');
    expect(backend).toBe('cpu');
    expect(text).toBe('cpu');
    await choose(page, 'variant-choices', ['tssa', 'causal-tssa']);
    await choose(page, 'length-choices', ['256']);
    expect(await runAction(page, 'scaling-run', 'scaling-status')).toMatch(/^2 measurements on cpu/);
    const rows = await page.$$eval('#scaling-table tbody td:last-child', (cells) =>
      cells.map((c) => c.textContent),
    );
    expect(rows).toEqual(['cpu', 'cpu']);
  });

  it('switches back to wasm, compares tssa and softmax train steps and draws both series', async () => {
    expect((await switchBackend(page, 'wasm')).backend).toBe('wasm');
    await choose(page, 'variant-choices', ['tssa', 'softmax']);
    await choose(page, 'length-choices', ['256', '512']);
    const text = await runAction(page, 'scaling-run', 'scaling-status');
    expect(text).toMatch(/^4 measurements on wasm/);
    const rows = await scalingRows(page);
    expect(rows.map((r) => `${r.variant}@${r.length}`).sort()).toEqual([
      'softmax@256',
      'softmax@512',
      'tssa@256',
      'tssa@512',
    ]);
    for (const r of rows) expect(r.ms).toBeGreaterThan(0);
    const [time, memory] = await inkOf('#chart-time, #chart-memory');
    for (const chart of [time!, memory!]) {
      expect(chart.ink).toBeGreaterThan(2000);
      expect(chart.colours).toBeGreaterThan(3);
    }
    expect(await seriesPixels('#chart-time', [31, 119, 180])).toBeGreaterThan(30);
    expect(await seriesPixels('#chart-time', [214, 39, 40])).toBeGreaterThan(30);
  });

  it('draws TSSA membership Π heatmaps for a Pathfinder image and a ListOps sequence', async () => {
    expect(await runAction(page, 'membership-run', 'membership-status')).toMatch(
      /Pathfinder image: Π of 2 TSSA layers × 4 heads/,
    );
    const maps = await inkOf('#membership-maps canvas');
    expect(maps).toHaveLength(8);
    // Π varies over the image: every head's map uses many colours (a blank or constant map would use one).
    for (const m of maps) expect(m.colours).toBeGreaterThan(8);
    await page.selectOption('#membership-source', 'listops');
    expect(await runAction(page, 'membership-run', 'membership-status')).toMatch(
      /ListOps sequence of \d+ tokens/,
    );
    const strips = await inkOf('#membership-maps canvas');
    expect(strips).toHaveLength(8);
    for (const m of strips) expect(m.colours).toBeGreaterThan(4);
    await page.selectOption('#membership-source', 'pathfinder');
    await runAction(page, 'membership-run', 'membership-status');
  });

  it('streams 20 tokens from the causal TSSA language model and reports ms/token', async () => {
    await page.fill('#lm-tokens', '20');
    const text = await runAction(page, 'lm-run', 'lm-status');
    expect(text).toMatch(/^20 tokens, \d+(\.\d+)? ms\/token on wasm/);
    expect(await page.textContent('#lm-generated')).toHaveLength(20);
  });

  it('measures every variant on this backend into the per-backend table', async () => {
    expect(await runAction(page, 'sweep-run', 'sweep-status', 300_000)).toMatch(
      new RegExp(`^${listAttentionNames().length} variants at 256 tokens on wasm`),
    );
    const cells = await perBackendCells();
    for (const name of listAttentionNames()) {
      expect(cells.find((c) => c.variant === name && c.backend === 'wasm')?.ms, name).toBeGreaterThan(0);
    }
  });

  it('offers webgpu and webgl where the browser has them (Chromium with SwiftShader has both)', async () => {
    const options = await page.$$eval('#backend-choice option', (os) =>
      os.map((o) => ({
        value: (o as HTMLOptionElement).value,
        disabled: (o as HTMLOptionElement).disabled,
        available: (o as HTMLOptionElement).dataset.available,
      })),
    );
    expect(options.map((o) => o.value)).toEqual(['auto', 'webgpu', 'webgl', 'wasm', 'cpu']);
    for (const gpu of ['webgpu', 'webgl']) {
      expect(
        options.find((o) => o.value === gpu),
        gpu,
      ).toEqual({ value: gpu, disabled: false, available: 'true' });
    }
  });

  for (const gpu of ['webgl', 'webgpu']) {
    it(`switches to ${gpu}, compares tssa and softmax train steps and streams 10 tokens there`, async () => {
      const { backend, text } = await switchBackend(page, gpu);
      expect(backend).toBe(gpu);
      expect(text).toBe(gpu);
      await choose(page, 'variant-choices', ['tssa', 'softmax']);
      await choose(page, 'length-choices', ['256']);
      expect(await runAction(page, 'scaling-run', 'scaling-status', 300_000)).toMatch(
        new RegExp(`^2 measurements on ${gpu}`),
      );
      const rows = await scalingRows(page);
      expect(rows.map((r) => r.variant).sort()).toEqual(['softmax', 'tssa']);
      for (const r of rows) expect(r.ms).toBeGreaterThan(0);
      await page.fill('#lm-tokens', '10');
      expect(await runAction(page, 'lm-run', 'lm-status', 300_000)).toMatch(
        new RegExp(`^10 tokens, \\d+(\\.\\d+)? ms/token on ${gpu}`),
      );
      expect(await page.textContent('#lm-generated')).toHaveLength(10);
    });
  }

  it('shows train-step times per backend: every backend used has a column, tssa measured on each', async () => {
    const cells = await perBackendCells();
    for (const backend of ['wasm', 'cpu', 'webgl', 'webgpu']) {
      expect(cells.find((c) => c.variant === 'tssa' && c.backend === backend)?.ms, backend).toBeGreaterThan(
        0,
      );
    }
    const headers = await page.$$eval('#backend-table thead th', (ths) => ths.map((t) => t.textContent));
    // In the order the page first measured on each: cpu, wasm, webgl, webgpu.
    expect(headers).toEqual(['variant', 'cpu (ms)', 'wasm (ms)', 'webgl (ms)', 'webgpu (ms)']);
  });

  it('shows no error and saves a screenshot', async () => {
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/playground.png', fullPage: true });
    expect(await page.isHidden('#error')).toBe(true);
    expect(session.problems).toEqual([]);
  });
});
