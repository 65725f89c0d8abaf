import { describe, it, expect } from 'vitest';
import { runCli } from './run-cli.test-helper.js';

// Every case must fail while parsing flags, before any backend, data or training work starts.
describe('tost-bench lra / quick: flag checking', () => {
  const cases: [string, string[], RegExp][] = [
    ['an unknown flag', ['--task', 'listops', '--epochs', '3'], /unknown option '--epochs'/],
    ['a missing --task', ['--attention', 'tssa'], /--task is required/],
    ['an unknown task', ['--task', 'listops,imdb'], /unknown --task 'imdb'; expected one of listops, text/],
    [
      'an unknown attention',
      ['--task', 'listops', '--attention', 'tssa,flash'],
      /unknown attention 'flash'; registered: .*tssa/,
    ],
    [
      'an empty attention list',
      ['--task', 'listops', '--attention', ','],
      /--attention: expected a comma-separated list of registered attentions or hybrids a\+b, got ','/,
    ],
    [
      'a bad preset',
      ['--task', 'listops', '--preset', 'tiny'],
      /argument 'tiny' is invalid. Allowed choices are paper, quick/,
    ],
    [
      'a bad block',
      ['--task', 'listops', '--block', 'mamba'],
      /argument 'mamba' is invalid. Allowed choices are tost, crate/,
    ],
    ['zero steps', ['--task', 'listops', '--steps', '0'], /--steps must be a positive integer, got '0'/],
    [
      'negative steps',
      ['--task', 'listops', '--steps', '-5'],
      /--steps must be a positive integer, got '-5'/,
    ],
    [
      'negative steps with =',
      ['--task', 'listops', '--steps=-5'],
      /--steps must be a positive integer, got '-5'/,
    ],
    [
      'exponent steps',
      ['--task', 'listops', '--steps', '1e3'],
      /--steps must be a positive integer, got '1e3'/,
    ],
    [
      'a fractional batch',
      ['--task', 'listops', '--batch', '2.5'],
      /--batch must be a positive integer, got '2.5'/,
    ],
    [
      'a non-numeric length',
      ['--task', 'listops', '--length', 'long'],
      /--length must be a positive integer, got 'long'/,
    ],
    [
      'a negative seed',
      ['--task', 'listops', '--seed=-1'],
      /--seed must be a non-negative integer, got '-1'/,
    ],
    ['a missing value', ['--task', 'listops', '--steps'], /option '--steps <n>' argument missing/],
    [
      'a bad backend',
      ['--task', 'listops', '--backend', 'gpu'],
      /argument 'gpu' is invalid. Allowed choices are auto, wasm/,
    ],
    [
      'a stray positional argument',
      ['--task', 'listops', 'extra'],
      /too many arguments for 'lra'. Expected 0 arguments but got 1/,
    ],
  ];
  it.each(cases)('rejects %s', async (_what, args, message) => {
    const { error, stderr } = await runCli(['lra', ...args]);
    expect(`${error?.message ?? ''}\n${stderr}`).toMatch(message);
  });

  it('quick rejects a task it cannot generate data for, before training', async () => {
    const { error } = await runCli([
      'quick',
      '--task',
      'text',
      '--backend',
      'cpu',
      '--out',
      '/nonexistent/x',
    ]);
    expect(error?.message).toMatch(
      /--generate supports listops, pathfinder and pathx; task 'text' needs its released files \(--data DIR\)/,
    );
  });
});
