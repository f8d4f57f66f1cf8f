/**
 * Oriented boxes with a yaw about +Z (docs/method.md#scene-facts): corners, footprints,
 * and the minimum-area fit to a point set.
 */
import type { OrientedBox, Vec3 } from '../../core/index.ts';

export type Vec2 = [number, number];

/**
 * The box's footprint on the XY plane: four corners counter-clockwise (seen
 * from +Z), starting at the box's local (-x, -y) corner.
 */
export function footprint(box: OrientedBox): Vec2[] {
  const c = Math.cos(box.yaw);
  const s = Math.sin(box.yaw);
  const hx = box.size[0] / 2;
  const hy = box.size[1] / 2;
  return ([[-hx, -hy], [hx, -hy], [hx, hy], [-hx, hy]] as Vec2[]).map(([x, y]) => [
    box.center[0] + c * x - s * y,
    box.center[1] + s * x + c * y,
  ]);
}

/** The eight corners: the footprint at the bottom (z - h/2), then the same four at the top. */
export function boxCorners(box: OrientedBox): Vec3[] {
  const base = footprint(box);
  const z0 = box.center[2] - box.size[2] / 2;
  const z1 = box.center[2] + box.size[2] / 2;
  return [...base.map(([x, y]): Vec3 => [x, y, z0]), ...base.map(([x, y]): Vec3 => [x, y, z1])];
}

/** Longest of the three box dimensions (metres). */
export const longestSide = (box: OrientedBox): number => Math.max(...box.size);

/**
 * The same box with its yaw in [-pi/4, pi/4): a box turned by 90 degrees is
 * the same box with x and y sizes swapped, so every box has one such form.
 */
export function normalizeBox(box: OrientedBox): OrientedBox {
  // A box is unchanged by a half turn; a quarter turn swaps its x and y sizes.
  let yaw = box.yaw - Math.PI * Math.floor((box.yaw + Math.PI / 4) / Math.PI);
  let size: Vec3 = [...box.size];
  if (yaw >= Math.PI / 4) {
    yaw -= Math.PI / 2;
    size = [size[1], size[0], size[2]];
  }
  return { center: [...box.center], size, yaw };
}

/** Convex hull of 2D points (Andrew's monotone chain), counter-clockwise, no collinear points. */
export function convexHull(points: Vec2[]): Vec2[] {
  const sorted = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const unique = sorted.filter((p, i) => i === 0 || p[0] !== sorted[i - 1]![0] || p[1] !== sorted[i - 1]![1]);
  if (unique.length < 3) return unique;
  const cross = (o: Vec2, a: Vec2, b: Vec2) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const half = (list: Vec2[]) => {
    const out: Vec2[] = [];
    for (const p of list) {
      while (out.length >= 2 && cross(out[out.length - 2]!, out[out.length - 1]!, p) <= 0) out.pop();
      out.push(p);
    }
    out.pop();
    return out;
  };
  return [...half(unique), ...half([...unique].reverse())];
}

/**
 * Points that may lie on the convex hull: those not strictly inside the
 * octagon of the extreme points in x, y, x + y and x - y (Akl-Toussaint).
 * Dense point sets (scanned floors) shrink to a thin band along the outline.
 */
function extremeCandidates(points: Vec2[]): Vec2[] {
  if (points.length < 64) return points;
  const keys = [(p: Vec2) => p[0], (p: Vec2) => p[0] + p[1], (p: Vec2) => p[1], (p: Vec2) => p[1] - p[0]];
  const extremes: Vec2[] = [];
  for (const sign of [1, -1])
    for (const key of keys) {
      let best = points[0]!;
      for (const p of points) if (sign * key(p) > sign * key(best)) best = p;
      extremes.push(best);
    }
  // extremes run counter-clockwise: max x, max x+y, max y, max y-x, min x, min x+y, min y, min y-x
  const octagon = convexHull(extremes);
  if (octagon.length < 3) return points;
  const inside = (p: Vec2) =>
    octagon.every((a, i) => {
      const b = octagon[(i + 1) % octagon.length]!;
      return (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]) > 0;
    });
  return points.filter((p) => !inside(p));
}

/**
 * The minimum-footprint box with a yaw about +Z holding every point (packed
 * xyz): the minimum-area rectangle of the XY convex hull (one of its sides
 * lies on a hull edge, so every edge direction is tried), and the z range.
 * Deterministic: ties keep the first hull edge. The result is normalised
 * (yaw in [-pi/4, pi/4)).
 */
export function fitOrientedBox(xyz: ArrayLike<number>): OrientedBox {
  const n = Math.floor(xyz.length / 3);
  if (n === 0) throw new Error('fitOrientedBox: no points');
  let zMin = Infinity;
  let zMax = -Infinity;
  const points: Vec2[] = [];
  for (let i = 0; i < n; i++) {
    points.push([xyz[3 * i]!, xyz[3 * i + 1]!]);
    const z = xyz[3 * i + 2]!;
    if (z < zMin) zMin = z;
    if (z > zMax) zMax = z;
  }
  const hull = convexHull(extremeCandidates(points));
  const directions: number[] = hull.length < 2 ? [0] : hull.map((p, i) => {
    const q = hull[(i + 1) % hull.length]!;
    return Math.atan2(q[1] - p[1], q[0] - p[0]);
  });
  let best: { area: number; yaw: number; min: Vec2; max: Vec2 } | undefined;
  for (const yaw of directions) {
    const c = Math.cos(yaw);
    const s = Math.sin(yaw);
    const min: Vec2 = [Infinity, Infinity];
    const max: Vec2 = [-Infinity, -Infinity];
    for (const [x, y] of hull) {
      const u = c * x + s * y;
      const v = -s * x + c * y;
      if (u < min[0]) min[0] = u;
      if (u > max[0]) max[0] = u;
      if (v < min[1]) min[1] = v;
      if (v > max[1]) max[1] = v;
    }
    const area = (max[0] - min[0]) * (max[1] - min[1]);
    if (!best || area < best.area - 1e-12) best = { area, yaw, min, max };
  }
  const { yaw, min, max } = best!;
  const u = (min[0] + max[0]) / 2;
  const v = (min[1] + max[1]) / 2;
  const c = Math.cos(yaw);
  const s = Math.sin(yaw);
  return normalizeBox({
    center: [c * u - s * v, s * u + c * v, (zMin + zMax) / 2],
    size: [max[0] - min[0], max[1] - min[1], zMax - zMin],
    yaw,
  });
}

/**
 * Which of `count` items to keep so that at most `max` remain, spread evenly
 * and deterministically: item floor(i * count / max) for i = 0..max-1.
 */
export function evenSubset(count: number, max: number): number[] {
  if (count <= max) return Array.from({ length: count }, (_, i) => i);
  return Array.from({ length: max }, (_, i) => Math.floor((i * count) / max));
}
