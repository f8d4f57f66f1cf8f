import test from 'ava';
import { candidate, kept, tinyScene } from '../../helpers/tiny-scene.ts';

// object i+1 first shown at the time given; each view shows one object
const scene = (times: number[]) =>
  tinyScene({
    objects: times.map((_, i) => ({ id: i + 1, category: `c${i}`, center: [i, 0, 0.5] as [number, number, number] })),
    views: times.map((time, i) => ({ frame: i * 10, time, shows: { [i + 1]: 1 } })),
  });

test('first appearances must be pairwise more than one second apart', async (t) => {
  const apart = scene([0, 1.5, 3, 4.5]);
  const close = scene([0, 1.5, 2.5, 4.5]); // 1.5 -> 2.5 is exactly one second: not more
  const tied = scene([0, 2, 2, 4]);
  const all = (s: ReturnType<typeof scene>) => candidate(s, 'appearance-order', 'video', [1, 2, 3, 4], [0, 10, 20, 30]);
  t.is((await kept(['filter-appearance-gap'], apart, [all(apart)])).length, 1);
  t.is((await kept(['filter-appearance-gap'], close, [all(close)])).length, 0);
  t.is((await kept(['filter-appearance-gap'], tied, [all(tied)])).length, 0);
  t.is((await kept([['filter-appearance-gap', { seconds: 0.5 }]], close, [all(close)])).length, 1);
});

test('the frame list must show the categories in the same order, each in its own frame', async (t) => {
  const s = scene([0, 2, 4, 6, 8]);
  // frames 0, 20, 30, 40: c1 (first shown at frame 10) is never in the frame list
  t.deepEqual(await kept(['filter-appearance-gap'], s, [candidate(s, 'appearance-order', 'video', [1, 2, 3, 4], [0, 20, 30, 40])]), []);
  t.is((await kept(['filter-appearance-gap'], s, [candidate(s, 'appearance-order', 'video', [1, 3, 4, 5], [0, 20, 30, 40])])).length, 1);
});
