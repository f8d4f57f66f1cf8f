import test from 'ava';
import { boundaryDistance, quadrantAngle, quadrantOf, type Quadrant } from '../../../lib/geometry/index.ts';

test("the documented test vectors (docs/method.md#answer-rules): P=(0,0), O=(0,1)", (t) => {
  const P = [0, 0];
  const O = [0, 1];
  const cases: [number[], number, Quadrant][] = [
    [[-1, 1], 45, 'front-left'],
    [[1, 1], 315, 'front-right'],
    [[-1, -1], 135, 'back-left'],
    [[1, -1], 225, 'back-right'],
  ];
  for (const [Q, theta, label] of cases) {
    t.true(Math.abs(quadrantAngle(P, O, Q) - theta) < 1e-12, `Q=${Q}`);
    t.is(quadrantOf(quadrantAngle(P, O, Q)), label);
  }
});

test('angles are counter-clockwise from the forward vector, in [0, 360), z ignored', (t) => {
  t.is(quadrantAngle([0, 0, 5], [0, 1, 0], [0, 3, -2]), 0); // straight ahead
  t.is(quadrantAngle([0, 0], [0, 1], [-2, 0]), 90); // left
  t.is(quadrantAngle([0, 0], [0, 1], [0, -1]), 180);
  t.is(quadrantAngle([0, 0], [0, 1], [3, 0]), 270); // right
  t.true(Math.abs(quadrantAngle([1, 1], [2, 1], [1, 2]) - 90) < 1e-12); // facing +x, Q at +y is on the left
  t.true(Number.isNaN(quadrantAngle([0, 0], [0, 0], [1, 1])), "no direction when P coincides with O");
});

test('boundary distance is measured on both sides of every boundary', (t) => {
  t.is(boundaryDistance(0), 0);
  t.is(boundaryDistance(359), 1);
  t.is(boundaryDistance(1), 1);
  t.is(boundaryDistance(44), 44);
  t.is(boundaryDistance(46), 44);
  t.is(boundaryDistance(89.5), 0.5);
  t.is(boundaryDistance(90.5), 0.5);
  t.is(boundaryDistance(271), 1);
});
