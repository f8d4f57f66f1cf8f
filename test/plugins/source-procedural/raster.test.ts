import test from 'ava';
import { IDENTITY, invertRigid } from '../../../lib/geometry/index.ts';
import { lookPose } from '../../../plugins/source-procedural/camera-path.ts';
import { render, type RenderMesh } from '../../../plugins/source-procedural/raster.ts';

const k = { fx: 50, fy: 50, cx: 49.5, cy: 39.5, width: 100, height: 80 };

/** A square in the plane z = depth (camera frame = world), corners (x0,y0)-(x1,y1), facing the camera or away. */
function square(x0: number, y0: number, x1: number, y1: number, depth: number, colour: [number, number, number], facing = true): RenderMesh {
  const positions = Float64Array.from([x0, y0, depth, x1, y0, depth, x1, y1, depth, x0, y1, depth]);
  const triangles = facing ? Uint32Array.from([0, 3, 2, 0, 2, 1]) : Uint32Array.from([0, 1, 2, 0, 2, 3]);
  return { positions, colours: Uint8Array.from([...colour, ...colour, ...colour, ...colour]), triangles, shade: Float32Array.from([1, 1]) };
}

const merge = (a: RenderMesh, b: RenderMesh): RenderMesh => ({
  positions: Float64Array.from([...a.positions, ...b.positions]),
  colours: Uint8Array.from([...a.colours, ...b.colours]),
  triangles: Uint32Array.from([...a.triangles, ...[...b.triangles].map((i) => i + a.positions.length / 3)]),
  shade: Float32Array.from([...a.shade, ...b.shade]),
});

test('a square facing the camera covers exactly the pixels whose centres it contains, at its depth', (t) => {
  // x in [-0.5, 0.5] at z = 2 projects to u in [37, 62]; y in [-0.2, 0.2] to v in [34.5, 44.5]
  const out = render(square(-0.5, -0.2, 0.5, 0.2, 2, [200, 100, 50]), IDENTITY, k, true);
  let covered = 0;
  for (let v = 0; v < 80; v++)
    for (let u = 0; u < 100; u++) {
      const inside = u >= 37 && u <= 62 && v >= 35 && v <= 44;
      const z = out.depth[v * 100 + u]!;
      if (inside) {
        covered++;
        t.true(Math.abs(z - 2) < 1e-6, `depth at ${u},${v}: ${z}`);
        t.deepEqual([...out.rgb!.subarray((v * 100 + u) * 3, (v * 100 + u) * 3 + 3)], [200, 100, 50]);
      } else if (z !== 0) t.fail(`pixel ${u},${v} drawn outside the square`);
    }
  t.is(covered, 26 * 10);
});

test('back faces are culled; the nearer surface wins the z-test whatever the order', (t) => {
  t.true(render(square(-0.5, -0.2, 0.5, 0.2, 2, [1, 1, 1], false), IDENTITY, k, true).depth.every((z) => z === 0));
  const near = square(-0.1, -0.1, 0.1, 0.1, 1, [0, 255, 0]);
  const far = square(-0.5, -0.5, 0.5, 0.5, 3, [255, 0, 0]);
  for (const mesh of [merge(near, far), merge(far, near)]) {
    const out = render(mesh, IDENTITY, k, true);
    const centre = 40 * 100 + 50;
    t.true(Math.abs(out.depth[centre]! - 1) < 1e-6);
    t.deepEqual([...out.rgb!.subarray(centre * 3, centre * 3 + 3)], [0, 255, 0]);
    const edge = 40 * 100 + 56; // u = 56: outside the near square (u <= 54.5), inside the far one (u <= 57.8)
    t.true(Math.abs(out.depth[edge]! - 3) < 1e-6);
  }
});

test('a floor reaching behind the camera is clipped at the near plane and has the right depth', (t) => {
  // Camera 1.5 m above a floor, looking horizontally along +x: a floor pixel at row v has depth 1.5 * fy / (v - cy).
  const floor: RenderMesh = {
    positions: Float64Array.from([-20, -20, 0, 20, -20, 0, 20, 20, 0, -20, 20, 0]),
    colours: new Uint8Array(12).fill(128),
    triangles: Uint32Array.from([0, 1, 2, 0, 2, 3]),
    shade: Float32Array.from([1, 1]),
  };
  const pose = lookPose([0, 0, 1.5], 0, 0);
  const out = render(floor, invertRigid(pose), k, false);
  for (const v of [45, 55, 70, 79]) {
    const expected = (1.5 * 50) / (v - 39.5);
    t.true(Math.abs(out.depth[v * 100 + 50]! - expected) < 1e-4 * expected, `row ${v}: ${out.depth[v * 100 + 50]} vs ${expected}`);
  }
  t.is(out.depth[30 * 100 + 50], 0); // above the horizon: nothing
});
