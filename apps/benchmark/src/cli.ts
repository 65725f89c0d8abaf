#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { initBackend, describeBackendSelection } from '@tost/backend';
import { runSmoke } from './commands/smoke.js';

const USAGE = `tost-bench — ToST.js benchmarks

Usage:
  tost-bench smoke [--lengths 256,1024] [--dim 64] [--heads 4] [--attention a,b] [--backend auto|wasm|cpu|node|node-gpu]

Commands:
  smoke   forward and forward+backward of every registered attention at a few lengths (a quick end-to-end check)
`;

function parseList(value: string | undefined, what: string): number[] | undefined {
  if (value === undefined) return undefined;
  const list = value.split(',').map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isInteger(n) || n <= 0)) {
    throw new Error(`--${what} must be a comma-separated list of positive integers, got '${value}'`);
  }
  return list;
}

function parsePositive(value: string | undefined, what: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${what} must be a positive integer, got '${value}'`);
  return n;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      lengths: { type: 'string' },
      dim: { type: 'string' },
      heads: { type: 'string' },
      attention: { type: 'string' },
      backend: { type: 'string' },
    },
    strict: true,
  });
  if (command !== 'smoke') throw new Error(`unknown command '${command}'\n\n${USAGE}`);
  const selection = await initBackend(values.backend ?? process.env.TOST_BACKEND ?? 'auto');
  console.log(`backend: ${describeBackendSelection(selection)}`);
  await runSmoke({
    lengths: parseList(values.lengths, 'lengths') ?? [256, 1024],
    dim: parsePositive(values.dim, 'dim', 64),
    heads: parsePositive(values.heads, 'heads', 4),
    attentions: values.attention?.split(',').map((s) => s.trim()),
  });
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`tost-bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
