/**
 * Relative direction on the horizontal plane (docs/method.md#answer-rules, multi-view and
 * video): standing at P and facing O, where is Q?
 */

/** The quadrant labels in angle order. */
export const QUADRANTS = ['front-left', 'back-left', 'back-right', 'front-right'] as const;
export type Quadrant = (typeof QUADRANTS)[number];

/**
 * theta = angle from f = O - P to q = Q - P, counter-clockwise (to the left)
 * as seen from +Z, in degrees in [0, 360). Only x and y are used. NaN when
 * P coincides with O or Q on the horizontal plane (no direction is defined).
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

/** Degrees from theta to the nearest quadrant boundary (0, 90, 180, 270, 360), either side. */
export function boundaryDistance(theta: number): number {
  const r = ((theta % 90) + 90) % 90;
  return Math.min(r, 90 - r);
}
