/**
 * Round trip: procedural scenes written in ScanNet's layout, read back by
 * source-scannet's reader (no special case), against the generator's truth.
 *
 * Tolerances: centroids, box centres and sizes 1e-4 m; box yaw 1e-4 rad
 * (when the footprint is not square); poses 1e-4 per matrix entry (the files
 * hold 6 decimals, the .sens float32); visibility per (view, object) within
 * 0.2 and on average within 0.02 (truth uses the float z-buffer at colour
 * resolution, 160x120 here, the reader the 16-bit millimetre depth map at
 * depth resolution, 80x60: small objects at depth edges differ most);
 * floor area within 2%.
 */
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Scene } from '../../../core/index.ts';
import { makeTestScenes, type SceneTruth, type TestScenes } from '../../../plugins/source-procedural/index.ts';

let set: TestScenes;
const base = mkdtempSync(join(tmpdir(), 'ladder-round-trip-'));
test.after.always(() => rmSync(base, { recursive: true, force: true }));
test.before(async () => {
  set = await makeTestScenes(base, {
    scenes: 5,
    frames: 12,
    width: 160,
    height: 120,
    depthWidth: 80,
    depthHeight: 60,
    sensEvery: 3,
    unalignedEvery: 4,
    video: true,
    samplesPerObject: 600,
  });
});

const each = (fn: (scene: Scene, truth: SceneTruth) => void) => {
  for (const scene of set.scenes) fn(scene, set.truth(scene.id));
};
const close = (a: number[], b: number[], eps: number) => a.length === b.length && a.every((v, i) => Math.abs(v - b[i]!) <= eps);

test('the set covers the layouts: exported frames and .sens, aligned and unaligned', (t) => {
  t.deepEqual(set.scenes.map((s) => set.truth(s.id).sens), [false, false, true, false, false]);
  t.deepEqual(set.scenes.map((s) => set.truth(s.id).aligned), [true, true, true, false, true]);
  t.true(set.scenes.every((s) => s.source === 'procedural' && s.dir === join(set.root, 'scans', s.id)));
});

test('every object survives: category, raw category, points, centroid, box', (t) => {
  let furniture = 0;
  each((scene, truth) => {
    t.deepEqual(scene.objects.map((o) => o.id), truth.objects.map((o) => o.id));
    for (const object of scene.objects) {
      const expected = truth.objects.find((o) => o.id === object.id)!;
      const label = `${scene.id} object ${object.id} (${object.rawCategory})`;
      t.is(object.rawCategory, expected.rawCategory, label);
      t.is(object.category, expected.category, label);
      t.is(object.pointCount, expected.pointCount, label);
      t.true(close(object.centroid, expected.centroid, 1e-4), `${label} centroid ${object.centroid} vs ${expected.centroid}`);
      if (expected.structure) continue;
      furniture++;
      t.true(close(object.box.center, expected.box.center, 1e-4), `${label} box centre ${object.box.center} vs ${expected.box.center}`);
      const square = Math.abs(expected.box.size[0] - expected.box.size[1]) < 0.05;
      const sizes = (s: number[]) => (square ? [...s.slice(0, 2)].sort((a, b) => a - b).concat(s[2]!) : s);
      t.true(close(sizes(object.box.size), sizes(expected.box.size), 1e-4), `${label} box size ${object.box.size} vs ${expected.box.size}`);
      if (!square) t.true(Math.abs(object.box.yaw - expected.box.yaw) < 1e-4, `${label} yaw ${object.box.yaw} vs ${expected.box.yaw}`);
    }
  });
  t.true(furniture >= 30, `${furniture} furniture objects compared`);
});

test('every pose survives: aligned camera-to-world, frame numbers and times', (t) => {
  each((scene, truth) => {
    t.deepEqual(scene.views.map((v) => v.frame), truth.frames.map((f) => f.frame));
    t.deepEqual(scene.views.map((v) => v.time), truth.frames.map((f) => f.time));
    scene.views.forEach((view, k) => {
      t.true(close(view.cameraToWorld, truth.frames[k]!.cameraToWorld, 1e-4), `${scene.id} frame ${view.frame}`);
      const { fx, fy, cx, cy, width, height } = view.intrinsics;
      t.true(close([fx, fy, cx, cy, width, height], [truth.colour.fx, truth.colour.fy, truth.colour.cx, truth.colour.cy, 160, 120], 1e-4));
    });
  });
});

test('visibility survives: per view and object within 0.2, mean difference under 0.02', (t) => {
  let sum = 0;
  let count = 0;
  let seen = 0;
  each((scene, truth) => {
    scene.views.forEach((view, k) => {
      const expected = truth.frames[k]!.visibility;
      const ids = new Set([...view.objects.map((o) => o.objectId), ...Object.keys(expected).map(Number)]);
      for (const id of ids) {
        const got = view.objects.find((o) => o.objectId === id);
        const want = expected[id] ?? 0;
        const diff = Math.abs((got?.visibility ?? 0) - want);
        t.true(diff <= 0.2, `${scene.id} frame ${view.frame} object ${id}: ${got?.visibility} vs ${want}`);
        if (want >= 0.1) t.truthy(got, `${scene.id} frame ${view.frame}: object ${id} (truth ${want}) is listed`);
        sum += diff;
        count++;
      }
      for (const o of view.objects) {
        seen++;
        const [x1, y1, x2, y2] = o.box2d;
        t.true(x1 >= 0 && y1 >= 0 && x2 <= 159 && y2 <= 119 && x1 <= x2 && y1 <= y2, `box ${o.box2d}`);
        t.true(o.centroidCamera.every(Number.isFinite));
      }
    });
  });
  t.true(sum / count < 0.02, `mean |difference| ${sum / count} over ${count} pairs`);
  t.true(seen > 300, `${seen} (view, object) pairs`);
});

test('video: the mp4 path, 2/3 fps (a view every 1.5 s), and first sightings agree with the truth', (t) => {
  let agree = 0;
  let total = 0;
  each((scene, truth) => {
    t.is(scene.video!.path, join(set.root, 'videos', `${scene.id}.mp4`));
    t.true(Math.abs(scene.video!.fps - 2 / 3) < 1e-9);
    for (const object of scene.objects) {
      const first = truth.frames.find((f) => (f.visibility[object.id] ?? 0) >= 0.4);
      const got = scene.video!.firstSeen[object.id];
      total++;
      if (first?.frame === got?.frame) agree++;
      if (got) t.is(got.time, truth.frames.find((f) => f.frame === got.frame)!.time);
    }
  });
  t.true(agree / total >= 0.9, `${agree} of ${total} first sightings agree`);
});

test('floor area matches the generated room within 2%', (t) => {
  each((scene, truth) => {
    const error = Math.abs(scene.floorArea - truth.floorArea) / truth.floorArea;
    t.true(error < 0.02, `${scene.id}: ${scene.floorArea} vs ${truth.floorArea}`);
  });
});

test('loading again reads the cached metadata and gives the same scenes', async (t) => {
  const { createProceduralSource } = await import('../../../plugins/source-procedural/index.ts');
  const source = createProceduralSource(set.options);
  for (const scene of set.scenes) t.deepEqual(await source.load(scene.id, set.ctx), scene);
});
