/**
 * Rigid transforms as row-major 4x4 matrices (ScanNet's `axisAlignment` and
 * camera-to-world poses). `p' = M p` for column vectors.
 */
import type { Mat4, Vec3 } from '../../core/index.ts';

export const IDENTITY: Mat4 = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];

export function multiply(a: Mat4, b: Mat4): Mat4 {
  const out = new Array<number>(16).fill(0);
  for (let r = 0; r < 4; r++)
    for (let c = 0; c < 4; c++) {
      let sum = 0;
      for (let k = 0; k < 4; k++) sum += a[r * 4 + k]! * b[k * 4 + c]!;
      out[r * 4 + c] = sum;
    }
  return out;
}

export function transformPoint(m: Mat4, p: Vec3): Vec3 {
  const [x, y, z] = p;
  return [
    m[0]! * x + m[1]! * y + m[2]! * z + m[3]!,
    m[4]! * x + m[5]! * y + m[6]! * z + m[7]!,
    m[8]! * x + m[9]! * y + m[10]! * z + m[11]!,
  ];
}

/** Transform packed xyz triples in place (or into `out`). */
export function transformPoints(m: Mat4, xyz: Float32Array | Float64Array, out = xyz): typeof xyz {
  const [a, b, c, d, e, f, g, h, i, j, k, l] = m as [number, number, number, number, number, number, number, number, number, number, number, number];
  for (let n = 0; n < xyz.length; n += 3) {
    const x = xyz[n]!;
    const y = xyz[n + 1]!;
    const z = xyz[n + 2]!;
    out[n] = a * x + b * y + c * z + d;
    out[n + 1] = e * x + f * y + g * z + h;
    out[n + 2] = i * x + j * y + k * z + l;
  }
  return out;
}

/** Inverse of a rigid transform [R | t]: [R^T | -R^T t]. */
export function invertRigid(m: Mat4): Mat4 {
  const r = (row: number, col: number) => m[row * 4 + col]!;
  const t: Vec3 = [r(0, 3), r(1, 3), r(2, 3)];
  const out = [...IDENTITY];
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) out[i * 4 + j] = r(j, i);
    out[i * 4 + 3] = -(r(0, i) * t[0] + r(1, i) * t[1] + r(2, i) * t[2]);
  }
  return out;
}

/** Rotation by `yaw` radians about +Z, then translation by `t`. */
export function yawTransform(yaw: number, t: Vec3 = [0, 0, 0]): Mat4 {
  const c = Math.cos(yaw);
  const s = Math.sin(yaw);
  return [c, -s, 0, t[0], s, c, 0, t[1], 0, 0, 1, t[2], 0, 0, 0, 1];
}

/** Yaw (about +Z) of a transform's rotation: the angle of its x axis in the XY plane. */
export const yawOf = (m: Mat4): number => Math.atan2(m[4]!, m[0]!);

export const isFiniteMatrix = (m: readonly number[]): boolean => m.length === 16 && m.every(Number.isFinite);

/** `v` rounded to `digits` decimals, with -0 written as 0 (so JSON round-trips compare equal). */
export const roundTo = (v: number, digits: number): number => Math.round(v * 10 ** digits) / 10 ** digits || 0;
