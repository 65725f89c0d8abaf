import { Option, type Command } from 'commander';
import { initBackend, describeBackendSelection } from '@tost/backend';

export const BACKENDS = ['auto', 'wasm', 'cpu', 'node', 'node-gpu'] as const;

/** The `--backend` option every command takes. */
export function addBackendOption(command: Command): Command {
  return command.addOption(
    new Option(
      '--backend <name>',
      'tfjs backend; default: TOST_BACKEND, else auto (the fastest that loads)',
    ).choices(BACKENDS),
  );
}

/** Initialises the requested backend (flag, then TOST_BACKEND, then auto) and says which one runs. */
export async function selectBackend(flag: string | undefined): Promise<string> {
  const selection = await initBackend(flag ?? process.env.TOST_BACKEND ?? 'auto');
  console.log(`backend: ${describeBackendSelection(selection)}`);
  return selection.name;
}
