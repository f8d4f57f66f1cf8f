import test from 'ava';
import { createRandom } from '../../../core/index.ts';
import { boxCorners, evenSubset, fitOrientedBox, footprint, normalizeBox } from '../../../lib/geometry/index.ts';

const near = (a: number, b: number, eps = 1e-9) => Math.abs(a - b) <= eps;

test('box corners: footprint counter-clockwise from local (-x,-y), bottom then top', (t) => {
  const corners = boxCorners({ center: [1, 2, 0.5], size: [2, 1, 1], yaw: Math.PI / 2 });
  const expected = [
    [1.5, 1, 0],
    [1.5, 3, 0],
    [0.5, 3, 0],
    [0.5, 1, 0],
    [1.5, 1, 1],
    [1.5, 3, 1],
    [0.5, 3, 1],
    [0.5, 1, 1],
  ];
  corners.forEach((c, i) => t.true(c.every((v, j) => near(v, expected[i]![j]!)), `corner ${i}: ${c}`));
});

test('normalizeBox: a quarter turn swaps x and y sizes; a half turn changes nothing', (t) => {
  const a = normalizeBox({ center: [0, 0, 0], size: [2, 1, 3], yaw: Math.PI / 2 + 0.1 });
  t.true(near(a.yaw, 0.1));
  t.deepEqual(a.size, [1, 2, 3]);
  const b = normalizeBox({ center: [0, 0, 0], size: [2, 1, 3], yaw: Math.PI - 0.2 });
  t.true(near(b.yaw, -0.2));
  t.deepEqual(b.size, [2, 1, 3]);
  const c = normalizeBox({ center: [0, 0, 0], size: [2, 1, 3], yaw: Math.PI / 4 });
  t.true(near(c.yaw, -Math.PI / 4));
  t.deepEqual(c.size, [1, 2, 3]);
  // same footprint before and after
  const before = footprint({ center: [0, 0, 0], size: [2, 1, 3], yaw: 2.5 }).map((p) => p.map((v) => v.toFixed(9)).join(',')).sort();
  const after = footprint(normalizeBox({ center: [0, 0, 0], size: [2, 1, 3], yaw: 2.5 })).map((p) => p.map((v) => v.toFixed(9)).join(',')).sort();
  t.deepEqual(after, before);
});

test('fitOrientedBox recovers a rotated box from its corners and interior points', (t) => {
  const random = createRandom(1, 'fit');
  for (const [yawDeg, expectYawDeg, expectSize] of [
    [30, 30, [2, 1, 0.8]],
    [60, -30, [1, 2, 0.8]],
    [-100, -10, [1, 2, 0.8]],
    [0, 0, [2, 1, 0.8]],
  ] as const) {
    const box = { center: [3, -1, 0.4] as [number, number, number], size: [2, 1, 0.8] as [number, number, number], yaw: (yawDeg * Math.PI) / 180 };
    const points: number[] = boxCorners(box).flat();
    const c = Math.cos(box.yaw);
    const s = Math.sin(box.yaw);
    for (let i = 0; i < 200; i++) {
      const u = (random.next() - 0.5) * 2;
      const v = (random.next() - 0.5) * 1;
      points.push(3 + c * u - s * v, -1 + s * u + c * v, random.next() * 0.8);
    }
    const fit = fitOrientedBox(points);
    t.true(near((fit.yaw * 180) / Math.PI, expectYawDeg, 1e-7), `yaw ${yawDeg}: got ${(fit.yaw * 180) / Math.PI}`);
    fit.size.forEach((v, i) => t.true(near(v, expectSize[i]!, 1e-9), `size ${fit.size}`));
    [3, -1, 0.4].forEach((v, i) => t.true(near(fit.center[i]!, v, 1e-9), `center ${fit.center}`));
  }
});

test('fitOrientedBox handles degenerate sets: one point, a segment', (t) => {
  const one = fitOrientedBox([1, 2, 3]);
  t.deepEqual(one.size, [0, 0, 0]);
  t.deepEqual(one.center, [1, 2, 3]);
  const segment = fitOrientedBox([0, 0, 0, 1, 1, 0]);
  t.true(near(Math.max(...segment.size), Math.SQRT2) && near(Math.min(...segment.size), 0), `segment size ${segment.size}`);
  t.true([0.5, 0.5, 0].every((v, i) => near(segment.center[i]!, v)), `segment centre ${segment.center}`);
  t.throws(() => fitOrientedBox([]), { message: /no points/ });
});

test('evenSubset keeps everything under the cap, else spreads evenly', (t) => {
  t.deepEqual(evenSubset(3, 5), [0, 1, 2]);
  t.deepEqual(evenSubset(10, 4), [0, 2, 5, 7]);
});
