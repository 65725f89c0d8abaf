import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockRunDirectory } from './run-lock.js';

describe('lockRunDirectory', () => {
  it('a second lock on a held directory is an error naming the holder; released, it can be taken again', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'lock-')), 'run');
    const release = lockRunDirectory(dir);
    const info = JSON.parse(readFileSync(join(dir, '.lock'), 'utf8')) as { pid: number; host: string };
    expect(info).toMatchObject({ pid: process.pid, host: hostname() });
    expect(() => lockRunDirectory(dir)).toThrow(
      new RegExp(`run directory .*run is in use by process ${process.pid} on ${hostname()}, started `),
    );
    release();
    expect(existsSync(join(dir, '.lock'))).toBe(false);
    lockRunDirectory(dir)();
  });

  it('a lock left by a dead process is taken over at once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-stale-'));
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const pid = Number(dead.stdout.toString());
    writeFileSync(
      join(dir, '.lock'),
      JSON.stringify({ pid, host: hostname(), startedAt: '2020-01-01T00:00:00Z', command: 'x' }),
    );
    const release = lockRunDirectory(dir);
    expect(JSON.parse(readFileSync(join(dir, '.lock'), 'utf8')).pid).toBe(process.pid);
    release();
  });

  it('a lock held on another host is respected (its process cannot be checked from here)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-host-'));
    writeFileSync(
      join(dir, '.lock'),
      JSON.stringify({ pid: 1, host: 'elsewhere', startedAt: '2020-01-01T00:00:00Z', command: 'x' }),
    );
    expect(() => lockRunDirectory(dir)).toThrow(/in use by process 1 on elsewhere/);
  });
});
