import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { acquireLock, isLocked, LockedError, lockHolder, lockPathOf } from '../../core/lock.ts';
import { tempDir } from '../helpers/temp.ts';

/** A child process that takes the lock, prints "held", and keeps it until killed. */
function holdInChild(path: string) {
  const code = `import { acquireLock } from ${JSON.stringify(new URL('../../core/lock.ts', import.meta.url).href)};
await acquireLock(${JSON.stringify(path)}, { what: 'x' }); console.log('held'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const held = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
    child.on('exit', (code) => reject(new Error(`child exited ${code}`)));
  });
  return { child, held };
}

test('a second holder is refused with the holder named; a released lock is free again', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'run');
  const lock = await acquireLock(path, { what: 'run directory runs/x' });
  t.true(isLocked(path));
  const error = await t.throwsAsync(acquireLock(path, { what: 'run directory runs/x' }), { instanceOf: LockedError });
  t.is(error.exitCode, 2);
  t.regex(error.message, new RegExp(`run directory runs/x is in use by pid ${process.pid} on ${hostname()} \\(since \\d{4}-`));
  await lock.release();
  t.false(existsSync(lockPathOf(path)));
  const again = await acquireLock(path, { what: 'x' });
  await again.release();
});

test('a lock left by a SIGKILLed process is stale and taken over at once', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'cache');
  const { child, held } = holdInChild(path);
  await held;
  t.is(lockHolder(path)?.pid, child.pid);
  await t.throwsAsync(acquireLock(path, { what: 'cache' }), { instanceOf: LockedError, message: new RegExp(`pid ${child.pid}`) });
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  const started = Date.now();
  const lock = await acquireLock(path, { what: 'cache' });
  t.true(Date.now() - started < 2_000);
  t.is(lockHolder(path)?.pid, process.pid);
  await lock.release();
});

test('a waiter gets the lock when the holder releases it, and is told who it waits for', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'dataset');
  const first = await acquireLock(path, { what: 'dataset' });
  const waited: number[] = [];
  const second = acquireLock(path, { what: 'dataset', wait: true, onWait: (h) => waited.push(h!.pid) });
  setTimeout(() => void first.release(), 300);
  const lock = await second;
  t.deepEqual(waited, [process.pid]);
  await lock.release();
});

test('a bounded wait ends with LockedError', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'd');
  const first = await acquireLock(path, { what: 'd' });
  await t.throwsAsync(acquireLock(path, { what: 'd', wait: 300 }), { instanceOf: LockedError });
  await first.release();
});

test('a lock of a dead pid on this host is not counted as held', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'r');
  mkdirSync(lockPathOf(path), { recursive: true });
  writeFileSync(join(lockPathOf(path), 'holder.json'), JSON.stringify({ pid: 2 ** 22 + 7, host: hostname(), started: 'x', command: 'y' }));
  t.false(isLocked(path));
});

test('a lock from another host is stale once its mtime is older than staleMs, and held before', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'shared');
  mkdirSync(lockPathOf(path), { recursive: true });
  writeFileSync(join(lockPathOf(path), 'holder.json'), JSON.stringify({ pid: 1, host: 'other-host', started: 'x', command: 'y' }));
  await t.throwsAsync(acquireLock(path, { what: 'shared', staleMs: 5_000 }), { message: /pid 1 on other-host/ });
  const old = new Date(Date.now() - 10_000);
  utimesSync(lockPathOf(path), old, old);
  const lock = await acquireLock(path, { what: 'shared', staleMs: 5_000 });
  t.is(lockHolder(path)?.pid, process.pid);
  await lock.release();
});

test('a lock held past its refresh interval stays held (naming its holder) and is removed on release', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'dataset');
  // refreshed every 500 ms, stale after 2 s without a refresh
  const lock = await acquireLock(path, { what: 'dataset x', staleMs: 2_000 });
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  t.is(lockHolder(path)?.pid, process.pid);
  await t.throwsAsync(acquireLock(path, { what: 'dataset x', staleMs: 2_000 }), { instanceOf: LockedError }, 'still refreshed: not stale');
  await lock.release();
  t.false(existsSync(lockPathOf(path)));
});
