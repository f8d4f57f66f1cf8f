/**
 * Bad scenes in `ladder data build` and every command that builds the
 * dataset: the source's `onBadScene` decides (stop, or skip and report);
 * a split left with no samples is an error, never an empty benchmark.
 * Real processes over real ScanNet-layout files.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../../core/index.ts';
import { generateScene, sceneIdOf } from '../../../plugins/source-procedural/index.ts';
import { tempDir } from '../../helpers/temp.ts';
import { TINY } from '../source-scannet/scans.ts';

const ladder = (cwd: string, ...args: string[]) => {
  const run = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'core', 'bin.mjs'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: '1' } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
};

const HELD_OUT = sceneIdOf(2);

/** Three tiny scans (the third held out) and a config reading them with the given source options. */
async function scannet(base: string, options: Record<string, unknown> = {}) {
  const root = join(base, 'scannet');
  for (const i of [0, 1, 2]) await generateScene(root, i, 3, { ...TINY, frames: 16 });
  const config = join(base, 'ladder.config.json');
  writeFileSync(
    config,
    JSON.stringify({
      presets: ['spatial-ladder'],
      plugins: [['source-scannet', { root, frameStride: 1, ...options }]],
      data: { source: 'scannet', split: { heldOut: [HELD_OUT] }, workers: 0 },
      cacheDir: join(base, 'cache'),
    }),
  );
  return { root, config, scan: (id: string) => join(root, 'scans', id) };
}

const invalidPoses = (dir: string) => {
  for (const name of readdirSync(join(dir, 'pose'))) writeFileSync(join(dir, 'pose', name), '-inf -inf -inf -inf\n-inf -inf -inf -inf\n-inf -inf -inf -inf\n-inf -inf -inf -inf\n');
};

interface BuildJson {
  dir: string;
  samples: number;
  split: { train: number; heldOut: number; trainScenes: number; heldOutScenes: number };
  skipped: { id: string; error: string }[];
}

test("onBadScene 'skip': `ladder data build` skips the bad scene, lists it in the manifest and the statistics", async (t) => {
  const base = tempDir(t);
  const { config, scan } = await scannet(base, { onBadScene: 'skip' });
  const frame = join(scan(sceneIdOf(0)), 'color', '40.jpg');
  writeFileSync(frame, '');
  const run = ladder(base, 'data', 'build', '-c', config, '--json');
  t.is(run.code, 0, run.stderr);
  const built = JSON.parse(run.stdout) as BuildJson;
  t.deepEqual(built.skipped.map((s) => s.id), [sceneIdOf(0)]);
  t.true(built.skipped[0]!.error.endsWith(`scene ${sceneIdOf(0)}: ${frame}: bad colour image: empty file (0 bytes)`), built.skipped[0]!.error);
  t.regex(run.stderr, /skipped scene scene9000_00: .*bad colour image: empty file/);
  t.like(built.split, { trainScenes: 1, heldOutScenes: 1 });
  t.true(built.split.train > 0 && built.split.heldOut > 0, JSON.stringify(built.split));
  const manifest = JSON.parse(readFileSync(join(built.dir, 'manifest.json'), 'utf8')) as { scenes: Record<string, unknown> };
  t.deepEqual(manifest.scenes, { train: [sceneIdOf(1)], heldOut: [HELD_OUT], skipped: built.skipped });
  const samples = readFileSync(join(built.dir, 'samples.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { scene: string });
  t.false(samples.some((s) => s.scene === sceneIdOf(0)));
  // the statistics list it too
  const stats = ladder(base, 'data', 'stats', '-c', config);
  t.is(stats.code, 0, stats.stderr);
  t.regex(stats.stdout, /1 bad scene\(s\) skipped:\n {2}scene9000_00: .*bad colour image: empty file \(0 bytes\)/);
});

test("the default 'stop': the build stops naming the scene and the file", async (t) => {
  const base = tempDir(t);
  const { config, scan } = await scannet(base);
  const frame = join(scan(sceneIdOf(1)), 'color', '40.jpg');
  writeFileSync(frame, '');
  const run = ladder(base, 'data', 'build', '-c', config);
  t.is(run.code, 1, run.stdout);
  t.true(run.stderr.includes(`scene ${sceneIdOf(1)}: ${frame}: bad colour image: empty file (0 bytes)`), run.stderr);
});

test('a held-out scene whose poses are all invalid stops the build instead of emptying the held-out split', async (t) => {
  const base = tempDir(t);
  const { config, scan } = await scannet(base);
  invalidPoses(scan(HELD_OUT));
  const run = ladder(base, 'data', 'build', '-c', config);
  t.is(run.code, 1, run.stdout);
  t.regex(run.stderr, new RegExp(`scene ${HELD_OUT}: .*pose: no usable view: all 16 selected frames have an invalid \\(-inf or NaN\\) camera pose`));
});

test("with 'skip', a split left with no samples is an error; `ladder eval` builds through the same path", async (t) => {
  const base = tempDir(t);
  const { config, scan } = await scannet(base, { onBadScene: 'skip' });
  invalidPoses(scan(HELD_OUT));
  const build = ladder(base, 'data', 'build', '-c', config);
  t.is(build.code, 1, build.stdout);
  t.regex(build.stderr, new RegExp(`the held-out split is empty: all its 1 scene\\(s\\) were skipped as bad \\(${HELD_OUT}\\)`));
  const evaluate = ladder(base, 'eval', '-c', config, '--set', `cacheDir=${join(base, 'fresh')}`, '--model', 'oracle', '--benchmark', 'held-out');
  t.is(evaluate.code, 1, evaluate.stdout);
  t.regex(evaluate.stderr, /skipped scene scene9002_00: .*no usable view/);
  t.regex(evaluate.stderr, /the held-out split is empty/);
});
