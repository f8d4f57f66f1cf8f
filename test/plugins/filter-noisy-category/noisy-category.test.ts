import test from 'ava';
import { candidate, kept, tinyScene } from '../../helpers/tiny-scene.ts';

const categories = ['wall', 'shower wall', 'Floor', 'ceiling', 'doorframe', 'object', 'banister', 'step', 'wallet', 'chair', 'floor lamp', 'step stool'];
const scene = tinyScene({
  objects: categories.map((category, i) => ({ id: i + 1, category, center: [i, 0, 0.5] as [number, number, number] })),
  views: [{ frame: 0, shows: Object.fromEntries(categories.map((_, i) => [i + 1, 1])) }],
});

test('structure and catch-all categories are dropped, by name or by pattern', async (t) => {
  const c = categories.map((_, i) => candidate(scene, 'object-size', 'single-image', [i + 1], [0], i));
  const survivors = await kept(['filter-noisy-category'], scene, c);
  t.deepEqual(survivors.map((id) => categories[Number(id.split('/').at(-1))]), ['wallet', 'chair', 'floor lamp', 'step stool']);
});

test('a question naming a noisy object among others is dropped; lists are options', async (t) => {
  const pair = candidate(scene, 'absolute-distance', 'single-image', [10, 1], [0]); // chair and wall
  t.deepEqual(await kept(['filter-noisy-category'], scene, [pair]), []);
  t.deepEqual(await kept([['filter-noisy-category', { categories: ['chair'], patterns: [] }]], scene, [pair]), []);
  t.deepEqual(await kept([['filter-noisy-category', { categories: [], patterns: [] }]], scene, [pair]), [pair.id]);
});
