#!/usr/bin/env node
import { lraCli, reportCli } from './cli/lra-cli.js';
import { explainCli } from './cli/explain-cli.js';
import { scalingCli } from './cli/scaling-cli.js';
import { smokeCli } from './cli/smoke-cli.js';
import { compareCli } from './cli/compare-cli.js';
import { convertCli } from './cli/convert-cli.js';

interface Command {
  usage: string;
  run: (args: string[]) => Promise<void>;
}

/** One entry per sub-command; each parses its own flags (see src/cli/*.ts). */
const COMMANDS: Record<string, Command> = {
  quick: {
    usage:
      'quick                 the quick suite: ListOps and Pathfinder (generated), TSSA vs softmax, then the table',
    run: (args) => lraCli(args, true),
  },
  lra: {
    usage: `lra --task listops|text|retrieval|image|pathfinder|pathx[,...] --attention tssa,softmax,...
                 [--data DIR | --generate] [--preset paper|quick] [--block tost|crate]
                 [--steps N --batch N --length N --seed N] [--out DIR] [--resume] [--checkpoint-every N]`,
    run: (args) => lraCli(args, false),
  },
  report: {
    usage: 'report [--out DIR]    merge the runs in DIR into a markdown table beside the published numbers',
    run: reportCli,
  },
  scaling: {
    usage: `scaling [--attention tssa,causal-tssa,softmax,mssa] [--lengths 256,512,...,65536] [--mode train|forward]
                 [--dim 256 --heads 4 --batch 1] [--repeats 5 --warmup 1] [--time-limit S] [--memory-limit MiB]
                 [--budget S] [--decode-positions 64,256,1024,4096|none] [--lra RUNS_DIR] [--explain DIR,...] [--out DIR] [--rerender]`,
    run: scalingCli,
  },
  explain: {
    usage: `explain --run RUN_DIR | --checkpoint MODEL_DIR [--inputs N] [--out DIR] [--untrained | --compare]
                 [--data DIR] [--task T] [--eps 0.5]   Π maps per layer/head, per-layer compression chart, HTML section`,
    run: explainCli,
  },
  compare: {
    usage: `compare [--attention a,b,...] [--lengths 1024,4096,16384,65536] [--dim 256 --heads 4 --batch 1]
                 [--repeats 3 --warmup 1] [--time-limit S] [--memory-limit MiB] [--tasks listops,pathfinder|none]
                 [--seeds 1,2,3] [--lra-steps N --lra-batch N --lra-length N] [--data-seed N] [--out DIR]
                 every variant: train-step time/memory per length + quick LRA accuracy; one table, Pareto chart,
                 report.html; run again with the same --out to resume`,
    run: compareCli,
  },
  convert: {
    usage: `convert --from FILE.(safetensors|pth|pt) --out DIR [--arch auto|tost-vision|tost-lm|gpt2|crate]
                 [--image-size 224] [--heads N] [--class-norm all|cls]   PyTorch checkpoint → tfjs layers model
          convert --to safetensors --from MODEL_DIR --out FILE.safetensors   and back, with the official key names`,
    run: convertCli,
  },
  smoke: {
    usage: 'smoke [--lengths 256,1024] [--dim 64] [--heads 4] [--attention a,b]',
    run: smokeCli,
  },
};

function usage(): string {
  const lines = Object.values(COMMANDS).map((c) => `  tost-bench ${c.usage}`);
  return `tost-bench — ToST.js benchmarks

Usage:
${lines.join('\n')}

Common options:
  --backend auto|wasm|cpu|node|node-gpu   (default: TOST_BACKEND or auto = the fastest that loads)
`;
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return;
  }
  const command = COMMANDS[name];
  if (!command) throw new Error(`unknown command '${name}'\n\n${usage()}`);
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`Usage:\n  tost-bench ${command.usage}\n\n  --backend auto|wasm|cpu|node|node-gpu`);
    return;
  }
  await command.run(rest);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`tost-bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
