import { describe, it, expect } from 'vitest';
import { runCli } from './run-cli.test-helper.js';

describe('a bad option', () => {
  it('is reported as `tost-bench: …` naming the option, what was expected and what was given', async () => {
    for (const [args, message] of [
      [
        ['quality', '--pairs', '0'],
        "tost-bench: option '--pairs <list>' argument '0' is invalid. --pairs must be a comma-separated list of " +
          "positive integers; not positive integers: '0'",
      ],
      [['quality', '--taks', 'mqar'], "tost-bench: unknown option '--taks'"],
      [
        ['quick', '--attention', 'tssa+'],
        "tost-bench: option '--attention <names>' argument 'tssa+' is invalid.",
      ],
    ] as const) {
      const r = await runCli([...args]);
      expect(r.error, args.join(' ')).toBeDefined();
      expect(r.stderr.startsWith(message), r.stderr).toBe(true);
      expect(r.stderr).not.toMatch(/^error: /m);
    }
  });
});
