// Serves dist/ on 127.0.0.1 (a secure context, as WebGPU needs) and opens the page in Debian's Chromium through
// playwright-core. Never downloads a browser.
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const dist = fileURLToPath(new URL('../dist/', import.meta.url));

const BASE_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
/** WebGPU without a GPU: Dawn on SwiftShader's Vulkan. WebGL 2 runs on SwiftShader by default. */
export const WEBGPU_ARGS = [
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--enable-features=Vulkan',
];

const MIME: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
};

export interface BrowserSession {
  page: Page;
  /** Uncaught page errors and console errors, in order. */
  problems: string[];
  close(): Promise<void>;
}

function serve(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(
      /^\/+/,
      '',
    );
    const file = join(dist, path === '' ? 'index.html' : path);
    if (!file.startsWith(dist) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ server, url: `http://127.0.0.1:${port}/` });
    }),
  );
}

/** Opens the built page with the Chromium flags that `backend` needs; waits until the page is ready. */
export async function openPage(backend: string): Promise<BrowserSession> {
  if (!existsSync(join(dist, 'index.html'))) {
    throw new Error(
      `${dist}index.html is missing: run \`pnpm --filter @tost/browser-conformance build\` first`,
    );
  }
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH)`,
    );
  }
  const { server, url } = await serve();
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [...BASE_ARGS, ...(backend === 'webgpu' ? WEBGPU_ARGS : [])],
    });
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
    });
    await page.goto(url);
    await page.waitForSelector('#status[data-state="ready"]');
    const opened = browser;
    return {
      page,
      problems,
      close: async () => {
        await opened.close();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  } catch (err) {
    await browser?.close();
    server.close();
    throw err;
  }
}
