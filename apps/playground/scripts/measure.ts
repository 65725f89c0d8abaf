/**
 * Measures the playground's train steps in Chromium (the built page, headless): `pnpm --filter playground measure`
 * after a build. Options: --backend wasm (default), --variants tssa,softmax, --lengths 1024,4096. Prints one line per
 * measurement and which backends the browser offers (webgpu/webgl are tried and reported, not required).
 */
import { parseArgs } from 'node:util';
import { choose, openPlayground, runAction, scalingRows, switchBackend, waitForBackend } from './chromium.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    variants: { type: 'string', default: 'tssa,softmax' },
    lengths: { type: 'string', default: '1024,4096' },
  },
});
const session = await openPlayground(values.backend!);
try {
  const { page } = session;
  const used = await waitForBackend(page);
  console.log(`backend: ${used.text}`);
  console.log(`browser: ${session.browser.version()}`);
  await choose(page, 'variant-choices', values.variants!.split(','));
  await choose(page, 'length-choices', values.lengths!.split(','));
  console.log(await runAction(page, 'scaling-run', 'scaling-status', 30 * 60_000));
  for (const row of await scalingRows(page)) {
    console.log(
      `${row.variant.padEnd(16)} ${String(row.length).padStart(6)} tokens  ${row.ms.toFixed(1)} ms/step`,
    );
  }
  for (const other of ['webgpu', 'webgl']) {
    try {
      console.log(`${other}: available (${(await switchBackend(page, other)).text})`);
    } catch (err) {
      console.log(`${other}: not available here (${(err as Error).message.split('\n')[0]})`);
    }
  }
} finally {
  await session.close();
}
