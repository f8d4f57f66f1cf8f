import test from 'ava';
import { join } from 'node:path';
import sharp from 'sharp';
import { datasetRequest, sourceContext, type Vec3 } from '../../../core/index.ts';
import { invertRigid, project, scaleIntrinsics, transformPoint } from '../../../lib/geometry/index.ts';
import { HINT_COLOURS, type PointHints } from '../../../plugins/analysis-hints/index.ts';
import { analyze, findSample, shrunkLadder } from '../../helpers/analysis-ladder.ts';
import { tempDir } from '../../helpers/temp.ts';

interface Result {
  questions: number;
  chance: number;
  points: PointHints[];
}

const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));


test('hint boxes land on the projected boxes of the scene objects, the arrow on the first object\'s projected centroid; the oracle scores 100 under every condition', async (t) => {
  const dir = tempDir(t);
  const ladder = await shrunkLadder(dir);
  const { result, dir: out, markdown } = await analyze(ladder, 'hints', { model: 'oracle', options: { questions: 0 } });
  const { questions, chance, points } = result as Result;
  t.true(questions >= 3, `${questions} questions`);
  t.is(chance, 0.25, 'four directions: chance 25%');
  t.deepEqual(points[0]!.accuracy, { none: 1, boxes: 1, full: 1 });
  t.regex(markdown, /\| oracle +\| direct +\| +100\.0 \| +100\.0 \| +100\.0 \| +0\.0 \| +25\.0 \|/);

  const source = ladder.get('sources', 'procedural');
  const context = sourceContext(datasetRequest(ladder));
  let checked = 0;
  for (const id of Object.keys(points[0]!.predictions.boxes).slice(0, 4)) {
    const file = (condition: string) => join(out, 'images', `${id.replace(/[^\w.-]/g, '_')}-${condition}.png`);
    // the question's objects and view, from the diagnostic set's sample (its facts name them)
    const { sample } = findSample(dir, id);
    const loaded = await source.load(sample.scene, context);
    const frame = Number(sample.media.images[0]!.match(/(\d+)\.jpg$/)![1]);
    const view = loaded.views.find((v) => v.frame === frame)!;
    const { data, info } = await sharp(file('boxes')).raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
    const objects = sample.facts!.objects as { id: number }[];
    for (const [i, colour] of [HINT_COLOURS.first, HINT_COLOURS.second].entries()) {
      const shown = view.objects.find((o) => o.objectId === objects[i]!.id)!;
      // the projected 2-D box in colour-image pixels, scaled to the image the model sees
      const sx = info.width / view.intrinsics.width;
      const sy = info.height / view.intrinsics.height;
      const [x1, y1, x2, y2] = [shown.box2d[0] * sx, shown.box2d[1] * sy, shown.box2d[2] * sx, shown.box2d[3] * sy].map(Math.round) as [number, number, number, number];
      const edge = (dx: number, dy: number) => {
        const pixels: [number, number][] = [];
        for (let x = x1 + 3; x <= x2 - 3; x++) pixels.push([x, y1 + dy], [x, y2 + dy]);
        for (let y = y1 + 3; y <= y2 - 3; y++) pixels.push([x1 + dx, y], [x2 + dx, y]);
        const inside = pixels.filter(([x, y]) => x >= 0 && y >= 0 && x < info.width && y < info.height);
        return inside.filter(([x, y]) => at(x, y).join() === rgb(colour).join()).length / inside.length;
      };
      t.true(edge(0, 0) > 0.7, `${id}: object ${i + 1}'s box edges are ${colour} (${edge(0, 0).toFixed(2)})`);
      t.true(edge(5, 5) < 0.3, `${id}: 5 px off the box they are not (${edge(5, 5).toFixed(2)})`);
    }
    // the arrow ends at the projection of the first object's 3-D centroid
    const centroid = loaded.objects.find((o) => o.id === objects[0]!.id)!.centroid;
    const camera = transformPoint(invertRigid(view.cameraToWorld), centroid) as Vec3;
    const [u, v] = project(scaleIntrinsics(view.intrinsics, info.width, info.height), camera)!;
    const full = await sharp(file('full')).raw().toBuffer({ resolveWithObject: true });
    const second = loaded.objects.find((o) => o.id === objects[1]!.id)!.centroid;
    const [u2, v2] = project(scaleIntrinsics(view.intrinsics, info.width, info.height), transformPoint(invertRigid(view.cameraToWorld), second) as Vec3)!;
    const length = Math.hypot(u - u2, v - v2);
    if (length < 12) continue; // too short for its head to be measured
    const [px, py] = [Math.round(u + ((u2 - u) / length) * 4), Math.round(v + ((v2 - v) / length) * 4)];
    const pixel = [...full.data.subarray((py * full.info.width + px) * full.info.channels, (py * full.info.width + px) * full.info.channels + 3)];
    const [r, g, b] = rgb(HINT_COLOURS.arrow);
    t.true(Math.abs(pixel[0]! - r!) < 40 && Math.abs(pixel[1]! - g!) < 40 && Math.abs(pixel[2]! - b!) < 60, `${id}: arrow head at the projected centroid (${u.toFixed(1)}, ${v.toFixed(1)}) is yellow: ${pixel}`);
    checked++;
  }
  t.true(checked >= 1, 'at least one arrow measured');
});
