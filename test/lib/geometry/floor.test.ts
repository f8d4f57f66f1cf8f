import test from 'ava';
import { floorArea } from '../../../lib/geometry/index.ts';

/** Floor and wall vertices of a room given by an inside test over its bounding box, spaced `step`. */
function room(inside: (x: number, y: number) => boolean, w: number, d: number, step: number, transform = (x: number, y: number) => [x, y]) {
  const out: number[] = [];
  for (let i = 0; i * step <= w + 1e-9; i++)
    for (let j = 0; j * step <= d + 1e-9; j++)
      if (inside(i * step, j * step)) {
        const [u, v] = transform(i * step, j * step);
        out.push(u!, v!, 0);
      }
  return out;
}

test('points exactly at cell centres of a 101 x 81 cell rectangle: area is exactly 100 x 80 cells', (t) => {
  const xyz: number[] = [];
  for (let i = 0; i < 101; i++) for (let j = 0; j < 81; j++) xyz.push(0.025 + 0.05 * i, 0.025 + 0.05 * j, 0);
  t.true(Math.abs(floorArea(xyz, { cell: 0.05 }) - 20) < 1e-9);
});

test('a 5 x 4 m room sampled every 4 cm, off the grid: within 1%', (t) => {
  const xyz = room(() => true, 5, 4, 0.04, (x, y) => [x + 0.013, y - 7.031]);
  const area = floorArea(xyz);
  t.true(Math.abs(area - 20) / 20 < 0.01, `area ${area}`);
});

test('an L-shaped room (6 x 5 minus 2.5 x 2): within 1.5%', (t) => {
  const xyz = room((x, y) => !(x > 3.5 && y > 3), 6, 5, 0.05, (x, y) => [x + 0.013, y + 0.037]);
  const area = floorArea(xyz);
  t.true(Math.abs(area - 25) / 25 < 0.015, `area ${area}`);
});

test('a rotated room: within 2%', (t) => {
  const r = 0.52;
  const xyz = room(() => true, 5, 4, 0.03, (x, y) => [Math.cos(r) * x - Math.sin(r) * y + 2, Math.sin(r) * x + Math.cos(r) * y - 1]);
  const area = floorArea(xyz);
  t.true(Math.abs(area - 20) / 20 < 0.02, `area ${area}`);
});

test('unscanned floor inside the walls (under furniture) is filled', (t) => {
  const walls = room((x, y) => x < 0.01 || y < 0.01 || x > 4.99 || y > 3.99 || !(x > 1 && x < 3 && y > 1 && y < 3), 5, 4, 0.04);
  const area = floorArea(walls);
  t.true(Math.abs(area - 20) / 20 < 0.01, `area ${area}`);
});

test('deterministic and empty-safe', (t) => {
  const xyz = room(() => true, 3, 3, 0.05);
  t.is(floorArea(xyz), floorArea([...xyz]));
  t.is(floorArea([]), 0);
});

/**
 * A decimated room mesh, as ScanNet's `_vh_clean_2`: a w x d floor of vertices
 * every `step` metres in two triangles per square, and 2.5 m walls whose
 * vertices stand every `step` metres, with a doorway (no wall) on the y = 0
 * side between x = 2 and x = 2.9.
 */
function decimatedRoom(w: number, d: number, step: number) {
  const xyz: number[] = [];
  const triangles: number[] = [];
  const nx = Math.round(w / step);
  const ny = Math.round(d / step);
  const at = (i: number, j: number) => j * (nx + 1) + i;
  for (let j = 0; j <= ny; j++) for (let i = 0; i <= nx; i++) xyz.push(i * step, j * step, 0);
  for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) triangles.push(at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j), at(i + 1, j + 1), at(i, j + 1));
  const perimeter: [number, number][] = [];
  for (let i = 0; i <= nx; i++) perimeter.push([i * step, 0], [i * step, d]);
  for (let j = 1; j < ny; j++) perimeter.push([0, j * step], [w, j * step]);
  for (const [x, y] of perimeter) {
    if (y === 0 && x > 2 && x < 2.9) continue;
    const base = xyz.length / 3;
    xyz.push(x, y, 0, x, y, 2.5, x + 0.01, y + 0.01, 2.5); // a sliver of wall standing on edge
    triangles.push(base, base + 1, base + 2);
  }
  return { xyz, triangles };
}

test("a decimated mesh (vertices every 20 cm) with an open doorway: the triangles' footprints keep the fill out of the room", (t) => {
  for (const step of [0.1, 0.2, 0.25]) {
    const { xyz, triangles } = decimatedRoom(5, 4, step);
    const withTriangles = floorArea(xyz, { triangles });
    t.true(Math.abs(withTriangles - 20) / 20 < 0.01, `vertices every ${step} m: ${withTriangles}`);
    if (step >= 0.2) t.true(floorArea(xyz) < 10, `vertices alone leak through the doorway: ${floorArea(xyz)}`);
  }
});
