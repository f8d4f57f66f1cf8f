/**
 * Items as solids: each shape is a few parts (boxes, or 16-sided prisms for
 * round things) in the item's own frame: footprint centred on the origin,
 * z from 0 at the bottom, the item facing local +y.
 */
import type { OrientedBox, Vec3 } from '../../core/index.ts';
import type { Shape } from './catalog.ts';

export interface Part {
  kind: 'box' | 'cylinder';
  /** Centre of the part's bounding box (local frame). */
  center: Vec3;
  /** Bounding box size; a cylinder's 16-gon has its sides on this box. */
  size: Vec3;
  /** Multiplies the item's colour. */
  shade: number;
  /** Replaces the item's colour (a plant's pot). */
  colour?: readonly [number, number, number];
}

export const CYLINDER_SIDES = 16;

const box = (x: number, y: number, z0: number, w: number, d: number, h: number, shade = 1): Part => ({
  kind: 'box',
  center: [x, y, z0 + h / 2],
  size: [w, d, h],
  shade,
});
const cylinder = (z0: number, diameter: number, h: number, shade = 1, colour?: Part['colour']): Part => ({
  kind: 'cylinder',
  center: [0, 0, z0 + h / 2],
  size: [diameter, diameter, h],
  shade,
  ...(colour ? { colour } : {}),
});

/** Parts of a shape of width w (x), depth d (y), height h. */
export function partsOf(shape: Shape, [w, d, h]: readonly [number, number, number]): Part[] {
  switch (shape) {
    case 'block':
    case 'panel':
      return [box(0, 0, 0, w, d, h)];
    case 'table': {
      const t = Math.min(0.05, h * 0.08);
      const leg = 0.05;
      const lx = w / 2 - 0.03 - leg / 2;
      const ly = d / 2 - 0.03 - leg / 2;
      return [box(0, 0, h - t, w, d, t), ...corners(lx, ly).map(([x, y]) => box(x, y, 0, leg, leg, h - t, 0.8))];
    }
    case 'chair': {
      const seat = 0.45;
      const leg = 0.035;
      const lx = w / 2 - leg / 2 - 0.01;
      const ly = d / 2 - leg / 2 - 0.01;
      return [
        box(0, 0, seat - 0.04, w, d, 0.04),
        ...corners(lx, ly).map(([x, y]) => box(x, y, 0, leg, leg, seat - 0.04, 0.8)),
        box(0, -d / 2 + 0.02, seat, w, 0.04, h - seat, 0.95),
      ];
    }
    case 'office-chair': {
      const s = 0.8 * w;
      return [
        cylinder(0, w, 0.08, 0.6),
        cylinder(0.08, 0.06, 0.34, 0.5),
        box(0, 0.02, 0.42, s, s, 0.08),
        box(0, -s / 2 + 0.05, 0.52, s, 0.06, h - 0.52, 0.9),
      ];
    }
    case 'bed': {
      const head = 0.06;
      return [box(0, head / 2, 0, w, d - head, h), box(0, -d / 2 + head / 2, 0, w, head, h + 0.45, 0.75)];
    }
    case 'couch': {
      const back = Math.min(0.22, 0.25 * d);
      const arm = w > 1.2 ? 0.16 : 0.13;
      const y = back / 2;
      return [
        box(0, -d / 2 + back / 2, 0, w, back, h, 0.85),
        box(-w / 2 + arm / 2, y, 0, arm, d - back, 0.62, 0.9),
        box(w / 2 - arm / 2, y, 0, arm, d - back, 0.62, 0.9),
        box(0, y, 0, w - 2 * arm, d - back, 0.42),
      ];
    }
    case 'shelf': {
      const side = 0.025;
      const boards = Math.max(2, Math.floor(h / 0.38));
      const inner = w - 2 * side;
      return [
        box(-w / 2 + side / 2, 0, 0, side, d, h),
        box(w / 2 - side / 2, 0, 0, side, d, h),
        box(0, -d / 2 + 0.01, 0, inner, 0.02, h, 0.8),
        ...Array.from({ length: boards + 1 }, (_, i) => box(0, 0.01, i === boards ? h - 0.02 : (i * h) / boards, inner, d - 0.02, 0.02)),
      ];
    }
    case 'cylinder':
      return [cylinder(0, w, h)];
    case 'plant':
      return [cylinder(0, 0.6 * w, 0.35 * h, 1, [150, 84, 56]), cylinder(0.35 * h, w, 0.65 * h)];
    case 'monitor':
      return [box(0, 0, 0, Math.min(0.25, w), d, 0.02, 0.8), box(0, 0, 0.02, 0.05, 0.04, 0.1, 0.8), box(0, 0, 0.12, w, 0.04, h - 0.12)];
    case 'lamp':
      return [cylinder(0, 0.5 * w, 0.05, 0.7), cylinder(0.05, 0.04, 0.5 * h, 0.6), cylinder(0.55 * h, w, 0.45 * h)];
    case 'toilet':
      return [box(0, -d / 2 + 0.09, 0, w, 0.18, h), box(0, 0.09, 0, 0.9 * w, d - 0.18, 0.4)];
  }
}

const corners = (x: number, y: number): [number, number][] => [
  [-x, -y],
  [x, -y],
  [x, y],
  [-x, y],
];

/** Local bounding box of parts: [min, max] corners. */
export function partsBounds(parts: Part[]): [Vec3, Vec3] {
  const min: Vec3 = [Infinity, Infinity, Infinity];
  const max: Vec3 = [-Infinity, -Infinity, -Infinity];
  for (const p of parts)
    for (let k = 0; k < 3; k++) {
      min[k] = Math.min(min[k]!, p.center[k]! - p.size[k]! / 2);
      max[k] = Math.max(max[k]!, p.center[k]! + p.size[k]! / 2);
    }
  return [min, max];
}

/** A local box (centre, size) placed at (x, y, z) with a yaw: the world oriented box. */
export function placeBox(center: Vec3, size: Vec3, pose: Pose): OrientedBox {
  const c = Math.cos(pose.yaw);
  const s = Math.sin(pose.yaw);
  return {
    center: [pose.x + c * center[0] - s * center[1], pose.y + s * center[0] + c * center[1], pose.z + center[2]],
    size: [...size],
    yaw: pose.yaw,
  };
}

export interface Pose {
  x: number;
  y: number;
  /** Height of the item's bottom. */
  z: number;
  yaw: number;
}
