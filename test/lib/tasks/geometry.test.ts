import test from 'ava';
import {
  boundaryDistance,
  boxCorners,
  boxDistance,
  cameraDirection,
  longestSide,
  quadrantAngle,
  quadrantOf,
  round,
} from '../../../lib/tasks/index.ts';
import type { OrientedBox } from '../../../core/index.ts';

const unit = (x: number, y: number, z = 0.5, yaw = 0): OrientedBox => ({ center: [x, y, z], size: [1, 1, 1], yaw });

test('box corners: a 2x1x1 box turned 90 degrees spans 1 along x and 2 along y', (t) => {
  const corners = boxCorners({ center: [0, 0, 0.5], size: [2, 1, 1], yaw: Math.PI / 2 });
  const xs = corners.map((c) => round(c[0], 9));
  const ys = corners.map((c) => round(c[1], 9));
  t.deepEqual([Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)], [-0.5, 0.5, -1, 1]);
  t.deepEqual([...new Set(corners.map((c) => c[2]))], [0, 1]);
});

test('closest distance between axis-aligned boxes side by side: face to face', (t) => {
  // faces at x = 0.5 and x = 2.5
  t.is(boxDistance(unit(0, 0), unit(3, 0)), 2);
});

test('closest distance from a face to the corner of a box turned 45 degrees', (t) => {
  // the turned unit box reaches x = 3 - sqrt(2)/2 = 2.29289; the other face is at x = 0.5
  t.is(round(boxDistance(unit(0, 0), unit(3, 0, 0.5, Math.PI / 4)), 6), round(2.5 - Math.SQRT2 / 2, 6));
});

test('closest distance between boxes offset on both floor axes is corner to corner', (t) => {
  // corners (0.5, 0.5) and (2.5, 3.5): sqrt(2^2 + 3^2)
  t.is(round(boxDistance(unit(0, 0), unit(3, 4)), 9), round(Math.sqrt(13), 9));
});

test('closest distance of stacked boxes is the vertical gap; overlap and touching give 0', (t) => {
  t.is(boxDistance(unit(0, 0, 0.5), unit(0, 0, 2.5)), 1);
  // floor gap 1 (x) and vertical gap 1: sqrt(2)
  t.is(round(boxDistance(unit(0, 0, 0.5), unit(2, 0, 2.5)), 9), round(Math.SQRT2, 9));
  t.is(boxDistance(unit(0, 0), unit(0.5, 0.5)), 0);
  t.is(boxDistance(unit(0, 0), unit(1, 0)), 0);
});

test('closest distance is symmetric and not the centroid distance', (t) => {
  const a: OrientedBox = { center: [1, 2, 0.4], size: [1.2, 0.6, 0.8], yaw: 0.3 };
  const b: OrientedBox = { center: [3.5, 0.5, 1], size: [0.4, 2, 2], yaw: -1.1 };
  t.is(boxDistance(a, b), boxDistance(b, a));
  t.true(boxDistance(a, b) < Math.hypot(2.5, 1.5, 0.6));
});

test('longest side', (t) => {
  t.is(longestSide({ center: [0, 0, 0], size: [0.4, 1.25, 0.9], yaw: 2 }), 1.25);
});

test('the documented test vectors (docs/method.md#answer-rules): P=(0,0), O=(0,1)', (t) => {
  const p = [0, 0];
  const o = [0, 1];
  t.is(quadrantOf(quadrantAngle(p, o, [-1, 1])), 'front-left');
  t.is(quadrantOf(quadrantAngle(p, o, [1, 1])), 'front-right');
  t.is(quadrantOf(quadrantAngle(p, o, [-1, -1])), 'back-left');
  t.is(quadrantOf(quadrantAngle(p, o, [1, -1])), 'back-right');
  t.is(quadrantAngle(p, o, [-1, 1]), 45);
  t.is(quadrantAngle(p, o, [1, 1]), 315);
  t.is(quadrantAngle(p, o, [-1, -1]), 135);
  t.is(quadrantAngle(p, o, [1, -1]), 225);
});

test('quadrant angle does not depend on where P stands or how far O is', (t) => {
  t.is(quadrantAngle([5, 5, 1], [5, 9, 0], [4, 6, 3]), 45);
  t.is(quadrantAngle([0, 0], [2, 0], [0, 3]), 90);
});

test('quadrant boundaries: each boundary belongs to the quadrant it opens, distance counts both sides', (t) => {
  const p = [0, 0];
  const o = [0, 1];
  t.is(quadrantAngle(p, o, [0, 2]), 0);
  t.is(quadrantOf(0), 'front-left');
  t.is(quadrantOf(quadrantAngle(p, o, [-1, 0])), 'back-left'); // exactly 90
  t.is(quadrantOf(quadrantAngle(p, o, [0, -1])), 'back-right'); // exactly 180
  t.is(quadrantOf(quadrantAngle(p, o, [1, 0])), 'front-right'); // exactly 270
  t.deepEqual([0, 5, 45, 85, 90, 95, 179, 181, 355].map(boundaryDistance), [0, 5, 45, 5, 0, 5, 1, 1, 5]);
});

test('quadrant angle is NaN when P coincides with O or Q on the floor', (t) => {
  t.true(Number.isNaN(quadrantAngle([0, 0, 0], [0, 0, 2], [1, 1, 0])));
  t.true(Number.isNaN(quadrantAngle([0, 0], [0, 1], [0, 0])));
});

test('camera direction: left if d.x < 0 else right, front if d.z > 0 else back', (t) => {
  t.deepEqual(cameraDirection([-1, 0, 3], [0.5, 0.2, 2]), { label: 'left-front', delta: [-1.5, -0.2, 1] });
  t.is(cameraDirection([1, 0, 1], [0, 0, 2]).label, 'right-back');
  t.is(cameraDirection([0, 0, 2], [0, 0, 2]).label, 'right-back'); // ties go right and back
});
