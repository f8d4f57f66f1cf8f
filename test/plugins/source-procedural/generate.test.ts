import test from 'ava';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { findFfmpeg } from '../../../lib/media/index.ts';
import { generateScene, sceneIdOf, type GeneratorOptions } from '../../../plugins/source-procedural/index.ts';
import { tempDir } from '../../helpers/temp.ts';
import { TINY } from '../source-scannet/scans.ts';

const OPTIONS: GeneratorOptions = { ...TINY, scenes: 4, frames: 6, sensEvery: 2, unalignedEvery: 3, video: true, jpegQuality: 90, samplesPerObject: 200 };

/** sha256 of every file under `root`, by relative path. */
function digest(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else out[relative(root, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(root);
  return out;
}

test('same seed, same bytes (meshes, images, depth, .sens, mp4, truth); another seed differs', async (t) => {
  const base = tempDir(t);
  for (const name of ['a', 'b']) for (let i = 0; i < 2; i++) await generateScene(join(base, name), i, 5, OPTIONS);
  await generateScene(join(base, 'c'), 0, 6, OPTIONS);
  const a = digest(join(base, 'a'));
  t.deepEqual(digest(join(base, 'b')), a);
  t.true(Object.keys(a).length > 30);
  const c = digest(join(base, 'c'));
  const mesh = `scans/${sceneIdOf(0)}/${sceneIdOf(0)}_vh_clean_2.ply`;
  t.not(c[mesh], a[mesh]);
});

test('ScanNet layout: exported frames for most scenes, a .sens instead for every sensEvery-th, the label map beside scans/', async (t) => {
  const root = join(tempDir(t), 'root');
  for (let i = 0; i < 4; i++) await generateScene(root, i, 5, OPTIONS);
  t.deepEqual(readdirSync(root).sort(), ['manifests', 'procedural.json', 'scannetv2-labels.combined.tsv', 'scans', 'truth', 'videos']);
  const exported = sceneIdOf(0);
  t.deepEqual(readdirSync(join(root, 'scans', exported)).sort(), [
    `${exported}.aggregation.json`,
    `${exported}.txt`,
    `${exported}_vh_clean_2.0.010000.segs.json`,
    `${exported}_vh_clean_2.ply`,
    'color',
    'depth',
    'intrinsic',
    'pose',
  ].sort());
  t.deepEqual(readdirSync(join(root, 'scans', exported, 'color')).sort(), ['0.jpg', '10.jpg', '20.jpg', '30.jpg', '40.jpg', '50.jpg']);
  t.deepEqual(readdirSync(join(root, 'scans', exported, 'intrinsic')).sort(), ['extrinsic_color.txt', 'extrinsic_depth.txt', 'intrinsic_color.txt', 'intrinsic_depth.txt']);
  for (const i of [1, 3]) t.true(existsSync(join(root, 'scans', sceneIdOf(i), `${sceneIdOf(i)}.sens`)), `scene ${i} has a .sens`);
  t.false(existsSync(join(root, 'scans', sceneIdOf(1), 'color')));
  // axisAlignment everywhere but every unalignedEvery-th scene
  const txt = (i: number) => readFileSync(join(root, 'scans', sceneIdOf(i), `${sceneIdOf(i)}.txt`), 'utf8');
  t.regex(txt(0), /^axisAlignment = (-?\d+\.\d{6} ){15}-?\d+\.\d{6}\ncolorHeight = 72\n/);
  t.false(txt(2).includes('axisAlignment'));
  t.not(txt(0).split('\n')[0], 'axisAlignment = 1.000000 0.000000 0.000000 0.000000 0.000000 1.000000 0.000000 0.000000 0.000000 0.000000 1.000000 0.000000 0.000000 0.000000 0.000000 1.000000');
  // depth is a 16-bit grey PNG in millimetres
  const png = readFileSync(join(root, 'scans', exported, 'depth', '30.png'));
  t.is(png.readUInt8(24), 16); // bit depth
  t.is(png.readUInt8(25), 0); // colour type: greyscale
  // the aggregation names real raw categories and references segments of segs.json
  const aggregation = JSON.parse(readFileSync(join(root, 'scans', exported, `${exported}.aggregation.json`), 'utf8')) as { segGroups: { objectId: number; label: string; segments: number[] }[] };
  const segs = new Set((JSON.parse(readFileSync(join(root, 'scans', exported, `${exported}_vh_clean_2.0.010000.segs.json`), 'utf8')) as { segIndices: number[] }).segIndices);
  t.deepEqual(aggregation.segGroups.map((g) => g.objectId), aggregation.segGroups.map((_, i) => i));
  t.true(aggregation.segGroups.every((g) => g.segments.every((s) => segs.has(s))));
  t.true(aggregation.segGroups.some((g) => g.label === 'floor') && aggregation.segGroups.some((g) => g.label === 'wall'));
});

test('the mp4 has one frame per view, at frameStep/fps spacing', async (t) => {
  const root = join(tempDir(t), 'root');
  await generateScene(root, 0, 5, OPTIONS);
  const video = join(root, 'videos', `${sceneIdOf(0)}.mp4`);
  const ffmpeg = findFfmpeg();
  const probe = spawnSync(ffmpeg.path, ['-hide_banner', '-i', video, '-f', 'null', '-'], { encoding: 'utf8' });
  t.is(probe.status, 0, probe.stderr);
  t.regex(probe.stderr, /Video: (h264|mpeg4)/);
  t.regex(probe.stderr, / 3 fps/);
  t.is(Number(/frame=\s*(\d+)/.exec(probe.stderr)?.[1]), 6);
});

test('a complete scene is skipped; a half-written one (crash) is replaced; no temporary folders remain', async (t) => {
  const root = join(tempDir(t), 'root');
  const first = await generateScene(root, 0, 5, { ...OPTIONS, video: false });
  t.true(first.written);
  const mtime = statSync(join(first.dir, `${sceneIdOf(0)}.txt`)).mtimeMs;
  t.false((await generateScene(root, 0, 5, { ...OPTIONS, video: false })).written);
  t.is(statSync(join(first.dir, `${sceneIdOf(0)}.txt`)).mtimeMs, mtime);
  // A crash between writing the scene and its truth: the scene is generated again.
  const other = join(root, 'scans', sceneIdOf(1));
  mkdirSync(other, { recursive: true });
  writeFileSync(join(other, 'partial'), 'x');
  const again = await generateScene(root, 1, 5, { ...OPTIONS, video: false });
  t.true(again.written);
  t.false(existsSync(join(other, 'partial')));
  t.deepEqual(readdirSync(join(root, 'scans')).filter((n) => n.startsWith('.')), []);
});

test('a scene with a missing or cut-short file is generated again: its manifest lists every file with its size', async (t) => {
  const root = join(tempDir(t), 'root');
  const first = await generateScene(root, 0, 5, OPTIONS);
  const before = digest(root);
  const manifest = JSON.parse(readFileSync(join(root, 'manifests', `${sceneIdOf(0)}.json`), 'utf8')) as { files: Record<string, number> };
  t.is(Object.keys(manifest.files).length, Object.keys(before).length - 3, 'every file but the label map, procedural.json and the manifest itself');
  t.is(manifest.files[`videos/${sceneIdOf(0)}.mp4`], statSync(first.video!).size);
  const jpeg = join(first.dir, 'color', '20.jpg');
  truncateSync(jpeg, 100);
  t.true((await generateScene(root, 0, 5, OPTIONS)).written);
  t.deepEqual(digest(root), before);
  rmSync(first.video!);
  t.true((await generateScene(root, 0, 5, OPTIONS)).written);
  t.deepEqual(digest(root), before);
});

test('a failed write leaves no temporary file; leftovers of a killed process are swept under the scene lock', async (t) => {
  const root = join(tempDir(t), 'root');
  await t.throwsAsync(generateScene(root, 0, 5, { ...OPTIONS, jpegQuality: 0 }), { message: /quality/ });
  const temporary = () => ['scans', 'videos', 'truth', 'manifests', '.'].flatMap((d) => (existsSync(join(root, d)) ? readdirSync(join(root, d)) : []).filter((n) => n.includes('.tmp')));
  t.deepEqual(temporary(), []);
  // what a SIGKILL mid-scene leaves (the pid of a process that has exited)
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  const id = sceneIdOf(0);
  mkdirSync(join(root, 'scans', `.${id}.tmp-${dead}-0-1a2b3c4d`, 'color'), { recursive: true });
  mkdirSync(join(root, 'scans', `.tmp-${id}-${dead}-0-1a2b3c4d`), { recursive: true });
  mkdirSync(join(root, 'truth'), { recursive: true });
  for (const file of [`videos/${id}.mp4.tmp-${dead}-0-1a2b3c4d`, `truth/${id}.json.tmp-${process.pid}-0-7`, `procedural.json.tmp-${dead}-0-3`]) writeFileSync(join(root, file), 'x');
  t.true((await generateScene(root, 0, 5, OPTIONS)).written);
  t.deepEqual(temporary(), []);
  t.false(existsSync(join(root, 'manifests', `${id}.lock`)));
});
