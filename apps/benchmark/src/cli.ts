#!/usr/bin/env node
import { handleErrorsAtTopLevel } from './cli/cli-errors.js';
import { buildProgram } from './cli/program.js';

handleErrorsAtTopLevel(buildProgram().parseAsync(process.argv));
