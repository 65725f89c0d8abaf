import { describe, it, expect } from 'vitest';
import { lraCli } from './lra-cli.js';

// Every case must fail while parsing flags, before any backend, data or training work starts.
describe('tost-bench lra / quick: flag checking', () => {
  const cases: [string, string[], RegExp][] = [
    ['an unknown flag', ['--task', 'listops', '--epochs', '3'], /Unknown option '--epochs'/],
    ['a missing --task', ['--attention', 'tssa'], /--task is required/],
    ['an unknown task', ['--task', 'listops,imdb'], /unknown --task 'imdb'; expected one of listops, text/],
    [
      'an unknown attention',
      ['--task', 'listops', '--attention', 'tssa,flash'],
      /unknown attention 'flash'; registered: .*tssa/,
    ],
    [
      'a bad preset',
      ['--task', 'listops', '--preset', 'tiny'],
      /--preset must be paper or quick, got 'tiny'/,
    ],
    ['a bad block', ['--task', 'listops', '--block', 'mamba'], /--block must be tost or crate, got 'mamba'/],
    ['zero steps', ['--task', 'listops', '--steps', '0'], /--steps must be a positive integer, got '0'/],
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
    ['a stray positional argument', ['--task', 'listops', 'extra'], /Unexpected argument 'extra'/],
  ];
  it.each(cases)('rejects %s', async (_what, args, message) => {
    await expect(lraCli(args, false)).rejects.toThrow(message);
  });

  it('quick rejects a task it cannot generate data for, before training', async () => {
    await expect(
      lraCli(['--task', 'text', '--backend', 'cpu', '--out', '/nonexistent/x'], true),
    ).rejects.toThrow(
      /--generate supports listops, pathfinder and pathx; task 'text' needs its released files \(--data DIR\)/,
    );
  });
});
