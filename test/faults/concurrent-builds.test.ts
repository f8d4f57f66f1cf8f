/**
 * Two `ladder data build` on one cache (issue: both exited 0 with a dataset
 * folder holding only manifest.json and PNGs, or one failed with a raw
 * ENOENT). Real processes on a fresh cacheDir with a shrunk procedural
 * config: the builds serialise on the dataset's lock, the second reuses the
 * first one's result, scenes are written once, nothing is left behind.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../core/index.ts';
import { checkDataset, loadDataset } from '../../plugins/dataset/index.ts';
import { tempDir } from '../helpers/temp.ts';

interface Finished {
  pid: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Start `ladder <args>` in `cwd`; resolves when it exits. */
function start(cwd: string, args: string[]): { pid: number; done: Promise<Finished> } {
  const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'core', 'bin.mjs'), ...args], { cwd, env: { ...process.env, CI: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const done = new Promise<Finished>((resolve) => child.on('close', (code) => resolve({ pid: child.pid!, code, stdout, stderr })));
  return { pid: child.pid!, done };
}

/** A shrunk config: 4 small procedural rooms (one of them a .sens, each with an mp4), 2 worker threads. */
function shrunk(base: string): string {
  const config = join(base, 'ladder.config.json');
  const procedural = { scenes: 4, frames: 12, width: 128, height: 96, depthWidth: 64, depthHeight: 48, samplesPerObject: 300 };
  writeFileSync(config, JSON.stringify({ presets: ['spatial-ladder'], plugins: [['source-procedural', procedural]], data: { workers: 2 }, cacheDir: join(base, 'cache') }));
  return config;
}

/** Paths under `dir` (relative) whose names say they are temporary, locks or partial builds. */
function leftovers(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = join(prefix, entry.name);
    const bad = /\.tmp|\.lock$|\.partial$/.test(entry.name) ? [path] : [];
    return entry.isDirectory() ? [...bad, ...leftovers(dir, path)] : bad;
  });
}

interface BuildJson {
  dir: string;
  cached: boolean;
  samples: number;
}

function verify(t: import('ava').ExecutionContext, base: string, runs: Finished[]): BuildJson[] {
  for (const run of runs) t.is(run.code, 0, `pid ${run.pid}: ${run.stderr}`);
  const results = runs.map((run) => JSON.parse(run.stdout) as BuildJson);
  t.is(new Set(results.map((r) => r.dir)).size, 1, 'one dataset directory');
  t.is(results.filter((r) => !r.cached).length, 1, 'exactly one process built it; the other reused it');
  const dataset = loadDataset(results[0]!.dir);
  t.is(dataset.samples.length, results[0]!.samples);
  t.true(dataset.samples.some((s) => s.split === 'held-out') && dataset.samples.some((s) => s.split !== 'held-out'));
  // every sample valid, its media present, pairs intact (coverage of every cell is not asked of 4 small rooms)
  t.deepEqual(checkDataset(dataset, [], {}).problems, []);
  t.deepEqual(leftovers(join(base, 'cache')), []);
  t.is(readdirSync(join(base, 'cache', 'procedural')).length, 1);
  return results;
}

test('two builds started together on a fresh cache (and `data scenes` beside them) all exit 0; the dataset verifies', async (t) => {
  const base = tempDir(t);
  const config = shrunk(base);
  const [a, b, scenes] = await Promise.all([
    start(base, ['data', 'build', '-c', config, '--json']).done,
    start(base, ['data', 'build', '-c', config, '--json']).done,
    start(base, ['data', 'scenes', '-c', config, '--json']).done,
  ]);
  const results = verify(t, base, [a!, b!]);
  t.is(scenes!.code, 0, scenes!.stderr);
  t.is((JSON.parse(scenes!.stdout) as { scenes: unknown[] }).scenes.length, 4);
  // a build that waited said for whom
  const waiter = [a!, b!][results.findIndex((r) => r.cached)]!;
  const builder = [a!, b!][results.findIndex((r) => !r.cached)]!;
  const waited = /dataset \w+: waiting for pid (\d+) /.exec(waiter.stderr);
  if (waited) t.is(Number(waited[1]), builder.pid);
});

test('a build started while another holds the dataset lock waits, naming the holder, then reuses its result', async (t) => {
  const base = tempDir(t);
  const config = shrunk(base);
  const first = start(base, ['data', 'build', '-c', config, '--json']);
  const datasets = join(base, 'cache', 'datasets');
  const locked = () => existsSync(datasets) && readdirSync(datasets).some((name) => name.endsWith('.lock'));
  for (let waited = 0; !locked(); waited += 50) {
    if (waited > 120_000) return t.fail('the first build never took the dataset lock');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const second = start(base, ['data', 'build', '-c', config, '--json']);
  const runs = await Promise.all([first.done, second.done]);
  const [built, reused] = verify(t, base, runs);
  t.false(built!.cached);
  t.true(reused!.cached);
  t.regex(runs[1]!.stderr, new RegExp(`dataset \\w+: waiting for pid ${first.pid} on .*, which is building it`));
  t.is(runs[1]!.stderr.match(/waiting for/g)?.length, 1, 'one line says whom it waits for');
  t.regex(runs[1]!.stderr, /is up to date .* \(cached: nothing to build\)/);
});
