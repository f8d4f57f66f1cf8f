/**
 * Relative direction on the horizontal plane (SPEC section 4, multi-view and
 * video): standing at P and facing O, where is Q?
 */

export type Quadrant = 'front-left' | 'back-left' | 'back-right' | 'front-right';

/**
 * theta = angle from f = O - P to q = Q - P, counter-clockwise (to the left)
 * as seen from +Z, in degrees in [0, 360). Only x and y are used.
 */
export function quadrantAngle(p: readonly number[], o: readonly number[], q: readonly number[]): number {
  const fx = o[0]! - p[0]!;
  const fy = o[1]! - p[1]!;
  const qx = q[0]! - p[0]!;
  const qy = q[1]! - p[1]!;
  if ((fx === 0 && fy === 0) || (qx === 0 && qy === 0)) throw new Error('quadrantAngle: P coincides with O or Q on the horizontal plane');
  const degrees = (Math.atan2(fx * qy - fy * qx, fx * qx + fy * qy) * 180) / Math.PI;
  const theta = degrees < 0 ? degrees + 360 : degrees;
  return theta >= 360 ? 0 : theta;
}

/** [0,90) front-left, [90,180) back-left, [180,270) back-right, [270,360) front-right. */
export function quadrantOf(theta: number): Quadrant {
  if (theta < 90) return 'front-left';
  if (theta < 180) return 'back-left';
  if (theta < 270) return 'back-right';
  return 'front-right';
}

/** Degrees from theta to the nearest quadrant boundary (0, 90, 180, 270, 360), either side. */
export function boundaryDistance(theta: number): number {
  const r = ((theta % 90) + 90) % 90;
  return Math.min(r, 90 - r);
}
