import { Command } from 'commander';
import { createRequire } from 'node:module';
import { registerCompareCommand } from './compare-cli.js';
import { registerConvertCommand } from './convert-cli.js';
import { registerExplainCommand } from './explain-cli.js';
import { registerLraCommand, registerReportCommand } from './lra-cli.js';
import { registerScalingCommand } from './scaling-cli.js';
import { registerSmokeCommand } from './smoke-cli.js';
import { registerQualityCommand } from './quality-cli.js';
import { listAttentions } from '../variants.js';

/**
 * The sub-commands, in help order. To add one, write `registerXCommand(program)` in src/cli/x-cli.ts (options with
 * descriptions and defaults, an action) and list it here.
 */
export const COMMANDS: ((program: Command) => Command)[] = [
  (p) => registerLraCommand(p, true),
  (p) => registerLraCommand(p, false),
  registerReportCommand,
  registerScalingCommand,
  registerCompareCommand,
  registerQualityCommand,
  registerExplainCommand,
  registerConvertCommand,
  registerSmokeCommand,
];

export function benchmarkVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('../../package.json') as { version: string }).version;
}

export interface ProgramOptions {
  /** Throw CommanderError instead of exiting the process (tests). */
  exitOverride?: boolean;
  /** Where commander writes help and errors (tests capture them). */
  output?: { writeOut?: (s: string) => void; writeErr?: (s: string) => void };
}

/** `tost-bench`: every command with per-command `--help` (options, defaults, descriptions) and `--version`. */
export function buildProgram(options: ProgramOptions = {}): Command {
  const program = new Command('tost-bench')
    .description('ToST.js benchmarks: LRA training/evaluation, scaling, white-box analysis')
    .version(benchmarkVersion(), '-V, --version', 'print the version of tost-bench')
    .showHelpAfterError('(add --help for the options)')
    .allowExcessArguments(false);
  if (options.exitOverride) program.exitOverride();
  // A bad option reads like every other failure: `tost-bench: option '--pairs <list>' argument '0' is invalid. …`.
  program.configureOutput({
    outputError: (text, write) => write(text.replace(/^error: /, 'tost-bench: ')),
    ...options.output,
  });
  for (const register of COMMANDS) register(program).allowExcessArguments(false);
  program.addHelpText('after', () => `\n${registeredAttentionsHelp()}`);
  return program;
}

/** Every registered attention with its kind, complexity, paper and one-line description (from its descriptor). */
export function registeredAttentionsHelp(): string {
  const rows = listAttentions().map((d) => ({
    name: d.name,
    kind: `${d.causal ? 'causal' : 'non-causal'}, ${d.complexity === 'linear' ? 'O(N)' : 'O(N²)'}${d.streaming ? ', streaming' : ''}`,
    text: `${d.description}${d.paper.arxiv ? ` [arXiv ${d.paper.arxiv}]` : ''}`,
  }));
  const nameWidth = Math.max(...rows.map((r) => r.name.length));
  const kindWidth = Math.max(...rows.map((r) => r.kind.length));
  return (
    'Registered attentions (--attention):\n' +
    rows.map((r) => `  ${r.name.padEnd(nameWidth)}  ${r.kind.padEnd(kindWidth)}  ${r.text}`).join('\n')
  );
}
