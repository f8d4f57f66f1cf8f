/**
 * The minimum distance between two oriented boxes (docs/method.md#answer-rules: absolute
 * distance is measured between closest points, not centroids).
 *
 * Exact for boxes with a yaw about +Z. Such a box is a prism R x [z0, z1]
 * (R a rectangle in the XY plane), and the Minkowski difference of two prisms
 * is (Ra - Rb) x ([za0, za1] - [zb0, zb1]). The distance from the origin to a
 * product of convex sets splits into its parts, so
 *
 *     distance = sqrt(d_xy^2 + d_z^2)
 *
 * with d_xy the distance between the two footprint rectangles (0 when they
 * overlap; otherwise attained at a corner of one and a side of the other) and
 * d_z the gap between the two height intervals (0 when they overlap).
 */
import type { OrientedBox } from '../../core/index.ts';
import { footprint, type Vec2 } from './box.ts';

export function boxDistance(a: OrientedBox, b: OrientedBox): number {
  const dz = intervalGap(
    a.center[2] - a.size[2] / 2,
    a.center[2] + a.size[2] / 2,
    b.center[2] - b.size[2] / 2,
    b.center[2] + b.size[2] / 2,
  );
  const dxy = polygonDistance(footprint(a), footprint(b));
  return Math.hypot(dxy, dz);
}

/** Gap between intervals [a0, a1] and [b0, b1]; 0 when they touch or overlap. */
export const intervalGap = (a0: number, a1: number, b0: number, b1: number): number => Math.max(0, b0 - a1, a0 - b1);

/**
 * Distance between two convex polygons (vertices in order); 0 when they
 * overlap or touch. Degenerate ones count too: a box with no width or depth
 * has a segment or a point as footprint, whose zero-length edges give no
 * separating axis of their own; disjoint convex sets are always separated
 * along the line through their closest points, so that line is tried too.
 */
export function polygonDistance(a: Vec2[], b: Vec2[]): number {
  let best = Infinity;
  let closest: Vec2 = [0, 0];
  for (const [points, polygon] of [[a, b], [b, a]] as const)
    for (const p of points)
      for (let i = 0; i < polygon.length; i++) {
        const c = closestOnSegment(p, polygon[i]!, polygon[(i + 1) % polygon.length]!);
        const d = Math.hypot(p[0] - c[0], p[1] - c[1]);
        if (d < best) [best, closest] = [d, [p[0] - c[0], p[1] - c[1]]];
      }
  return best > 0 && (edgeNormals(a, b).some((axis) => separatedAlong(a, b, axis)) || separatedAlong(a, b, closest)) ? best : 0;
}

/** Both polygons' edge normals (the separating-axis test's candidates). */
function edgeNormals(a: Vec2[], b: Vec2[]): Vec2[] {
  return [a, b].flatMap((polygon) =>
    polygon.map((p, i): Vec2 => {
      const q = polygon[(i + 1) % polygon.length]!;
      return [q[1] - p[1], p[0] - q[0]];
    }),
  );
}

/** Whether the polygons' projections on `axis` are strictly apart. */
function separatedAlong(a: Vec2[], b: Vec2[], axis: Vec2): boolean {
  const [aMin, aMax] = extent(a, axis);
  const [bMin, bMax] = extent(b, axis);
  return aMax < bMin || bMax < aMin;
}

function extent(points: Vec2[], axis: Vec2): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const [x, y] of points) {
    const d = x * axis[0] + y * axis[1];
    if (d < min) min = d;
    if (d > max) max = d;
  }
  return [min, max];
}

function closestOnSegment(p: Vec2, a: Vec2, b: Vec2): Vec2 {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2));
  return [a[0] + t * dx, a[1] + t * dy];
}
