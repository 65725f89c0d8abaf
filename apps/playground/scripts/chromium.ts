/**
 * Serves the built playground (dist/, with the COOP/COEP headers of vite.config.ts) and opens it in Debian's
 * Chromium through playwright-core. Shared by the end-to-end test and scripts/measure.ts. Never downloads a browser.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { preview, type PreviewServer } from 'vite';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const root = fileURLToPath(new URL('..', import.meta.url));

export interface PlaygroundSession {
  browser: Browser;
  page: Page;
  url: string;
  /** Uncaught page errors and console errors, in order. */
  problems: string[];
  close: () => Promise<void>;
}

/** Starts the static server and the browser, and opens the page at `?backend=<backend>`. */
export async function openPlayground(backend: string): Promise<PlaygroundSession> {
  if (!existsSync(`${root}dist/index.html`)) {
    throw new Error(`${root}dist/index.html is missing: run \`pnpm --filter @tost/playground build\` first`);
  }
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH)`,
    );
  }
  const server: PreviewServer = await preview({
    root,
    logLevel: 'warn',
    preview: { host: '127.0.0.1', port: 4173, strictPort: false, open: false },
  });
  const base = server.resolvedUrls?.local[0];
  if (!base) throw new Error('vite preview did not report a URL');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      // WebGL 2 runs on SwiftShader by default; WebGPU needs these (Dawn on SwiftShader's Vulkan, page on 127.0.0.1).
      '--enable-unsafe-webgpu',
      '--use-webgpu-adapter=swiftshader',
      '--enable-features=Vulkan',
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  const url = `${base}?backend=${backend}`;
  await page.goto(url);
  return {
    browser,
    page,
    url,
    problems,
    close: async () => {
      await browser.close();
      await new Promise<void>((resolve, reject) =>
        server.httpServer.close((e) => (e ? reject(e) : resolve())),
      );
    },
  };
}

/** Waits until the backend in use is ready (or failed) and returns its description; throws on failure. */
export async function waitForBackend(page: Page): Promise<{ backend: string; text: string }> {
  await page.waitForSelector('#backend-used[data-state="ready"], #backend-used[data-state="error"]');
  const state = await page.getAttribute('#backend-used', 'data-state');
  const text = (await page.textContent('#backend-used')) ?? '';
  if (state !== 'ready') throw new Error(`backend failed: ${text}; ${await page.textContent('#error')}`);
  return { backend: (await page.getAttribute('#backend-used', 'data-backend')) ?? '', text };
}

/** Switches the page to `backend` with the picker. */
export async function switchBackend(page: Page, backend: string): Promise<{ backend: string; text: string }> {
  await page.selectOption('#backend-choice', backend);
  await page.click('#backend-apply');
  await page.waitForSelector(
    `#backend-used[data-state="ready"][data-backend="${backend}"], #backend-used[data-state="error"]`,
  );
  return waitForBackend(page);
}

/** Runs a button action and waits for its status to settle; returns the status text, throws when it failed. */
export async function runAction(
  page: Page,
  button: string,
  statusId: string,
  timeout = 90_000,
): Promise<string> {
  // The step blocks the page's main thread for seconds at long lengths: do not wait for the click to "settle".
  await page.click(`#${button}`, { noWaitAfter: true });
  await page.waitForSelector(`#${statusId}[data-state="done"], #${statusId}[data-state="error"]`, {
    timeout,
  });
  const text = (await page.textContent(`#${statusId}`)) ?? '';
  if ((await page.getAttribute(`#${statusId}`, 'data-state')) !== 'done') {
    throw new Error(`${button} failed: ${await page.textContent('#error')}`);
  }
  return text;
}

/** Ticks exactly the given values among the checkboxes in `containerId`. */
export async function choose(page: Page, containerId: string, values: string[]): Promise<void> {
  await page.$$eval(
    `#${containerId} input[type=checkbox]`,
    (boxes, wanted) =>
      boxes.forEach(
        (b) => ((b as HTMLInputElement).checked = wanted.includes((b as HTMLInputElement).value)),
      ),
    values,
  );
}

/** Measured rows of the scaling table: variant, length, milliseconds. */
export async function scalingRows(page: Page): Promise<{ variant: string; length: number; ms: number }[]> {
  return page.$$eval('#scaling-table tbody tr', (rows) =>
    rows.map((r) => ({
      variant: (r as HTMLElement).dataset.variant!,
      length: Number((r as HTMLElement).dataset.length),
      ms: Number((r as HTMLElement).dataset.ms),
    })),
  );
}
