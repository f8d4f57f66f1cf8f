import test from 'ava';
import { createRandom, type OrientedBox, type Vec3 } from '../../../core/index.ts';
import { boxCorners, boxDistance } from '../../../lib/geometry/index.ts';

const box = (center: Vec3, size: Vec3, yawDeg = 0): OrientedBox => ({ center, size, yaw: (yawDeg * Math.PI) / 180 });
const unit = (center: Vec3, yawDeg = 0) => box(center, [1, 1, 1], yawDeg);
const near = (a: number, b: number, eps = 1e-12) => Math.abs(a - b) <= eps;

test('overlapping and touching boxes are at distance 0', (t) => {
  t.is(boxDistance(unit([0, 0, 0]), unit([0.5, 0.2, 0.1])), 0);
  t.is(boxDistance(unit([0, 0, 0]), unit([1, 0, 0])), 0); // faces touch
  t.is(boxDistance(unit([0, 0, 0]), unit([0, 0, 1])), 0); // stacked
  t.is(boxDistance(box([0, 0, 0], [4, 4, 4]), unit([0.3, 0.3, 0.3], 33)), 0); // one inside the other
});

test('boxes without width or depth (a vertical line of points, a flat panel seen edge-on): their footprints are points and segments', (t) => {
  const pole = (x: number, y: number) => box([x, y, 0.1], [0, 0, 0.2]);
  t.is(boxDistance(pole(0, 0), pole(3, 0)), 3, 'two point footprints 3 m apart');
  t.is(boxDistance(pole(0, 0), pole(0, 0)), 0);
  t.is(boxDistance(box([0, 0, 0.1], [0.5, 0, 0.2]), box([3, 0, 0.1], [0.5, 0, 0.2])), 2.5, 'two segments on one line');
  t.true(near(boxDistance(box([0, 0, 0.1], [0.5, 0, 0.2]), box([0, 2, 0.1], [0.5, 0, 0.2], 90)), 1.75), 'a segment facing the end of another');
  t.is(boxDistance(pole(0.2, 0.1), unit([0, 0, 0])), 0, 'a point footprint inside a box');
  t.is(boxDistance(pole(2, 0), unit([0, 0, 0])), 1.5);
  t.is(boxDistance(box([0, 0, 0.1], [2, 0, 0.2]), box([0, 0, 0.1], [2, 0, 0.2], 90)), 0, 'two crossing segments');
});

test('face to face: 3 m between centres of unit cubes is 2 m', (t) => {
  t.is(boxDistance(unit([0, 0, 0]), unit([3, 0, 0])), 2);
  t.is(boxDistance(unit([0, 0, 0]), unit([0, 0, -2.5])), 1.5);
  t.is(boxDistance(box([0, 0, 0], [2, 1, 1]), box([0, 3, 0], [1, 3, 1])), 1); // y: [-0.5, 0.5] and [1.5, 4.5]
});

test('corner to face: a cube turned 45 degrees points a vertical edge at the other', (t) => {
  // B's nearest edge is at x = 2 - sqrt(2)/2; A's face at x = 0.5
  t.true(near(boxDistance(unit([0, 0, 0]), unit([2, 0, 0], 45)), 1.5 - Math.SQRT1_2));
  // both turned: edge to edge at x = sqrt(2)/2 and 3 - sqrt(2)/2
  t.true(near(boxDistance(unit([0, 0, 0], 45), unit([3, 0, 0], 45)), 3 - Math.SQRT2));
});

test('edge to edge in 3D: diagonal offset in x and z gives sqrt(dx^2 + dz^2)', (t) => {
  // A's top edge at (x=0.5, z=0.5) and B's bottom edge at (x=1, z=1), both along y
  t.true(near(boxDistance(unit([0, 0, 0]), unit([1.5, 0, 1.5])), Math.SQRT1_2));
  // crossing edges: A's top edge runs along y, B (long in x, shifted in y) has its bottom edge along x above it
  t.true(near(boxDistance(unit([0, 0, 0]), box([2.3, -1.8, 1.5], [3, 3, 1])), Math.hypot(0.3, 0.5)));
  // rotated corner above and beside: corner (2 - sqrt2/2, 0, 1) to A's top edge (0.5, 0, 0.5)
  t.true(near(boxDistance(unit([0, 0, 0]), unit([2, 0, 1.5], 45)), Math.hypot(1.5 - Math.SQRT1_2, 0.5)));
});

test('symmetric, and invariant under a common rotation and translation', (t) => {
  const a = box([0.2, 0.1, 0.4], [1.2, 0.6, 0.8], 17);
  const b = box([2.1, 1.4, 0.9], [0.5, 0.9, 0.3], -62);
  const d = boxDistance(a, b);
  t.true(near(d, boxDistance(b, a)));
  const turn = (o: OrientedBox, deg: number, shift: Vec3): OrientedBox => {
    const r = (deg * Math.PI) / 180;
    const [x, y, z] = o.center;
    return { center: [Math.cos(r) * x - Math.sin(r) * y + shift[0], Math.sin(r) * x + Math.cos(r) * y + shift[1], z + shift[2]], size: o.size, yaw: o.yaw + r };
  };
  t.true(near(boxDistance(turn(a, 71, [5, -3, 2]), turn(b, 71, [5, -3, 2])), d, 1e-12));
});

// An independent exact reference: for disjoint convex polytopes the closest
// points lie on a (vertex, face) or (edge, edge) pair of features.
type P = Vec3;
const sub = (a: P, b: P): P => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const dot = (a: P, b: P) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: P, b: P): P => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const clamp = (v: number) => Math.min(1, Math.max(0, v));

function segmentSegment(p1: P, q1: P, p2: P, q2: P): number {
  const d1 = sub(q1, p1);
  const d2 = sub(q2, p2);
  const r = sub(p1, p2);
  const a = dot(d1, d1);
  const e = dot(d2, d2);
  const f = dot(d2, r);
  const c = dot(d1, r);
  const b = dot(d1, d2);
  let s: number;
  let t: number;
  if (a < 1e-15) [s, t] = [0, clamp(f / e)];
  else if (e < 1e-15) [s, t] = [clamp(-c / a), 0];
  else {
    const denom = a * e - b * b;
    s = denom > 1e-15 ? clamp((b * f - c * e) / denom) : 0;
    t = (b * s + f) / e;
    if (t < 0) [t, s] = [0, clamp(-c / a)];
    else if (t > 1) [t, s] = [1, clamp((b - c) / a)];
  }
  const x = sub([p1[0] + d1[0] * s, p1[1] + d1[1] * s, p1[2] + d1[2] * s], [p2[0] + d2[0] * t, p2[1] + d2[1] * t, p2[2] + d2[2] * t]);
  return Math.sqrt(dot(x, x));
}

const FACES = [[0, 1, 2, 3], [4, 5, 6, 7], [0, 1, 5, 4], [1, 2, 6, 5], [2, 3, 7, 6], [3, 0, 4, 7]];
const EDGES = [[0, 1], [1, 2], [2, 3], [3, 0], [4, 5], [5, 6], [6, 7], [7, 4], [0, 4], [1, 5], [2, 6], [3, 7]];

function pointFace(p: P, quad: P[]): number {
  const [a, b, , d] = quad as [P, P, P, P];
  const u = sub(b, a);
  const v = sub(d, a);
  const w = sub(p, a);
  const su = dot(w, u) / dot(u, u);
  const sv = dot(w, v) / dot(v, v);
  if (su >= 0 && su <= 1 && sv >= 0 && sv <= 1) {
    const n = cross(u, v);
    return Math.abs(dot(w, n)) / Math.sqrt(dot(n, n));
  }
  return Math.min(...[0, 1, 2, 3].map((i) => segmentSegment(p, p, quad[i]!, quad[(i + 1) % 4]!)));
}

function overlaps(a: P[], b: P[]): boolean {
  const axesOf = (c: P[]) => [sub(c[1]!, c[0]!), sub(c[3]!, c[0]!), sub(c[4]!, c[0]!)];
  const axes = [...axesOf(a), ...axesOf(b)];
  for (const x of axesOf(a)) for (const y of axesOf(b)) axes.push(cross(x, y));
  return axes.every((axis) => {
    if (dot(axis, axis) < 1e-18) return true;
    const pa = a.map((p) => dot(p, axis));
    const pb = b.map((p) => dot(p, axis));
    return !(Math.max(...pa) < Math.min(...pb) || Math.max(...pb) < Math.min(...pa));
  });
}

function featureDistance(a: OrientedBox, b: OrientedBox): number {
  const ca = boxCorners(a);
  const cb = boxCorners(b);
  if (overlaps(ca, cb)) return 0;
  let best = Infinity;
  for (const [points, corners] of [[ca, cb], [cb, ca]] as const)
    for (const p of points) for (const face of FACES) best = Math.min(best, pointFace(p, face.map((i) => corners[i]!)));
  for (const [i, j] of EDGES) for (const [k, l] of EDGES) best = Math.min(best, segmentSegment(ca[i!]!, ca[j!]!, cb[k!]!, cb[l!]!));
  return best;
}

test('agrees with the vertex-face / edge-edge reference on 500 random rotated pairs', (t) => {
  const random = createRandom(7, 'box-distance');
  const r = (lo: number, hi: number) => lo + (hi - lo) * random.next();
  let zero = 0;
  for (let i = 0; i < 500; i++) {
    const a = box([r(-1, 1), r(-1, 1), r(0, 1)], [r(0.1, 2), r(0.1, 2), r(0.1, 2)], r(-180, 180));
    const b = box([r(-3, 3), r(-3, 3), r(-1, 2)], [r(0.1, 2), r(0.1, 2), r(0.1, 2)], r(-180, 180));
    const expected = featureDistance(a, b);
    const got = boxDistance(a, b);
    if (expected === 0) zero++;
    t.true(Math.abs(got - expected) < 1e-9, `pair ${i}: ${got} vs ${expected}`);
  }
  t.true(zero > 30 && zero < 470, `both overlapping and separated pairs occur (${zero} overlapping)`);
});
