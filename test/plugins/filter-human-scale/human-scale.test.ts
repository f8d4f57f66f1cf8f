import test from 'ava';
import { candidate, kept, tinyScene } from '../../helpers/tiny-scene.ts';
import { ConfigError } from '../../../core/index.ts';
import { taskLadder } from '../../helpers/tiny-scene.ts';

const longest = [0.09, 0.1, 3, 3.01];
const scene = tinyScene({
  objects: longest.map((l, i) => ({ id: i + 1, category: `thing${i}`, center: [i * 4, 0, 0.5] as [number, number, number], size: [l, 0.05, 0.05] as [number, number, number] })),
  views: [{ frame: 0, shows: { 1: 1, 2: 1, 3: 1, 4: 1 } }],
});

test('object size keeps longest sides within [10 cm, 300 cm], bounds included', async (t) => {
  const c = longest.map((_, i) => candidate(scene, 'object-size', 'single-image', [i + 1], [0], i));
  t.deepEqual(await kept(['filter-human-scale'], scene, c), [c[1]!.id, c[2]!.id]);
});

test('other tasks pass unless listed', async (t) => {
  const pair = candidate(scene, 'absolute-distance', 'single-image', [1, 4], [0]);
  t.deepEqual(await kept(['filter-human-scale'], scene, [pair]), [pair.id]);
  t.deepEqual(await kept([['filter-human-scale', { tasks: ['absolute-distance'] }]], scene, [pair]), []);
  t.deepEqual(await kept([['filter-human-scale', { minCm: 5, maxCm: 400, tasks: ['absolute-distance'] }]], scene, [pair]), [pair.id]);
});

test('minCm must be below maxCm', async (t) => {
  await t.throwsAsync(() => taskLadder([['filter-human-scale', { minCm: 50, maxCm: 20 }]]), { instanceOf: ConfigError, message: /minCm/ });
});
