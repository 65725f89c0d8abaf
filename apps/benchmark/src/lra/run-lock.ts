import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

const LOCK_FILE = '.lock';

interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

/** True when a process with this id exists on this machine (signal 0 checks without signalling). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the run directory for this process: creates `dir/.lock` exclusively (O_EXCL) holding the pid, host, start
 * time and command line. A lock left by a process that no longer runs on this host (killed, crashed) is taken over at
 * once, so a killed run can be resumed immediately; staleness by file age (as lock libraries do) would refuse that
 * for seconds or minutes. Returns the function that releases the lock (also released when the process exits).
 *
 * @throws Error naming the directory, the live process holding it and when it started.
 */
export function lockRunDirectory(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, LOCK_FILE);
  const mine: LockInfo = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    command: process.argv.slice(1).join(' '),
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${JSON.stringify(mine)}\n`, { flag: 'wx' });
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off('exit', release);
        try {
          const current = JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
          if (current.pid === mine.pid && current.host === mine.host) rmSync(file, { force: true });
        } catch {
          // already gone
        }
      };
      process.on('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder: LockInfo | undefined;
    try {
      holder = JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
    } catch {
      holder = undefined; // unreadable or being written: treat as held, unless it is gone on the retry
    }
    if (holder && holder.host === hostname() && !alive(holder.pid)) {
      rmSync(file, { force: true }); // left by a process that has died
      continue;
    }
    throw new Error(
      `run directory ${dir} is in use` +
        (holder
          ? ` by process ${holder.pid} on ${holder.host}, started ${holder.startedAt} (${holder.command})`
          : ` (${file} exists)`) +
        '. Two runs with the same task, attention, block, preset, seed, steps, batch and length would overwrite each ' +
        `other: wait for it to finish, or pass another --out or --seed. If no such run is alive, delete ${file}.`,
    );
  }
  throw new Error(`run directory ${dir}: could not take ${file}`);
}
