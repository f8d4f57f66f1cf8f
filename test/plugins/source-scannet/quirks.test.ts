import test from 'ava';
import { cpSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../helpers/temp.ts';
import { readDepthPng, SensFile } from '../../../lib/scannet-format/index.ts';
import { context, rewriteSens, scanNet, tinyScan } from './scans.ts';

const fixture = (name: string) => join(import.meta.dirname, '../../fixtures/scannet-quirks', name);

test('frames named without padding are read in numeric order', async (t) => {
  const base = tempDir(t);
  const { root, id, dir } = await tinyScan(base);
  const names = readdirSync(join(dir, 'pose'));
  t.not(names.slice().sort().join(), names.map((n) => parseInt(n)).sort((a, b) => a - b).map((n) => `${n}.txt`).join(), 'string order differs from numeric order here');
  const scene = await scanNet(root).load(id, context(join(base, 'cache')));
  t.deepEqual(scene.views.map((v) => v.frame), [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110]);
  t.deepEqual(scene.views.map((v) => v.time), scene.views.map((v) => Math.round((v.frame / 30) * 1e6) / 1e6));
  t.true(scene.views.every((v) => v.image === join(dir, 'color', `${v.frame}.jpg`)));
});

test('frames zero-padded by other tools (pose/000100.txt, color/000100.jpg) are read as named on disk, like unpadded ones', async (t) => {
  const base = tempDir(t);
  const { root, id, dir } = await tinyScan(base);
  const unpadded = await scanNet(root).load(id, context(join(base, 'cache-unpadded')));
  for (const sub of ['pose', 'color', 'depth'])
    for (const name of readdirSync(join(dir, sub))) renameSync(join(dir, sub, name), join(dir, sub, name.replace(/^\d+/, (n) => n.padStart(6, '0'))));
  t.deepEqual(readdirSync(join(dir, 'color')).sort().slice(-2), ['000100.jpg', '000110.jpg']);
  const padded = await scanNet(root).load(id, context(join(base, 'cache-padded')));
  t.deepEqual(padded.views.map((v) => v.frame), [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110]);
  t.deepEqual(padded.views.map((v) => v.image), padded.views.map((v) => join(dir, 'color', `${String(v.frame).padStart(6, '0')}.jpg`)));
  t.deepEqual(padded.views.map(({ image: _, ...view }) => view), unpadded.views.map(({ image: _, ...view }) => view));
  // a padded frame without its colour file is named as the export would have it
  rmSync(join(dir, 'color', '000030.jpg'));
  await t.throwsAsync(scanNet(root).load(id, context(join(base, 'cache-missing'))), { message: `scene ${id}: ${join(dir, 'color', '000030.jpg')}: missing file` });
});

test('-inf poses: those frames are skipped, and the scene says so', async (t) => {
  const base = tempDir(t);
  const { root, id, dir } = await tinyScan(base);
  for (const frame of [20, 100]) writeFileSync(join(dir, 'pose', `${frame}.txt`), readFileSync(fixture('pose-inf.txt')));
  const logs: string[] = [];
  const scene = await scanNet(root).load(id, context(join(base, 'cache'), logs));
  t.deepEqual(scene.views.map((v) => v.frame), [0, 10, 30, 40, 50, 60, 70, 80, 90, 110]);
  t.true(scene.notes!.includes('2 of 12 selected frames skipped: invalid (-inf) camera pose'));
  t.true(logs.some((l) => l.includes('2 of 12 selected frames skipped')));
});

test('an annotated scan with no axisAlignment uses the identity, in the .sens too', async (t) => {
  const base = tempDir(t);
  const { root, id, dir } = await tinyScan(base, { unaligned: true, sens: true });
  t.false(readFileSync(join(dir, `${id}.txt`), 'utf8').includes('axisAlignment'));
  const scene = await scanNet(root).load(id, context(join(base, 'cache')));
  t.true(scene.notes!.includes(`no axisAlignment in ${id}.txt: the identity is used`));
  t.is(scene.views.length, 12);
  // Truth for an unaligned scan is in the raw frame: boxes and poses must match it as they are.
  const truth = JSON.parse(readFileSync(join(root, 'truth', `${id}.json`), 'utf8')) as { aligned: boolean; objects: { id: number; centroid: number[] }[] };
  t.false(truth.aligned);
  for (const o of scene.objects) {
    const expected = truth.objects.find((x) => x.id === o.id)!.centroid;
    t.true(o.centroid.every((v, i) => Math.abs(v - expected[i]!) < 1e-4), `${o.id}: ${o.centroid} vs ${expected}`);
  }
});

test("frames 'auto': a .sens beside a pose/ folder without color/ is read from the .sens", async (t) => {
  const base = tempDir(t);
  const { root, id, dir } = await tinyScan(join(base, 'a'), { sens: true });
  const sens = await scanNet(root).load(id, context(join(base, 'cache-sens')));
  const exported = await tinyScan(join(base, 'b'));
  for (const sub of ['pose', 'depth', 'intrinsic']) cpSync(join(exported.dir, sub), join(dir, sub), { recursive: true });
  const cache = join(base, 'cache-auto');
  const auto = await scanNet(root).load(id, context(cache));
  t.deepEqual(auto.views.map((v) => v.image), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((n) => join(cache, 'scenes', 'scannet', id, 'color', `${n}.jpg`)));
  t.deepEqual(auto.views.map(({ image: _, ...view }) => view), sens.views.map(({ image: _, ...view }) => view));
});

test('no depth folder: visibility falls back to the frustum test, and the output says so', async (t) => {
  const base = tempDir(t);
  const { root, id, dir } = await tinyScan(base);
  const withDepth = await scanNet(root).load(id, context(join(base, 'cache-depth')));
  rmSync(join(dir, 'depth'), { recursive: true });
  const logs: string[] = [];
  const frustum = await scanNet(root).load(id, context(join(base, 'cache-frustum'), logs));
  const note = 'no depth frames (no depth/ folder): visibility uses the frustum test only, without occlusion';
  t.true(frustum.notes!.includes(note));
  t.true(logs.includes(`${id}: ${note}`));
  t.false((withDepth.notes ?? []).includes(note));
  // Without occlusion nothing can be less visible, and something (hidden behind furniture) is more.
  let more = 0;
  withDepth.views.forEach((view, k) => {
    for (const seen of view.objects) {
      const f = frustum.views[k]!.objects.find((o) => o.objectId === seen.objectId);
      t.truthy(f, `object ${seen.objectId} in frame ${view.frame}`);
      t.true(f!.visibility >= seen.visibility - 1e-9);
      if (f!.visibility > seen.visibility + 0.05) more++;
    }
  });
  t.true(more > 0);
});

test('a .sens-only scan is read directly: colour frames are extracted once into the cache', async (t) => {
  const base = tempDir(t);
  const { root, id, dir } = await tinyScan(base, { sens: true });
  t.deepEqual(readdirSync(dir).sort(), [`${id}.aggregation.json`, `${id}.sens`, `${id}.txt`, `${id}_vh_clean_2.0.010000.segs.json`, `${id}_vh_clean_2.ply`]);
  const cache = join(base, 'cache');
  const scene = await scanNet(root, { frameStride: 3 }).load(id, context(cache));
  t.deepEqual(scene.views.map((v) => v.frame), [0, 3, 6, 9]);
  t.deepEqual(scene.views.map((v) => v.image), [0, 3, 6, 9].map((n) => join(cache, 'scenes', 'scannet', id, 'color', `${n}.jpg`)));
  t.is(readFileSync(scene.views[1]!.image).subarray(0, 2).toString('hex'), 'ffd8'); // JPEG bytes as stored
  // intrinsics come from the .sens header (float32): ScanNet's calibration scaled to 96x72
  const k = scene.views[0]!.intrinsics;
  const expected = [1170.187988 * (96 / 1296), 1170.187988 * (72 / 968), (647.75 + 0.5) * (96 / 1296) - 0.5, (483.75 + 0.5) * (72 / 968) - 0.5];
  t.true([k.fx, k.fy, k.cx, k.cy].every((v, i) => Math.abs(v - expected[i]!) < 1e-4), JSON.stringify(k));
  t.deepEqual([k.width, k.height], [96, 72]);
  // a second read (metadata removed) finds the extracted frames and leaves them alone
  const before = statSync(scene.views[1]!.image).mtimeMs;
  rmSync(join(cache, 'scenes', 'scannet', `${id}.json`));
  await new Promise((resolve) => setTimeout(resolve, 20));
  const again = await scanNet(root, { frameStride: 3 }).load(id, context(cache));
  t.deepEqual(again, scene);
  t.is(statSync(scene.views[1]!.image).mtimeMs, before);
});

test(".sens depth is in its header's depth shift: a .sens in quarter millimetres (4000) reads like one in millimetres", async (t) => {
  const base = tempDir(t);
  const { root, id, dir } = await tinyScan(base, { sens: true });
  const millimetres = await scanNet(root).load(id, context(join(base, 'cache-mm')));
  const frustum = await scanNet(root, { depthTolerance: 1e6 }).load(id, context(join(base, 'cache-frustum')));
  t.notDeepEqual(frustum.views.map((v) => v.objects), millimetres.views.map((v) => v.objects), 'depth occludes something here');
  const file = join(dir, `${id}.sens`);
  await rewriteSens(file, {
    header: { depthShift: 4000 },
    depth: (mm) => {
      t.true(mm.every((v) => v * 4 <= 0xffff));
      return mm.map((v) => v * 4);
    },
  });
  const sens = await SensFile.open(file, id);
  t.is(sens.header.depthShift, 4000);
  await sens.close();
  const quarter = await scanNet(root).load(id, context(join(base, 'cache-quarter')));
  t.deepEqual(quarter.views.map((v) => v.objects), millimetres.views.map((v) => v.objects));
});

test('exported depth PNGs are millimetres (ScanNet exports them so; there is no header to say otherwise)', async (t) => {
  const base = tempDir(t);
  const { dir } = await tinyScan(base);
  const depth = await readDepthPng(join(dir, 'depth', '0.png'), 'scene9000_00');
  t.is(depth.unitsPerMetre, 1000);
});
