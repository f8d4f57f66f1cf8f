import test from 'ava';
import { candidate, kept, tinyScene } from '../../helpers/tiny-scene.ts';

// two chairs: chair 1 in views 0 and 1, chair 2 only in view 1 (a category present in some views only)
const scene = tinyScene({
  objects: [
    { id: 1, category: 'chair', center: [0, 0, 0.5] },
    { id: 2, category: 'chair', center: [2, 0, 0.5] },
    { id: 3, category: 'table', center: [4, 0, 0.5] },
  ],
  views: [
    { frame: 0, shows: { 1: 0.9, 2: 0, 3: 0.9 } },
    { frame: 1, shows: { 1: 0.9, 2: 0.5, 3: 0.9 } },
    { frame: 2, shows: { 3: 0.9 } },
  ],
});

test('a named category must be the only one of its kind in the views used', async (t) => {
  const c = [
    candidate(scene, 'absolute-distance', 'single-image', [1, 3], [0], 0), // chair 2 invisible in view 0: unique
    candidate(scene, 'absolute-distance', 'single-image', [1, 3], [1], 1), // two chairs in view 1
    candidate(scene, 'absolute-distance', 'multi-view', [1, 3], [0, 2], 2), // views 0 and 2: one chair
    candidate(scene, 'absolute-distance', 'multi-view', [1, 3], [0, 1], 3), // view 1 adds chair 2
    candidate(scene, 'absolute-distance', 'video', [1, 3], [0, 2], 4), // video: the whole capture has two chairs
    candidate(scene, 'object-size', 'video', [3], [0], 5), // one table in the capture
  ];
  t.deepEqual(await kept(['filter-unique-category'], scene, c), [c[0]!.id, c[2]!.id, c[5]!.id]);
});

test('counting and appearance order name categories and are exempt by default', async (t) => {
  const c = [candidate(scene, 'object-counting', 'multi-view', [1, 2], [0, 1]), candidate(scene, 'appearance-order', 'video', [1, 3], [0, 1], 1)];
  t.deepEqual(await kept(['filter-unique-category'], scene, c), c.map((x) => x.id));
  t.deepEqual(await kept([['filter-unique-category', { exempt: [] }]], scene, c), []);
});
