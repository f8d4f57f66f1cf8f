/**
 * Pinhole cameras in the OpenCV convention ScanNet uses: x right, y down,
 * z forward; pixel centres at integer coordinates, so a W-pixel-wide image
 * covers u in [-0.5, W - 0.5).
 */
import type { Intrinsics, Mat4, Vec3 } from '../../core/index.ts';

/** Pixel coordinates of a camera-frame point, or undefined when it is not in front of the camera. */
export function project(k: Intrinsics, p: Vec3): [number, number] | undefined {
  const [x, y, z] = p;
  if (!(z > 0)) return undefined;
  return [(k.fx * x) / z + k.cx, (k.fy * y) / z + k.cy];
}

/** The camera-frame point at pixel (u, v) whose depth (z) is `depth` metres. */
export function unproject(k: Intrinsics, u: number, v: number, depth: number): Vec3 {
  return [((u - k.cx) * depth) / k.fx, ((v - k.cy) * depth) / k.fy, depth];
}

/** Intrinsics for the same camera at another resolution (pixel-centre convention kept). */
export function scaleIntrinsics(k: Intrinsics, width: number, height: number): Intrinsics {
  const sx = width / k.width;
  const sy = height / k.height;
  return { fx: k.fx * sx, fy: k.fy * sy, cx: (k.cx + 0.5) * sx - 0.5, cy: (k.cy + 0.5) * sy - 0.5, width, height };
}

/** Intrinsics from a 4x4 (or 3x3 in the top-left) row-major matrix and an image size. */
export const intrinsicsFromMatrix = (m: readonly number[], width: number, height: number): Intrinsics => ({
  fx: m[0]!,
  fy: m[5]!,
  cx: m[2]!,
  cy: m[6]!,
  width,
  height,
});

export const intrinsicsMatrix = (k: Intrinsics): Mat4 => [k.fx, 0, k.cx, 0, 0, k.fy, k.cy, 0, 0, 0, 1, 0, 0, 0, 0, 1];
