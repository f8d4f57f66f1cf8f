import test from 'ava';
import { candidate, kept, tinyScene } from '../../helpers/tiny-scene.ts';

const scene = tinyScene({
  objects: [
    { id: 1, category: 'chair', center: [0, 0, 0.5] },
    { id: 2, category: 'table', center: [2, 0, 0.5] },
    { id: 3, category: 'sofa', center: [4, 0, 0.5] },
  ],
  views: [
    { frame: 0, shows: { 1: 0.4, 2: 0.39, 3: 0.1 } },
    { frame: 1, shows: { 2: 0.75 } },
  ],
});

test('every referenced object needs visibility >= 0.40 in some frame the sample shows', async (t) => {
  const c = [
    candidate(scene, 'absolute-distance', 'single-image', [1, 2], [0], 0), // table at 0.39: dropped
    candidate(scene, 'object-size', 'single-image', [1], [0], 1), // exactly 0.40: kept
    candidate(scene, 'absolute-distance', 'multi-view', [1, 2], [0, 1], 2), // table reaches 0.75 in frame 1: kept
    candidate(scene, 'object-size', 'single-image', [3], [1], 3), // not shown in frame 1 at all: dropped
    candidate(scene, 'room-size', 'video', [], [0, 1], 4), // no references: kept
  ];
  t.deepEqual(await kept(['filter-visibility'], scene, c), [c[1]!.id, c[2]!.id, c[4]!.id]);
});

test('the threshold is an option', async (t) => {
  const c = [candidate(scene, 'object-size', 'single-image', [3], [0])];
  t.deepEqual(await kept([['filter-visibility', { min: 0.1 }]], scene, c), [c[0]!.id]);
  t.deepEqual(await kept([['filter-visibility', { min: 0.11 }]], scene, c), []);
});
