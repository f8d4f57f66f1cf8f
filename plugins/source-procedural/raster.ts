/**
 * A software rasterizer with a z-buffer: triangles in, a colour image and a
 * depth map (metres along the optical axis) out. OpenCV pinhole camera,
 * pixel centres at integer coordinates, back faces culled, triangles clipped
 * against the near plane, colours interpolated per pixel and shaded per face.
 */
import type { Intrinsics, Mat4 } from '../../core/index.ts';

export interface RenderMesh {
  /** World positions, packed xyz. */
  positions: Float64Array;
  /** Vertex colours, packed rgb. */
  colours: Uint8Array;
  triangles: Uint32Array;
  /** Brightness per triangle (0..1+), from `faceShading`. */
  shade: Float32Array;
}

export interface Rendered {
  width: number;
  height: number;
  /** z (metres) per pixel; 0 where nothing was drawn. */
  depth: Float32Array;
  /** Packed rgb, when colour was asked for. */
  rgb?: Uint8Array;
}

export const NEAR = 0.05;

/** Lambert shading of each triangle under a fixed light, plus ambient light. */
export function faceShading(positions: Float64Array, triangles: Uint32Array, light: [number, number, number] = [0.3, -0.45, 0.84]): Float32Array {
  const length = Math.hypot(...light);
  const [lx, ly, lz] = light.map((v) => v / length) as [number, number, number];
  const out = new Float32Array(triangles.length / 3);
  for (let t = 0; t < out.length; t++) {
    const a = 3 * triangles[3 * t]!;
    const b = 3 * triangles[3 * t + 1]!;
    const c = 3 * triangles[3 * t + 2]!;
    const ux = positions[b]! - positions[a]!;
    const uy = positions[b + 1]! - positions[a + 1]!;
    const uz = positions[b + 2]! - positions[a + 2]!;
    const vx = positions[c]! - positions[a]!;
    const vy = positions[c + 1]! - positions[a + 1]!;
    const vz = positions[c + 2]! - positions[a + 2]!;
    const nx = uy * vz - uz * vy;
    const ny = uz * vx - ux * vz;
    const nz = ux * vy - uy * vx;
    const n = Math.hypot(nx, ny, nz) || 1;
    out[t] = 0.58 + 0.42 * Math.max(0, (nx * lx + ny * ly + nz * lz) / n);
  }
  return out;
}

/** Reusable buffers, grown as needed (rendering allocates nothing per triangle). */
const scratch = { cam: new Float64Array(0), screen: new Float64Array(0), clip: new Float64Array(4 * 6) };

interface Target {
  width: number;
  height: number;
  inv: Float32Array;
  rgb: Uint8Array | undefined;
}

export function render(mesh: RenderMesh, worldToCamera: Mat4, k: Intrinsics, withColour: boolean, background = 24): Rendered {
  const { width, height, fx, fy, cx, cy } = k;
  const { positions, colours, triangles, shade } = mesh;
  const n = positions.length / 3;
  if (scratch.cam.length < 3 * n) {
    scratch.cam = new Float64Array(3 * n);
    scratch.screen = new Float64Array(6 * n);
  }
  const { cam, screen, clip } = scratch;
  const [r00, r01, r02, t0, r10, r11, r12, t1, r20, r21, r22, t2] = worldToCamera as [number, number, number, number, number, number, number, number, number, number, number, number];
  // Camera coordinates, and screen x, y, 1/z with colour for every vertex in front of the near plane.
  for (let i = 0; i < n; i++) {
    const x = positions[3 * i]!;
    const y = positions[3 * i + 1]!;
    const z = positions[3 * i + 2]!;
    const u = r00 * x + r01 * y + r02 * z + t0;
    const v = r10 * x + r11 * y + r12 * z + t1;
    const w = r20 * x + r21 * y + r22 * z + t2;
    cam[3 * i] = u;
    cam[3 * i + 1] = v;
    cam[3 * i + 2] = w;
    if (w >= NEAR) put(screen, i, u, v, w, colours[3 * i]!, colours[3 * i + 1]!, colours[3 * i + 2]!, fx, fy, cx, cy);
  }
  const target: Target = { width, height, inv: new Float32Array(width * height), rgb: withColour ? new Uint8Array(width * height * 3).fill(background) : undefined };

  for (let t = 0; t < triangles.length / 3; t++) {
    const ia = triangles[3 * t]!, ib = triangles[3 * t + 1]!, ic = triangles[3 * t + 2]!;
    const ax = cam[3 * ia]!, ay = cam[3 * ia + 1]!, az = cam[3 * ia + 2]!;
    const bx = cam[3 * ib]!, by = cam[3 * ib + 1]!, bz = cam[3 * ib + 2]!;
    const qx = cam[3 * ic]!, qy = cam[3 * ic + 1]!, qz = cam[3 * ic + 2]!;
    if (az < NEAR && bz < NEAR && qz < NEAR) continue;
    // Back face: the normal points away from the camera.
    const ux = bx - ax, uy = by - ay, uz = bz - az;
    const vx = qx - ax, vy = qy - ay, vz = qz - az;
    if ((uy * vz - uz * vy) * ax + (uz * vx - ux * vz) * ay + (ux * vy - uy * vx) * az >= 0) continue;
    if (az >= NEAR && bz >= NEAR && qz >= NEAR) {
      triangle(target, screen, ia, ib, ic, shade[t]!);
      continue;
    }
    // Clip against z = NEAR (Sutherland-Hodgman), interpolating position and colour; draw as a fan.
    let count = 0;
    for (let e = 0; e < 3; e++) {
      const p = e === 0 ? ia : e === 1 ? ib : ic;
      const q = e === 0 ? ib : e === 1 ? ic : ia;
      const pz = cam[3 * p + 2]!;
      const qz2 = cam[3 * q + 2]!;
      if (pz >= NEAR) put(clip, count++, cam[3 * p]!, cam[3 * p + 1]!, pz, colours[3 * p]!, colours[3 * p + 1]!, colours[3 * p + 2]!, fx, fy, cx, cy);
      if (pz >= NEAR !== qz2 >= NEAR) {
        const f = (NEAR - pz) / (qz2 - pz);
        const mix = (o: number, arr: Float64Array | Uint8Array) => arr[3 * p + o]! + f * (arr[3 * q + o]! - arr[3 * p + o]!);
        put(clip, count++, mix(0, cam), mix(1, cam), NEAR, mix(0, colours), mix(1, colours), mix(2, colours), fx, fy, cx, cy);
      }
    }
    for (let i = 1; i + 1 < count; i++) triangle(target, clip, 0, i, i + 1, shade[t]!);
  }

  const depth = new Float32Array(width * height);
  const inv = target.inv;
  for (let i = 0; i < depth.length; i++) depth[i] = inv[i]! > 0 ? 1 / inv[i]! : 0;
  return { width, height, depth, ...(target.rgb ? { rgb: target.rgb } : {}) };
}

/** Slot `slot` of a vertex table: screen x, y, 1/z, r, g, b. */
function put(out: Float64Array, slot: number, x: number, y: number, z: number, r: number, g: number, b: number, fx: number, fy: number, cx: number, cy: number): void {
  const o = slot * 6;
  out[o] = (fx * x) / z + cx;
  out[o + 1] = (fy * y) / z + cy;
  out[o + 2] = 1 / z;
  out[o + 3] = r;
  out[o + 4] = g;
  out[o + 5] = b;
}

/** Rasterize one triangle of a vertex table (slots a, b, c) into the target, z-tested. */
function triangle(target: Target, p: Float64Array, a: number, b: number, c: number, s: number): void {
  let oa = a * 6;
  let ob = b * 6;
  const oc = c * 6;
  let area = (p[ob]! - p[oa]!) * (p[oc + 1]! - p[oa + 1]!) - (p[oc]! - p[oa]!) * (p[ob + 1]! - p[oa + 1]!);
  if (!(area !== 0 && Number.isFinite(area))) return;
  if (area < 0) {
    const swap = oa;
    oa = ob;
    ob = swap;
    area = -area;
  }
  const { width, height, inv, rgb } = target;
  const x0 = p[oa]!, y0 = p[oa + 1]!;
  const x1 = p[ob]!, y1 = p[ob + 1]!;
  const x2 = p[oc]!, y2 = p[oc + 1]!;
  const minX = Math.max(0, Math.ceil(Math.min(x0, x1, x2)));
  const maxX = Math.min(width - 1, Math.floor(Math.max(x0, x1, x2)));
  const minY = Math.max(0, Math.ceil(Math.min(y0, y1, y2)));
  const maxY = Math.min(height - 1, Math.floor(Math.max(y0, y1, y2)));
  if (minX > maxX || minY > maxY) return;
  const scale = 1 / area;
  const z0 = p[oa + 2]! * scale, z1 = p[ob + 2]! * scale, z2 = p[oc + 2]! * scale;
  // Edge functions w0 (opposite vertex 0), w1, w2 at the first pixel centre, and their steps.
  const a0 = y1 - y2, b0 = x2 - x1;
  const a1 = y2 - y0, b1 = x0 - x2;
  const a2 = y0 - y1, b2 = x1 - x0;
  let row0 = a0 * (minX - x1) + b0 * (minY - y1);
  let row1 = a1 * (minX - x2) + b1 * (minY - y2);
  let row2 = a2 * (minX - x0) + b2 * (minY - y0);
  // Colour weights (unused for a depth-only target).
  const f = scale * s;
  const r0 = p[oa + 3]! * f, g0 = p[oa + 4]! * f, bl0 = p[oa + 5]! * f;
  const r1 = p[ob + 3]! * f, g1 = p[ob + 4]! * f, bl1 = p[ob + 5]! * f;
  const r2 = p[oc + 3]! * f, g2 = p[oc + 4]! * f, bl2 = p[oc + 5]! * f;
  for (let y = minY; y <= maxY; y++) {
    let w0 = row0, w1 = row1, w2 = row2;
    for (let index = y * width + minX, end = y * width + maxX; index <= end; index++) {
      if (w0 >= 0 && w1 >= 0 && w2 >= 0) {
        const iz = w0 * z0 + w1 * z1 + w2 * z2;
        if (iz > inv[index]!) {
          inv[index] = iz;
          if (rgb) {
            const o = index * 3;
            rgb[o] = Math.min(255, w0 * r0 + w1 * r1 + w2 * r2);
            rgb[o + 1] = Math.min(255, w0 * g0 + w1 * g1 + w2 * g2);
            rgb[o + 2] = Math.min(255, w0 * bl0 + w1 * bl1 + w2 * bl2);
          }
        }
      }
      w0 += a0;
      w1 += a1;
      w2 += a2;
    }
    row0 += b0;
    row1 += b1;
    row2 += b2;
  }
}
