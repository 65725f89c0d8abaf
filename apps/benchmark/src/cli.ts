#!/usr/bin/env node
import { buildProgram } from './cli/program.js';

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    console.error(`tost-bench: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
