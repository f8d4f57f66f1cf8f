import test from 'ava';
import { createRandom } from '../../../core/index.ts';
import {
  bestVisibility,
  categoryCounts,
  combos,
  observations,
  presentIn,
  roundRobin,
  sceneIndex,
  videoFrames,
  viewSets,
} from '../../../lib/tasks/index.ts';
import { tinyScene, type TinyObject, type TinyView } from '../../helpers/tiny-scene.ts';

const spec: { objects: TinyObject[]; views: TinyView[] } = {
  objects: [
    { id: 1, category: 'chair', center: [0, 0, 0.5] },
    { id: 2, category: 'chair', center: [2, 0, 0.5] },
    { id: 3, category: 'table', center: [0, 2, 0.5] },
  ],
  views: Array.from({ length: 10 }, (_, i) => ({
    frame: i * 10,
    time: i,
    shows: i < 5 ? { 1: 0.5, 3: i / 10 } : { 2: 0.9 },
  })),
};
const scene = tinyScene(spec);

test('the index lists present objects (visibility > 0) per frame and their first sighting', (t) => {
  const index = sceneIndex(scene);
  t.deepEqual([...index.shown.get(0)!.keys()], [1]); // table at visibility 0 is not present
  t.deepEqual(presentIn(index, [0, 10, 50]), [1, 2, 3]);
  t.is(bestVisibility(index, 3, [0, 10, 20, 30, 40]), 0.4);
  t.is(bestVisibility(index, 2, [0, 10]), 0);
  t.deepEqual(index.firstSeen.get(3), { frame: 10, time: 1 });
  t.deepEqual(index.firstSeen.get(2), { frame: 50, time: 5 });
  t.deepEqual([...categoryCounts(index, [0, 10, 50])], [['chair', 2], ['table', 1]]);
  t.is(sceneIndex(scene), index, 'memoised per scene');
});

test("a source's video facts are the only first sightings: an object they leave out is never seen, though views show it", (t) => {
  // the reader's first clear sighting: chair 1 at time 3, table 3 never clear (its visibility stays below the threshold)
  const withFacts = tinyScene({ ...spec, id: 'facts', firstSeen: { fps: 1, firstSeen: { 1: { frame: 30, time: 3 }, 2: { frame: 50, time: 5 } } } });
  const index = sceneIndex(withFacts);
  t.deepEqual(index.firstSeen.get(1), { frame: 30, time: 3 }, 'not the first view at visibility > 0 (frame 0)');
  t.is(index.firstSeen.get(3), undefined, 'shown faintly, never sighted clearly');
  t.deepEqual(presentIn(index, [0, 10]), [1, 3], 'presence is still visibility > 0');
});

test('video frames are evenly spaced over the capture', (t) => {
  t.deepEqual(videoFrames(sceneIndex(scene), 4), [0, 30, 60, 90]);
  t.deepEqual(videoFrames(sceneIndex(scene), 16), [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
});

test('view sets: distinct sorted views that show something, the same for every caller', (t) => {
  const index = sceneIndex(scene);
  const sets = viewSets(index, 7, 3, 8);
  t.is(sets.length, 3);
  for (const set of sets) {
    t.is(new Set(set).size, 8);
    t.deepEqual([...set].sort((a, b) => a - b), set);
  }
  t.deepEqual(viewSets(index, 7, 3, 8), sets);
  t.deepEqual(viewSets(index, 7, 3, 11), [], 'fewer usable views than the set size');
});

test('observations per modality: single views, view sets, the whole video', (t) => {
  const index = sceneIndex(scene);
  const settings = { views: 8, viewSets: 2, frames: 4 };
  const single = observations(index, 'single-image', settings, 1);
  t.is(single.length, 10);
  t.deepEqual(single[1]!.objects.map((o) => o.id), [1, 3]);
  const video = observations(index, 'video', settings, 1);
  t.deepEqual(video[0]!.frames, [0, 30, 60, 90]);
  t.deepEqual(video[0]!.objects.map((o) => o.id), [1, 2, 3], 'objects of the whole capture');
  t.is(observations(index, 'multi-view', settings, 1).length, 2);
});

test('combos enumerate each tuple once, in a seeded order', (t) => {
  const pairs = [...combos(4, 2, false, createRandom(1))];
  t.is(pairs.length, 6);
  t.is(new Set(pairs.map((p) => [...p].sort().join())).size, 6);
  t.is([...combos(4, 3, true, createRandom(1))].length, 24);
  t.deepEqual([...combos(4, 2, false, createRandom(1))], pairs);
  t.notDeepEqual([...combos(4, 2, false, createRandom(2))], pairs);
  t.is([...combos(2, 3, false, createRandom(1))].length, 0);
  // large sets are drawn lazily without repeats
  const big = [...take(combos(60, 3, true, createRandom(1)), 500)];
  t.is(new Set(big.map((p) => p.join())).size, 500);
});

function* take<T>(items: Iterable<T>, n: number) {
  for (const item of items) {
    if (n-- <= 0) return;
    yield item;
  }
}

test('roundRobin takes one item from each stream in turn', (t) => {
  const streams = [[1, 2, 3], [10], [20, 21]].map((list) => () => list[Symbol.iterator]());
  t.deepEqual([...roundRobin(streams)], [1, 10, 20, 2, 21, 3]);
});
