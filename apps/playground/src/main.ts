import * as tf from '@tensorflow/tfjs-core';
// Registers every built-in attention variant and describes them (causal? linear or quadratic?).
import { listAttentions } from '@tost/variants';
import { chooseBackend, gpuAvailability } from './backend-choice.js';
import { ErrorBox } from './error-box.js';
import { loadLM, streamText, type LoadedLM } from './lm-stream.js';
import { showMembership, type MembershipSource } from './membership-view.js';
import { ScalingChart } from './scaling-chart.js';
import { measureTrainStep } from './train-step.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const errors = new ErrorBox($('error'));

const LENGTHS = [256, 512, 1024, 2048, 4096, 8192, 16384];
const DEFAULT_LENGTHS = new Set([256, 512, 1024, 2048, 4096]);
/** Checked when the page opens (the project's subject and its softmax baseline, as in `tost-bench`'s defaults). */
const DEFAULT_VARIANTS = new Set(['tssa', 'softmax']);
/** Quadratic variants stop here: at 8k tokens their N×N scores (4 heads, float32, with gradients) pass 1 GB. */
const QUADRATIC_LIMIT = 4096;
/** Any variant stops after a step this slow, milliseconds. */
const SLOW_STEP_MS = 20_000;

let backendText = '';
/** tfjs' name of the last backend that initialised (to return to when a switch fails). */
let workingBackend: string | undefined;

/** Marks a status element with text and a data-state the end-to-end test waits on. */
function status(id: string, state: 'idle' | 'running' | 'done' | 'error', text: string): void {
  const el = $(id);
  el.dataset.state = state;
  el.textContent = text;
}

/** Runs an action from a button: errors go to the alert box and the status, never silently. */
function action(buttonId: string, statusId: string, run: () => Promise<string>): void {
  $<HTMLButtonElement>(buttonId).addEventListener('click', async () => {
    const button = $<HTMLButtonElement>(buttonId);
    button.disabled = true;
    status(statusId, 'running', 'running…');
    try {
      status(statusId, 'done', await run());
    } catch (err) {
      errors.show(err);
      status(statusId, 'error', 'failed (see the message above)');
    } finally {
      button.disabled = false;
    }
  });
}

// --- backend -------------------------------------------------------------------------------------------------
async function useBackend(preference: string): Promise<string> {
  const used = $('backend-used');
  used.dataset.state = 'loading';
  used.textContent = `loading ${preference}…`;
  try {
    const { text } = await chooseBackend(preference);
    backendText = text;
    used.textContent = text;
    used.dataset.state = 'ready';
    used.dataset.backend = workingBackend = tf.getBackend();
    return text;
  } catch (err) {
    // A backend that failed to initialise may still be tfjs' current one: go back to the one that worked.
    if (workingBackend !== undefined && (await tf.setBackend(workingBackend).catch(() => false))) {
      used.textContent = `${preference} failed; still using ${backendText}`;
    } else {
      used.textContent = `${preference} failed`;
    }
    used.dataset.state = 'error';
    throw err;
  }
}
/** Marks the GPU options this browser cannot run (disabled, with the reason), so the picker offers what works. */
async function markAvailability(): Promise<void> {
  const missing = await gpuAvailability();
  for (const option of $<HTMLSelectElement>('backend-choice').options) {
    const reason = missing[option.value as 'webgpu' | 'webgl'];
    if (option.value !== 'webgpu' && option.value !== 'webgl') continue;
    option.dataset.available = String(reason === undefined);
    if (reason !== undefined) {
      option.disabled = true;
      option.textContent = `${option.value} (not available: ${reason})`;
    }
  }
}
$('backend-apply').addEventListener('click', () => {
  errors.clear();
  useBackend($<HTMLSelectElement>('backend-choice').value).catch((err) => errors.show(err));
});

// --- scaling -------------------------------------------------------------------------------------------------
const info = new Map(listAttentions().map((d) => [d.name, d]));
const variants = [...info.keys()];
function checkboxes(
  containerId: string,
  label: string,
  values: (string | number)[],
  checked: (v: string) => boolean,
) {
  const container = $(containerId);
  container.append(Object.assign(document.createElement('strong'), { textContent: label }));
  for (const v of values) {
    const box = Object.assign(document.createElement('input'), { type: 'checkbox', value: String(v) });
    box.checked = checked(String(v));
    const l = document.createElement('label');
    l.append(box, String(v));
    container.append(l);
  }
}
const selected = (containerId: string) =>
  Array.from($(containerId).querySelectorAll<HTMLInputElement>('input:checked')).map((b) => b.value);
checkboxes(
  'variant-choices',
  'Variants',
  variants.map((v) => v),
  (v) => DEFAULT_VARIANTS.has(v),
);
for (const label of $('variant-choices').querySelectorAll('label')) {
  const v = info.get(label.textContent ?? '')!;
  label.title = `${v.description}${v.causal ? ' (causal: measured in a language model)' : ''}`;
  label.append(` (${v.complexity === 'quadratic' ? 'O(n²)' : 'O(n)'}${v.causal ? ', causal' : ''})`);
}
checkboxes('length-choices', 'Lengths', LENGTHS, (v) => DEFAULT_LENGTHS.has(Number(v)));
$('quadratic-limit').textContent = String(QUADRATIC_LIMIT);

const timeChart = new ScalingChart($<HTMLCanvasElement>('chart-time'), 'Train step', 'milliseconds', LENGTHS);
const memoryChart = new ScalingChart(
  $<HTMLCanvasElement>('chart-memory'),
  'Peak tensor memory',
  'MB',
  LENGTHS,
);
/** The length of the per-backend table. */
const SWEEP_LENGTH = 256;
$('sweep-length').textContent = String(SWEEP_LENGTH);
/** Train-step milliseconds at SWEEP_LENGTH: backend → variant → ms (kept across runs and backend switches). */
const perBackend = new Map<string, Map<string, number>>();
function recordPerBackend(variant: string, length: number, ms: number): void {
  if (length !== SWEEP_LENGTH) return;
  const backend = tf.getBackend();
  if (!perBackend.has(backend)) perBackend.set(backend, new Map());
  perBackend.get(backend)!.set(variant, ms);
  const table = $('backend-table');
  const backends = [...perBackend.keys()];
  const head = table.querySelector('thead tr')!;
  head.replaceChildren(
    ...['variant', ...backends.map((b) => `${b} (ms)`)].map((t) =>
      Object.assign(document.createElement('th'), { textContent: t }),
    ),
  );
  const body = table.querySelector('tbody')!;
  body.replaceChildren(
    ...variants.map((v) => {
      const tr = document.createElement('tr');
      tr.append(Object.assign(document.createElement('td'), { textContent: v }));
      for (const b of backends) {
        const value = perBackend.get(b)!.get(v);
        const td = Object.assign(document.createElement('td'), {
          textContent: value === undefined ? '—' : value.toFixed(1),
        });
        td.dataset.variant = v;
        td.dataset.backend = b;
        if (value !== undefined) td.dataset.ms = value.toFixed(1);
        tr.append(td);
      }
      return tr;
    }),
  );
}

let stopRequested = false;
$('scaling-stop').addEventListener('click', () => (stopRequested = true));

action('scaling-run', 'scaling-status', async () => {
  const chosen = selected('variant-choices');
  const lengths = selected('length-choices')
    .map(Number)
    .sort((a, b) => a - b);
  if (chosen.length === 0 || lengths.length === 0)
    throw new Error('Choose at least one variant and one length');
  timeChart.clear();
  memoryChart.clear();
  const rows = $('scaling-table').querySelector('tbody')!;
  rows.replaceChildren();
  stopRequested = false;
  $<HTMLButtonElement>('scaling-stop').disabled = false;
  let measured = 0;
  try {
    for (const variant of chosen) {
      for (const length of lengths) {
        if (stopRequested) return `stopped after ${measured} measurements`;
        if (info.get(variant)!.complexity === 'quadratic' && length > QUADRATIC_LIMIT) break;
        status('scaling-status', 'running', `${variant} at ${length} tokens…`);
        await new Promise((resolve) => setTimeout(resolve, 0)); // repaint before the step blocks
        const m = await measureTrainStep(variant, length);
        measured++;
        const mb = m.peakBytes / 2 ** 20;
        timeChart.add(variant, length, m.milliseconds);
        recordPerBackend(variant, length, m.milliseconds);
        memoryChart.add(variant, length, mb);
        const tr = document.createElement('tr');
        tr.dataset.variant = variant;
        tr.dataset.length = String(length);
        tr.dataset.ms = m.milliseconds.toFixed(1);
        for (const cell of [variant, length, m.milliseconds.toFixed(1), mb.toFixed(1), tf.getBackend()]) {
          tr.append(Object.assign(document.createElement('td'), { textContent: String(cell) }));
        }
        rows.append(tr);
        if (m.milliseconds > SLOW_STEP_MS) break;
      }
    }
  } finally {
    $<HTMLButtonElement>('scaling-stop').disabled = true;
  }
  return `${measured} measurements on ${backendText}`;
});

action('sweep-run', 'sweep-status', async () => {
  let done = 0;
  for (const variant of variants) {
    status('sweep-status', 'running', `${variant} (${done + 1}/${variants.length})…`);
    await new Promise((resolve) => setTimeout(resolve, 0)); // repaint before the step blocks
    const m = await measureTrainStep(variant, SWEEP_LENGTH);
    recordPerBackend(variant, SWEEP_LENGTH, m.milliseconds);
    done++;
  }
  return `${done} variants at ${SWEEP_LENGTH} tokens on ${backendText}`;
});

// --- membership ----------------------------------------------------------------------------------------------
action('membership-run', 'membership-status', async () =>
  showMembership(
    $<HTMLSelectElement>('membership-source').value as MembershipSource,
    Number($<HTMLInputElement>('membership-seed').value),
    $('membership-input'),
    $('membership-maps'),
  ),
);

// --- language model ------------------------------------------------------------------------------------------
let lm: Promise<LoadedLM> | undefined;
action('lm-run', 'lm-status', async () => {
  lm ??= loadLM(import.meta.env.BASE_URL);
  const loaded = await lm.catch((err) => {
    lm = undefined;
    throw err;
  });
  const out = $('lm-output');
  const prompt = $<HTMLInputElement>('lm-prompt').value;
  out.replaceChildren(
    Object.assign(document.createElement('span'), { className: 'prompt', textContent: prompt }),
  );
  const generated = document.createElement('span');
  generated.id = 'lm-generated';
  out.append(generated);
  const n = Number($<HTMLInputElement>('lm-tokens').value);
  let count = 0;
  const msPerToken = await streamText(loaded, prompt, {
    maxNewTokens: n,
    temperature: Number($<HTMLInputElement>('lm-temperature').value),
    onToken: (text, ms) => {
      generated.textContent += text;
      count++;
      status('lm-status', 'running', `${count}/${n} tokens, last ${ms.toFixed(1)} ms`);
    },
  });
  out.dataset.tokens = String(count);
  return `${count} tokens, ${msPerToken.toFixed(1)} ms/token on ${backendText}`;
});

// Start on the backend given in the URL (?backend=wasm) or auto.
const initial = new URLSearchParams(location.search).get('backend') ?? 'auto';
$<HTMLSelectElement>('backend-choice').value = initial;
markAvailability().catch((err) => errors.show(err));
useBackend(initial).catch((err) => errors.show(err));
