import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../../core/index.ts';
import { generateScene, sceneIdOf } from '../../../plugins/source-procedural/index.ts';
import { METADATA_FORMAT } from '../../../lib/scannet-format/index.ts';
import { tempDir } from '../../helpers/temp.ts';
import { TINY } from '../source-scannet/scans.ts';

const ladder = (cwd: string, ...args: string[]) => {
  const run = spawnSync(process.execPath, [join(PACKAGE_ROOT, 'core', 'bin.mjs'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: '1' } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
};

interface Summary {
  source: string;
  metadata: string;
  scenes: { id: string; objects: number; views: number; meanVisibility: number; floorArea: number; notes: string[]; metadata: string }[];
  skipped: { id: string; error: string }[];
}

test('`ladder data scenes` on the default config (no config file): procedural scenes, metadata written once', (t) => {
  const cwd = tempDir(t);
  const first = ladder(cwd, 'data', 'scenes', '--limit', '2', '--json');
  t.is(first.code, 0, first.stderr);
  const summary = JSON.parse(first.stdout) as Summary;
  t.is(summary.source, 'procedural');
  t.is(summary.metadata, join(cwd, '.ladder-cache', 'scenes', 'procedural'));
  t.deepEqual(summary.scenes.map((s) => s.id), [sceneIdOf(0), sceneIdOf(1)]);
  for (const scene of summary.scenes) {
    t.true(scene.objects >= 8 && scene.views === 24 && scene.meanVisibility > 0.1 && scene.floorArea > 8, JSON.stringify(scene));
    const file = JSON.parse(readFileSync(scene.metadata, 'utf8')) as { format: string; scene: { id: string } };
    t.is(file.format, METADATA_FORMAT);
    t.is(file.scene.id, scene.id);
  }
  t.regex(first.stderr, /scenes \(procedural\): 2\/2 \(100%\) done/);
  // A second run reads the cache: the metadata files are not rewritten.
  const mtime = statSync(summary.scenes[0]!.metadata).mtimeMs;
  const second = ladder(cwd, 'data', 'scenes', '--limit', '2');
  t.is(second.code, 0, second.stderr);
  t.regex(second.stdout, /\| scene9000_00 \|\s+\d+ \|\s+\d+ \|\s+24 \|\s+0\.\d{3} \|\s+\d+\.\d \|/);
  t.regex(second.stdout, /2 scene\(s\) from "procedural"; metadata \(one JSON per scene\): /);
  t.is(statSync(summary.scenes[0]!.metadata).mtimeMs, mtime);
});

/** A ScanNet-layout root with two tiny scans and a config selecting the scannet source. */
async function scannetConfig(base: string, options: Record<string, unknown> = {}) {
  const root = join(base, 'scannet');
  for (const i of [0, 1]) await generateScene(root, i, 3, TINY);
  const config = join(base, 'scannet.config.json');
  writeFileSync(
    config,
    JSON.stringify({ presets: ['spatial-ladder'], plugins: [['source-scannet', { root, frameStride: 2, ...options }]], data: { source: 'scannet' }, cacheDir: join(base, 'cache') }),
  );
  return { root, config };
}

test('with -c a config that selects scannet: a table per scene, the no-depth fallback reported', async (t) => {
  const base = tempDir(t);
  const { root, config } = await scannetConfig(base);
  rmSync(join(root, 'scans', sceneIdOf(1), 'depth'), { recursive: true });
  const run = ladder(base, 'data', 'scenes', '-c', config);
  t.is(run.code, 0, run.stderr);
  t.regex(run.stdout, /\| scene9000_00 \|\s+\d+ \|\s+\d+ \|\s+6 \|/);
  t.regex(run.stdout, /\| scene9001_00 \|.*\| no depth frames \(no depth\/ folder\): visibility uses the frustum test only, without occlusion \|/);
  t.regex(run.stdout, new RegExp(`metadata \\(one JSON per scene\\): ${join(base, 'cache', 'scenes', 'scannet')}`));
  t.regex(run.stderr, /scene9001_00: no depth frames/);
});

test('a bad scene stops the run by default, naming the scene and the file; nothing half-written', async (t) => {
  const base = tempDir(t);
  const { root, config } = await scannetConfig(base);
  const broken = join(root, 'scans', sceneIdOf(0), `${sceneIdOf(0)}.aggregation.json`);
  writeFileSync(broken, '{"segGroups": [');
  const run = ladder(base, 'data', 'scenes', '-c', config);
  t.is(run.code, 1);
  t.regex(run.stderr, new RegExp(`scene scene9000_00: ${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: malformed JSON`));
  t.false(existsSync(join(base, 'cache', 'scenes', 'scannet', `${sceneIdOf(0)}.json`)));
  t.false(existsSync(join(base, 'cache', 'scenes', 'scannet', `${sceneIdOf(1)}.json`)), 'the run stopped before the next scene');
});

test('the source option onBadScene "skip" (or --on-bad-scene skip) skips it and reports why', async (t) => {
  const base = tempDir(t);
  const { root, config } = await scannetConfig(base, { onBadScene: 'skip' });
  rmSync(join(root, 'scans', sceneIdOf(0), `${sceneIdOf(0)}_vh_clean_2.ply`));
  const run = ladder(base, 'data', 'scenes', '-c', config, '--json');
  t.is(run.code, 0, run.stderr);
  const summary = JSON.parse(run.stdout) as Summary;
  t.deepEqual(summary.scenes.map((s) => s.id), [sceneIdOf(1)]);
  t.deepEqual(summary.skipped.map((s) => s.id), [sceneIdOf(0)]);
  t.regex(summary.skipped[0]!.error, /scene scene9000_00: .*scene9000_00_vh_clean_2\.ply: missing file$/);
  t.regex(run.stderr, /skipped scene scene9000_00/);
  const cli = ladder(base, 'data', 'scenes', '-c', config, '--on-bad-scene', 'stop');
  t.is(cli.code, 1);
});

test('usage errors exit with 2', (t) => {
  const cwd = tempDir(t);
  const run = ladder(cwd, 'data', 'scenes', '--limit', 'many');
  t.is(run.code, 2);
  t.regex(run.stderr, /--limit many: expected a positive integer/);
  t.is(ladder(cwd, 'data', 'scenes', '--bogus').code, 2);
});

test('`ladder data scenes` and `ladder data build` read the same procedural scenes when data.seed is set', (t) => {
  const base = tempDir(t);
  const cache = join(base, 'cache');
  const small = { scenes: 3, frames: 12, width: 128, height: 96, depthWidth: 64, depthHeight: 48, video: false, samplesPerObject: 300 };
  const config = join(base, 'ladder.config.json');
  writeFileSync(config, JSON.stringify({ presets: ['spatial-ladder'], plugins: [['source-procedural', small]], seed: 1, data: { seed: 5, workers: 0 }, cacheDir: cache }));
  const scenes = ladder(base, 'data', 'scenes', '-c', config, '--json');
  t.is(scenes.code, 0, scenes.stderr);
  const summary = JSON.parse(scenes.stdout) as Summary;
  const mtimes = summary.scenes.map((s) => statSync(s.metadata).mtimeMs);
  const build = ladder(base, 'data', 'build', '-c', config, '--json');
  t.is(build.code, 0, build.stderr);
  t.is(readdirSync(join(cache, 'procedural')).length, 1, 'one scene set, generated with data.seed, for both commands');
  t.deepEqual(summary.scenes.map((s) => statSync(s.metadata).mtimeMs), mtimes, 'the build read the metadata `data scenes` wrote');
});
