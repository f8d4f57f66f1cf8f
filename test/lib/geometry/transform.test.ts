import test from 'ava';
import { IDENTITY, invertRigid, multiply, transformPoint, yawOf, yawTransform } from '../../../lib/geometry/index.ts';
import { project, scaleIntrinsics, unproject } from '../../../lib/geometry/index.ts';

const close = (t: { true(v: boolean, m?: string): void }, a: number[], b: number[], eps = 1e-9) =>
  t.true(a.every((v, i) => Math.abs(v - b[i]!) <= eps), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);

test('a quarter turn about +Z maps x to y; translation applies after rotation', (t) => {
  const m = yawTransform(Math.PI / 2, [1, 2, 3]);
  close(t, transformPoint(m, [1, 0, 0]), [1, 3, 3]);
  close(t, transformPoint(m, [0, 1, 0]), [0, 2, 3]);
  t.is(yawOf(m), Math.PI / 2);
});

test('invertRigid undoes a rigid transform and composes to identity', (t) => {
  const m = multiply(yawTransform(0.7, [0.5, -2, 1]), [1, 0, 0, 0, 0, 0, -1, 0, 0, 1, 0, 0, 0, 0, 0, 1]);
  close(t, multiply(invertRigid(m), m), IDENTITY);
  close(t, transformPoint(invertRigid(m), transformPoint(m, [0.3, 0.2, -4])), [0.3, 0.2, -4]);
});

test('projection in the OpenCV convention, and unprojection back', (t) => {
  const k = { fx: 500, fy: 500, cx: 319.5, cy: 239.5, width: 640, height: 480 };
  close(t, project(k, [0.2, -0.1, 2])!, [369.5, 214.5]);
  t.is(project(k, [0.2, -0.1, 0]), undefined);
  t.is(project(k, [0.2, -0.1, -2]), undefined);
  close(t, unproject(k, 369.5, 214.5, 2), [0.2, -0.1, 2]);
});

test('scaling intrinsics keeps the pixel-centre convention (ScanNet colour 1296x968 to 648x484)', (t) => {
  const k = { fx: 1170.187988, fy: 1170.187988, cx: 647.75, cy: 483.75, width: 1296, height: 968 };
  const half = scaleIntrinsics(k, 648, 484);
  close(t, [half.fx, half.fy, half.cx, half.cy], [585.093994, 585.093994, 323.625, 241.625]);
  // the same ray lands on the same relative position
  const p: [number, number, number] = [0.3, 0.4, 2];
  const [u, v] = project(k, p)!;
  const [hu, hv] = project(half, p)!;
  close(t, [(hu + 0.5) * 2, (hv + 0.5) * 2], [u + 0.5, v + 0.5], 1e-9);
});
