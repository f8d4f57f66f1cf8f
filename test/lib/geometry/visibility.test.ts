import test from 'ava';
import { IDENTITY, measureVisibility, yawTransform, invertRigid, type DepthMap } from '../../../lib/geometry/index.ts';

// Camera at the origin looking along +z (world = camera frame). 100x100 colour image, 10x10 depth.
const colour = { fx: 100, fy: 100, cx: 49.5, cy: 49.5, width: 100, height: 100 };
const depthK = { fx: 10, fy: 10, cx: 4.5, cy: 4.5, width: 10, height: 10 };
const samples = new Float64Array([
  0, 0, 2, // u=v=49.5, depth pixel (5,5): visible
  2, 0, 2, // u=149.5: outside the image
  0, 0, -1, // behind the camera
  0.1, 0.1, 2, // u=v=54.5, depth pixel (5,5): visible
  -0.5, 0, 2, // u=24.5, depth pixel (2,5): occluded by a surface at 1 m
]);
const depthMap = (): DepthMap => {
  const data = new Uint16Array(100).fill(2000);
  data[5 * 10 + 2] = 1000;
  return { width: 10, height: 10, data, unitsPerMetre: 1000, intrinsics: depthK };
};

test('depth test: 2 of 5 samples are in the image and not occluded', (t) => {
  const m = measureVisibility(samples, IDENTITY, colour, depthMap(), { tolerance: 0.1 });
  t.is(m.total, 5);
  t.is(m.visible, 2);
  t.is(m.visibility, 0.4);
  t.deepEqual(m.box2d, [49.5, 49.5, 54.5, 54.5]);
});

test('a sample slightly behind the depth surface is within the tolerance; farther is occluded', (t) => {
  const map = depthMap();
  map.data[5 * 10 + 5] = 1950; // 5 cm in front of the samples at 2 m
  t.is(measureVisibility(samples, IDENTITY, colour, map, { tolerance: 0.1 }).visible, 2);
  t.is(measureVisibility(samples, IDENTITY, colour, map, { tolerance: 0.04 }).visible, 0);
});

test('no depth reading (0) cannot prove occlusion', (t) => {
  const map = depthMap();
  map.data[5 * 10 + 2] = 0;
  t.is(measureVisibility(samples, IDENTITY, colour, map, { tolerance: 0.1 }).visible, 3);
});

test('without a depth map only the frustum test applies', (t) => {
  const m = measureVisibility(samples, IDENTITY, colour, undefined, { tolerance: 0.1 });
  t.is(m.visibility, 0.6);
  t.deepEqual(m.box2d, [24.5, 49.5, 54.5, 54.5]);
});

test('the pose moves the camera: turned 180 degrees about +Z it sees nothing at +z... but samples at -x', (t) => {
  // camera looking along world +z is unaffected by a yaw about z; move it 3 m back instead
  const cameraToWorld = yawTransform(0, [0, 0, -1]);
  const m = measureVisibility(samples, invertRigid(cameraToWorld), colour, undefined, { tolerance: 0.1 });
  // now the sample at z=-1 is at camera z=0 (not in front), the others at z=3
  t.is(m.visible, 3 + 0); // (0,0,3) (0.1,0.1,3) (-0.5,0,3); (2,0,3) projects to u=116.2, outside
  t.deepEqual(m.box2d!.map((v) => Math.round(v * 1000) / 1000), [32.833, 49.5, 52.833, 52.833]);
});

test('sphereInView: behind the camera, beyond a side plane, or reaching into the image', async (t) => {
  const { sphereInView } = await import('../../../lib/geometry/index.ts');
  // Camera at the origin looking along +z; the right edge plane is x = z * 0.5 (u = 99.5).
  t.false(sphereInView([0, 0, -2], 1, IDENTITY, colour));
  t.true(sphereInView([0, 0, -2], 2.1, IDENTITY, colour)); // reaches past the near plane
  t.true(sphereInView([0, 0, 5], 0.1, IDENTITY, colour));
  // centre at x = 2, z = 2: distance to the plane x - 0.5 z = 0 is (2 - 1) / sqrt(1.25) = 0.894
  t.false(sphereInView([2, 0, 2], 0.89, IDENTITY, colour));
  t.true(sphereInView([2, 0, 2], 0.9, IDENTITY, colour));
  t.false(sphereInView([0, -3, 2], 1, IDENTITY, colour)); // above the top edge
});
