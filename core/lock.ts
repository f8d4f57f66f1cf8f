/**
 * Inter-process locks on directories (a run, a scene cache entry, a dataset
 * cache entry), built on proper-lockfile: the lock is the directory
 * `<path>.lock`, created atomically with mkdir and its mtime refreshed while
 * held. Inside it `holder.json` says who holds it ({ pid, host, started,
 * command }), so a refusal can name the holder.
 *
 * A lock left by a killed process is stale: on the same host when its pid is
 * no longer alive (seen at once), on any host when its mtime stops being
 * refreshed for `staleMs` (a holder whose event loop is blocked that long
 * looks stale too: keep long synchronous work in workers). A stale lock is
 * taken over.
 *
 *   const lock = await acquireLock(dir, { what: 'run directory runs/x' });            // refuse if held
 *   const lock = await acquireLock(dir, { what: 'dataset cache', wait: true, onWait }); // wait for the holder
 *   try { ... } finally { await lock.release(); }
 *
 * Leftovers: a process killed mid-write leaves temporary files behind
 * (`<name>.tmp-<pid>-<thread>-<n>`, see files.ts). `sweepLeftovers(dir,
 * mine)` removes those of processes that are gone, and, called under the lock
 * of what they belong to, every one that `mine` claims.
 */
import { existsSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import lockfile from 'proper-lockfile';
import { UsageError } from './errors.ts';
import { tempOwner, writeFileAtomicSync } from './files.ts';

export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the holder took the lock. */
  started: string;
  /** The holder's command line. */
  command: string;
}

export interface Lock {
  readonly path: string;
  readonly holder: LockHolder;
  release(): Promise<void>;
}

export interface LockOptions {
  /** What is locked, for messages: "run directory runs/x". */
  what: string;
  /** Wait for the holder instead of failing (true: as long as it takes; a number: at most that many ms). */
  wait?: boolean | number;
  /** Called once when the lock is held by someone else and we wait. */
  onWait?: (holder: LockHolder | undefined) => void;
  /** A lock whose mtime is older than this is stale on any host (default 120 s). */
  staleMs?: number;
}

/** The lock is held by a live process and the caller would not wait. Exit code 2. */
export class LockedError extends UsageError {
  constructor(
    readonly what: string,
    readonly holder: LockHolder | undefined,
  ) {
    super(`${what} is in use by ${describeHolder(holder)}; wait for it to finish, or stop it`);
  }
}

export const lockPathOf = (path: string) => `${path}.lock`;

export function describeHolder(holder: LockHolder | undefined): string {
  if (!holder) return 'another process (its holder file is not written yet)';
  return `pid ${holder.pid} on ${holder.host} (since ${holder.started}: ${holder.command})`;
}

/** Who holds the lock on `path`, when it is held and says so. */
export function lockHolder(path: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(join(lockPathOf(path), 'holder.json'), 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A holder on this host whose process is gone. */
const deadHolder = (holder: LockHolder | undefined) => !!holder && holder.host === hostname() && holder.pid !== process.pid && !alive(holder.pid);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Change the lock directory's contents without changing its mtime:
 * proper-lockfile refreshes the mtime while the lock is held and counts the
 * lock as lost (no longer refreshed, so stale for others) when it finds an
 * mtime it did not set.
 */
function keepMtime(lockPath: string, change: () => void): void {
  const { atime, mtime } = statSync(lockPath);
  change();
  utimesSync(lockPath, atime, mtime);
}

export async function acquireLock(path: string, options: LockOptions): Promise<Lock> {
  const lockPath = lockPathOf(path);
  await mkdir(dirname(lockPath), { recursive: true });
  const staleMs = Math.max(options.staleMs ?? 120_000, 2_000);
  const deadline = options.wait === true ? Infinity : typeof options.wait === 'number' ? Date.now() + options.wait : 0;
  let told = false;
  for (let delay = 100; ; delay = Math.min(delay * 2, 1_000)) {
    try {
      const unlock = await lockfile.lock(path, {
        realpath: false,
        lockfilePath: lockPath,
        stale: staleMs,
        update: Math.floor(staleMs / 4),
        // A compromised lock (its directory removed or taken over) is reported when released, not thrown from a timer.
        onCompromised: () => undefined,
      });
      const holder: LockHolder = {
        pid: process.pid,
        host: hostname(),
        started: new Date().toISOString(),
        command: process.argv.slice(1).join(' '),
      };
      keepMtime(lockPath, () => writeFileAtomicSync(join(lockPath, 'holder.json'), `${JSON.stringify(holder)}\n`));
      let released = false;
      return {
        path,
        holder,
        async release() {
          if (released) return;
          released = true;
          keepMtime(lockPath, () => rmSync(join(lockPath, 'holder.json'), { force: true }));
          await unlock().catch(() => undefined);
        },
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // proper-lockfile found the lock stale by mtime but cannot rmdir it (holder.json is inside): remove it here.
      if (code === 'ENOTEMPTY') {
        rmSync(lockPath, { recursive: true, force: true });
        continue;
      }
      if (code !== 'ELOCKED') throw error;
    }
    const holder = lockHolder(path);
    if (deadHolder(holder)) {
      // Re-read just before removing, so a waiter that lost the race does not remove a lock just taken over.
      const now = lockHolder(path);
      if (now?.pid === holder!.pid && now.started === holder!.started) rmSync(lockPath, { recursive: true, force: true });
      continue;
    }
    if (Date.now() >= deadline) throw new LockedError(options.what, holder);
    if (!told) {
      told = true;
      options.onWait?.(holder);
    }
    await sleep(delay);
  }
}

/** Run `work` while holding the lock on `path`. */
export async function withLock<T>(path: string, options: LockOptions, work: () => Promise<T>): Promise<T> {
  const lock = await acquireLock(path, options);
  try {
    return await work();
  } finally {
    await lock.release();
  }
}

/**
 * Remove temporary entries (files or folders) directly in `dir` that a
 * process left behind: those whose process is no longer alive on this host,
 * and every one `mine(name)` claims; call it with `mine` only while holding
 * the lock of what those entries belong to, so no live process is writing
 * them. Returns the names removed.
 */
export async function sweepLeftovers(dir: string, mine?: (name: string) => boolean): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const gone = names.filter((name) => {
    const pid = tempOwner(name);
    return (pid !== undefined && pid !== process.pid && !alive(pid)) || (mine?.(name) ?? false);
  });
  await Promise.all(gone.map((name) => rm(join(dir, name), { recursive: true, force: true })));
  return gone;
}

/** True when `path` is locked by a live holder (a stale lock does not count). */
export function isLocked(path: string): boolean {
  if (!existsSync(lockPathOf(path))) return false;
  return !deadHolder(lockHolder(path));
}
