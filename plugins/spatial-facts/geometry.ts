/**
 * The geometric facts the spatial questions are computed from (SPEC section 4):
 * closest distance between oriented boxes, the quadrant angle of multi-view
 * relative direction, the camera-frame direction label of single-image
 * relative direction. World +Z is up; boxes rotate about +Z only (ScanNet's
 * oriented boxes), so a box is a rectangle on the floor plane times a height
 * interval.
 */
import type { OrientedBox, Vec3 } from '../../core/index.ts';

type Point2 = [number, number];

/** The four floor-plane corners of a box, counter-clockwise seen from +Z. */
export function footprint(box: OrientedBox): Point2[] {
  const [cx, cy] = box.center;
  const hx = box.size[0] / 2;
  const hy = box.size[1] / 2;
  const c = Math.cos(box.yaw);
  const s = Math.sin(box.yaw);
  return [
    [-hx, -hy],
    [hx, -hy],
    [hx, hy],
    [-hx, hy],
  ].map(([x, y]) => [cx + c * x! - s * y!, cy + s * x! + c * y!]);
}

/** The eight corners of a box (bottom four, then top four). */
export function boxCorners(box: OrientedBox): Vec3[] {
  const z0 = box.center[2] - box.size[2] / 2;
  const z1 = box.center[2] + box.size[2] / 2;
  const ring = footprint(box);
  return [...ring.map(([x, y]): Vec3 => [x, y, z0]), ...ring.map(([x, y]): Vec3 => [x, y, z1])];
}

/** Longest side of a box (metres): what "object size" measures. */
export const longestSide = (box: OrientedBox): number => Math.max(box.size[0], box.size[1], box.size[2]);

/** Separating-axis test for two convex polygons given counter-clockwise. */
function polygonsOverlap(a: Point2[], b: Point2[]): boolean {
  for (const poly of [a, b]) {
    for (let i = 0; i < poly.length; i++) {
      const [x1, y1] = poly[i]!;
      const [x2, y2] = poly[(i + 1) % poly.length]!;
      const nx = y2 - y1;
      const ny = x1 - x2;
      let aMin = Infinity, aMax = -Infinity, bMin = Infinity, bMax = -Infinity;
      for (const [x, y] of a) {
        const p = nx * x + ny * y;
        aMin = Math.min(aMin, p);
        aMax = Math.max(aMax, p);
      }
      for (const [x, y] of b) {
        const p = nx * x + ny * y;
        bMin = Math.min(bMin, p);
        bMax = Math.max(bMax, p);
      }
      if (aMax < bMin || bMax < aMin) return false;
    }
  }
  return true;
}

function pointSegmentDistance([px, py]: Point2, [ax, ay]: Point2, [bx, by]: Point2): number {
  const dx = bx - ax;
  const dy = by - ay;
  const length2 = dx * dx + dy * dy;
  const t = length2 > 0 ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / length2)) : 0;
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Closest distance between two convex polygons (0 when they overlap). */
export function polygonDistance(a: Point2[], b: Point2[]): number {
  if (polygonsOverlap(a, b)) return 0;
  let best = Infinity;
  for (const [from, to] of [[a, b], [b, a]] as const)
    for (const p of from)
      for (let i = 0; i < to.length; i++) best = Math.min(best, pointSegmentDistance(p, to[i]!, to[(i + 1) % to.length]!));
  return best;
}

/** Gap between two intervals (0 when they overlap). */
const intervalGap = (lo1: number, hi1: number, lo2: number, hi2: number) => Math.max(0, lo1 - hi2, lo2 - hi1);

/**
 * Minimum distance between the closest points of two oriented boxes (metres),
 * 0 when they touch or overlap. Both boxes are floor rectangles times height
 * intervals, so the squared distance splits into a floor-plane part and a
 * vertical part, each minimised on its own.
 */
export function boxDistance(a: OrientedBox, b: OrientedBox): number {
  const planar = polygonDistance(footprint(a), footprint(b));
  const vertical = intervalGap(
    a.center[2] - a.size[2] / 2,
    a.center[2] + a.size[2] / 2,
    b.center[2] - b.size[2] / 2,
    b.center[2] + b.size[2] / 2,
  );
  return Math.hypot(planar, vertical);
}

// ---------------------------------------------------------------------------
// Relative direction
// ---------------------------------------------------------------------------

/** Multi-view quadrant labels, SPEC section 4, in angle order. */
export const QUADRANTS = ['front-left', 'back-left', 'back-right', 'front-right'] as const;
export type Quadrant = (typeof QUADRANTS)[number];

/**
 * Angle (degrees, [0, 360)) from the forward vector f = O - P to the query
 * vector q = Q - P on the floor plane, counter-clockwise (to the left) seen
 * from +Z. NaN when P coincides with O or Q on the floor plane.
 */
export function quadrantAngle(p: readonly number[], o: readonly number[], q: readonly number[]): number {
  const fx = o[0]! - p[0]!;
  const fy = o[1]! - p[1]!;
  const qx = q[0]! - p[0]!;
  const qy = q[1]! - p[1]!;
  if ((fx === 0 && fy === 0) || (qx === 0 && qy === 0)) return NaN;
  const degrees = (Math.atan2(fx * qy - fy * qx, fx * qx + fy * qy) * 180) / Math.PI;
  const theta = degrees < 0 ? degrees + 360 : degrees;
  return theta >= 360 ? 0 : theta;
}

/** [0,90) front-left, [90,180) back-left, [180,270) back-right, [270,360) front-right. */
export const quadrantOf = (theta: number): Quadrant => QUADRANTS[Math.floor(theta / 90) % 4]!;

/** Degrees from theta to the nearest quadrant boundary (0, 90, 180, 270), on either side. */
export function boundaryDistance(theta: number): number {
  const within = ((theta % 90) + 90) % 90;
  return Math.min(within, 90 - within);
}

/** Single-image labels, SPEC section 4. */
export const CAMERA_DIRECTIONS = ['left-front', 'left-back', 'right-front', 'right-back'] as const;
export type CameraDirection = (typeof CAMERA_DIRECTIONS)[number];

/**
 * Where object 1 is relative to object 2 from the camera: d = c1 - c2 in the
 * camera frame (x right, z forward); left if d.x < 0 else right, front if
 * d.z > 0 (farther from the camera) else back.
 */
export function cameraDirection(c1: Vec3, c2: Vec3): { label: CameraDirection; delta: Vec3 } {
  const delta: Vec3 = [c1[0] - c2[0], c1[1] - c2[1], c1[2] - c2[2]];
  const label = `${delta[0] < 0 ? 'left' : 'right'}-${delta[2] > 0 ? 'front' : 'back'}` as CameraDirection;
  return { label, delta };
}

/** Round for facts and answers: fixed decimals, deterministic. */
export const round = (value: number, decimals: number): number => Number(value.toFixed(decimals));
