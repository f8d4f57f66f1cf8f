/**
 * Visibility of an object in one view (docs/method.md#scene-facts): the fraction of its
 * surface samples that fall inside the colour image and are not occluded.
 *
 * A sample (world point) is visible when it is in front of the camera
 * (z > near), projects inside the colour image, and, with a depth map, the
 * depth map at its pixel does not show a surface more than `tolerance` metres
 * in front of it: z <= depth + tolerance. A depth pixel with no reading (0),
 * or a sample that projects outside the depth image, cannot prove occlusion
 * and counts as visible. Without a depth map only the frustum test applies.
 */
import type { Box2D, Intrinsics, Mat4 } from '../../core/index.ts';

export interface DepthMap {
  width: number;
  height: number;
  /** Row-major raw depth values; 0 = no reading. */
  data: Uint16Array | Float32Array;
  /** Raw units per metre (1000 for ScanNet's millimetres). */
  unitsPerMetre: number;
  /** Intrinsics of the depth image, at `width` x `height`. */
  intrinsics: Intrinsics;
}

export interface VisibilityOptions {
  /** Metres a sample may lie behind the depth surface and still count as seen. */
  tolerance: number;
  /** Samples closer than this (metres) are not visible. Default 0.05. */
  near?: number;
}

export interface ViewMeasure {
  /** Visible samples / all samples. */
  visibility: number;
  visible: number;
  total: number;
  /** Min/max pixel coordinates of the visible samples, within [0, W-1] x [0, H-1]; undefined when none is visible. */
  box2d?: Box2D;
}

/**
 * Measure one object's samples (packed world xyz) in one view.
 * `worldToCamera` is the inverse of the view's camera-to-world pose.
 */
export function measureVisibility(
  samples: Float32Array | Float64Array,
  worldToCamera: Mat4,
  colour: Intrinsics,
  depth: DepthMap | undefined,
  options: VisibilityOptions,
): ViewMeasure {
  const m = worldToCamera;
  const [r00, r01, r02, t0, r10, r11, r12, t1, r20, r21, r22, t2] = m as [number, number, number, number, number, number, number, number, number, number, number, number];
  const near = options.near ?? 0.05;
  const tolerance = options.tolerance;
  const { fx, fy, cx, cy, width, height } = colour;
  const uMax = width - 0.5;
  const vMax = height - 0.5;
  // Depth image, hoisted out of the loop.
  const data = depth?.data;
  const dw = depth?.width ?? 0;
  const dh = depth?.height ?? 0;
  const dfx = depth?.intrinsics.fx ?? 0;
  const dfy = depth?.intrinsics.fy ?? 0;
  const dcx = (depth?.intrinsics.cx ?? 0) + 0.5;
  const dcy = (depth?.intrinsics.cy ?? 0) + 0.5;
  const scale = depth ? 1 / depth.unitsPerMetre : 0;
  let visible = 0;
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -Infinity;
  let y2 = -Infinity;
  const total = samples.length / 3;
  for (let i = 0; i < samples.length; i += 3) {
    const wx = samples[i]!;
    const wy = samples[i + 1]!;
    const wz = samples[i + 2]!;
    const z = r20 * wx + r21 * wy + r22 * wz + t2;
    if (!(z > near)) continue;
    const x = r00 * wx + r01 * wy + r02 * wz + t0;
    const y = r10 * wx + r11 * wy + r12 * wz + t1;
    const iz = 1 / z;
    const u = fx * x * iz + cx;
    const v = fy * y * iz + cy;
    if (!(u >= -0.5 && v >= -0.5 && u < uMax && v < vMax)) continue;
    if (data) {
      // nearest depth pixel: floor(p + 0.5), computed with the +0.5 folded into the principal point
      const du = Math.floor(dfx * x * iz + dcx);
      const dv = Math.floor(dfy * y * iz + dcy);
      if (du >= 0 && dv >= 0 && du < dw && dv < dh) {
        const raw = data[dv * dw + du]!;
        if (raw > 0 && z > raw * scale + tolerance) continue;
      }
    }
    visible++;
    if (u < x1) x1 = u;
    if (u > x2) x2 = u;
    if (v < y1) y1 = v;
    if (v > y2) y2 = v;
  }
  const right = width - 1;
  const bottom = height - 1;
  return {
    visibility: total ? visible / total : 0,
    visible,
    total,
    box2d: visible
      ? [Math.min(right, Math.max(0, x1)), Math.min(bottom, Math.max(0, y1)), Math.min(right, Math.max(0, x2)), Math.min(bottom, Math.max(0, y2))]
      : undefined,
  };
}

/**
 * Whether a sphere (world centre, radius) can reach the colour image: false
 * when it lies wholly behind the near plane or outside one of the four side
 * planes of the view frustum. A quick test to skip objects out of view.
 */
export function sphereInView(center: readonly number[], radius: number, worldToCamera: Mat4, k: Intrinsics, near = 0.05): boolean {
  const m = worldToCamera;
  const [wx, wy, wz] = center as [number, number, number];
  const x = m[0]! * wx + m[1]! * wy + m[2]! * wz + m[3]!;
  const y = m[4]! * wx + m[5]! * wy + m[6]! * wz + m[7]!;
  const z = m[8]! * wx + m[9]! * wy + m[10]! * wz + m[11]!;
  if (z + radius <= near) return false;
  // Side planes through the camera centre and the image edges (u = -0.5, W - 0.5; v likewise):
  // outside when the centre is farther than the radius beyond one of them.
  const left = (-0.5 - k.cx) / k.fx;
  const right = (k.width - 0.5 - k.cx) / k.fx;
  const top = (-0.5 - k.cy) / k.fy;
  const bottom = (k.height - 0.5 - k.cy) / k.fy;
  return !(
    x - right * z > radius * Math.sqrt(1 + right * right) ||
    left * z - x > radius * Math.sqrt(1 + left * left) ||
    y - bottom * z > radius * Math.sqrt(1 + bottom * bottom) ||
    top * z - y > radius * Math.sqrt(1 + top * top)
  );
}
