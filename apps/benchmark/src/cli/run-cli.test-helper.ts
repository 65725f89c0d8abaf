import { buildProgram } from './program.js';

/** Runs `tost-bench ARGS` in-process: what commander printed, and the error (parse error or a command's). */
export async function runCli(args: string[]): Promise<{ stdout: string; stderr: string; error?: Error }> {
  let stdout = '';
  let stderr = '';
  const program = buildProgram({
    exitOverride: true,
    output: { writeOut: (s) => (stdout += s), writeErr: (s) => (stderr += s) },
  });
  try {
    await program.parseAsync(args, { from: 'user' });
    return { stdout, stderr };
  } catch (error) {
    return { stdout, stderr, error: error as Error };
  }
}
