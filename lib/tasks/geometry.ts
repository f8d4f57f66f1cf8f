/**
 * The geometric facts the spatial questions are computed from (docs/method.md#answer-rules):
 * closest distance between oriented boxes and the quadrant angle of
 * multi-view relative direction (from the geometry library), and the
 * camera-frame direction label of single-image relative direction.
 */
import type { Vec3 } from '../../core/index.ts';

export {
  boundaryDistance,
  boxCorners,
  boxDistance,
  footprint,
  longestSide,
  quadrantAngle,
  quadrantOf,
  QUADRANTS,
  type Quadrant,
} from '../geometry/index.ts';

/** Single-image labels (docs/method.md#answer-rules). */
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
