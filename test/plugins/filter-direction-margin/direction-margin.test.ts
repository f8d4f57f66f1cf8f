import test from 'ava';
import { candidate, kept, tinyScene } from '../../helpers/tiny-scene.ts';

const deg = (d: number): [number, number, number] => [-Math.sin((d * Math.PI) / 180), Math.cos((d * Math.PI) / 180), 0.5];

test('single image: |d.x| and |d.z| must reach the margin (0.1 m)', async (t) => {
  const camera = (x: number, z: number) => ({ visibility: 1, camera: [x, 0, z] as [number, number, number] });
  const scene = tinyScene({
    objects: [1, 2, 3, 4, 5].map((id) => ({ id, category: `o${id}`, center: [id, 0, 0.5] as [number, number, number] })),
    views: [{ frame: 0, shows: { 1: camera(0, 2), 2: camera(0.5, 3), 3: camera(0.05, 3), 4: camera(0.5, 2.05), 5: camera(0.1, 2.1) } }],
  });
  const c = [
    candidate(scene, 'relative-direction', 'single-image', [2, 1], [0], 0), // d = (0.5, 1): kept
    candidate(scene, 'relative-direction', 'single-image', [3, 1], [0], 1), // d.x = 0.05: dropped
    candidate(scene, 'relative-direction', 'single-image', [4, 1], [0], 2), // d.z = 0.05: dropped
    candidate(scene, 'relative-direction', 'single-image', [5, 1], [0], 3), // exactly 0.1 and 0.1: kept
  ];
  t.deepEqual(await kept(['filter-direction-margin'], scene, c), [c[0]!.id, c[3]!.id]);
  t.deepEqual(await kept([['filter-direction-margin', { metres: 0.01 }]], scene, c), c.map((x) => x.id));
});

test('multi-view: drop within the margin of any quadrant boundary, on both sides', async (t) => {
  // P at the origin, O straight ahead (+y); Q at the angles below (counter-clockwise from forward)
  const angles = [45, 5, 355, 85, 95, 80, 100, 180, 225];
  const scene = tinyScene({
    objects: [
      { id: 1, category: 'bed', center: [0, 0, 0.5] },
      { id: 2, category: 'door', center: [0, 2, 0.5] },
      ...angles.map((a, i) => ({ id: 10 + i, category: `q${a}`, center: deg(a) })),
    ],
    views: [{ frame: 0, shows: { 1: 1 } }],
  });
  const c = angles.map((_, i) => candidate(scene, 'relative-direction', 'multi-view', [1, 2, 10 + i], [0], i));
  const survivors = (await kept(['filter-direction-margin'], scene, c)).map((id) => angles[Number(id.split('/').at(-1))]);
  t.deepEqual(survivors, [45, 80, 100, 225], '5, 355, 85, 95 and 180 are within 10 degrees of a boundary; 80 and 100 are exactly at the margin');
  t.deepEqual(
    (await kept([['filter-direction-margin', { degrees: 4 }]], scene, c)).map((id) => angles[Number(id.split('/').at(-1))]),
    [45, 5, 355, 85, 95, 80, 100, 225],
  );
});

test('other tasks pass through', async (t) => {
  const scene = tinyScene({ objects: [{ id: 1, category: 'bed', center: [0, 0, 0.5] }], views: [{ frame: 0, shows: { 1: 1 } }] });
  const c = candidate(scene, 'object-size', 'single-image', [1], [0]);
  t.deepEqual(await kept(['filter-direction-margin'], scene, [c]), [c.id]);
});
