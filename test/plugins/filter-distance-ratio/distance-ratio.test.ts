import test from 'ava';
import { candidate, kept, tinyScene } from '../../helpers/tiny-scene.ts';

const cube = (id: number, category: string, x: number, y: number, size = 1) => ({
  id,
  category,
  center: [x, y, size / 2] as [number, number, number],
  size: [size, size, size] as [number, number, number],
});

// box gaps from the lamp (unit cube at the origin): chair 1.0, bed 1.0, table 2.0, sofa 1.9, stool 0 (touching)
const scene = tinyScene({
  objects: [cube(1, 'lamp', 0, 0), cube(2, 'chair', 2, 0), cube(3, 'bed', -2, 0), cube(4, 'table', 0, 3), cube(5, 'sofa', 0, -2.9), cube(6, 'stool', 1, 0)],
  views: [{ frame: 0, shows: { 1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1 } }],
});

test('relative distance: the farther candidate must be at least twice as far; ties are dropped', async (t) => {
  const c = [
    candidate(scene, 'relative-distance', 'single-image', [1, 2, 4], [0], 0), // 1.0 vs 2.0: exactly twice, kept
    candidate(scene, 'relative-distance', 'single-image', [1, 2, 5], [0], 1), // 1.0 vs 1.9: dropped
    candidate(scene, 'relative-distance', 'single-image', [1, 2, 3], [0], 2), // tie 1.0 vs 1.0: dropped
    candidate(scene, 'relative-distance', 'single-image', [1, 6, 2], [0], 3), // 0 (touching) vs 1.0: kept
  ];
  t.deepEqual(await kept(['filter-distance-ratio'], scene, c), [c[0]!.id, c[3]!.id]);
  t.deepEqual(await kept([['filter-distance-ratio', { ratio: 1.8 }]], scene, c), [c[0]!.id, c[1]!.id, c[3]!.id]);
});

test('absolute distance: the distance must exceed the smaller object size', async (t) => {
  const big = tinyScene({
    objects: [cube(1, 'lamp', 0, 0), cube(2, 'chair', 2, 0), cube(3, 'bed', 0, 3.5, 2), cube(4, 'table', 4, 0, 2)],
    views: [{ frame: 0, shows: { 1: 1, 2: 1, 3: 1, 4: 1 } }],
  });
  const c = [
    candidate(big, 'absolute-distance', 'single-image', [1, 2], [0], 0), // gap 1.0 = min size 1.0: not above, dropped
    candidate(big, 'absolute-distance', 'single-image', [1, 3], [0], 1), // gap 2.0 > 1.0: kept
    candidate(big, 'absolute-distance', 'single-image', [2, 4], [0], 2), // gap 0.5 < 1.0: dropped
  ];
  t.deepEqual(await kept(['filter-distance-ratio'], big, c), [c[1]!.id]);
  t.deepEqual(await kept([['filter-distance-ratio', { tasks: ['relative-distance'] }]], big, c), c.map((x) => x.id));
});

test('absolute distance: a pair of tiny objects 4 cm apart passes the size rule but its answer "0.0" cannot be scored: dropped', async (t) => {
  // a light switch (3 cm) 4 cm from an outlet (2 cm): 0.04 > 0.02, and the generator's answer is (0.04).toFixed(1) = "0.0"
  const tiny = tinyScene({
    objects: [cube(1, 'light switch', 0, 0, 0.03), cube(2, 'power outlet', 0.065, 0, 0.02), cube(3, 'door', 0.6, 0, 0.2)],
    views: [{ frame: 0, shows: { 1: 1, 2: 1, 3: 1 } }],
  });
  const near = { ...candidate(tiny, 'absolute-distance', 'single-image', [1, 2], [0], 0), answer: (0.04).toFixed(1) };
  const far = { ...candidate(tiny, 'absolute-distance', 'single-image', [1, 3], [0], 1), answer: '0.5' };
  t.is(near.answer, '0.0');
  t.deepEqual(await kept(['filter-distance-ratio'], tiny, [near, far]), [far.id]);
  t.deepEqual(await kept(['filter-distance-ratio'], tiny, [{ ...near, answer: '0.1' }]), [near.id], 'the same pair kept when its answer can be scored');
});
