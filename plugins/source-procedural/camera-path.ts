/**
 * The capture: a hand-held walk around the room on a loop inset from the
 * walls, looking across the room with a gently swaying heading and a
 * downward pitch, like a ScanNet operator. Poses are camera-to-world (room
 * frame) in the OpenCV convention.
 */
import type { Mat4, Random, Vec3 } from '../../core/index.ts';
import type { Vec2 } from '../../lib/geometry/index.ts';
import { CAMERA_INSET, type RoomLayout } from './layout.ts';

/** The room outline moved inward by `inset` (rectangles and L shapes: axis-aligned edges). */
function insetLoop(polygon: Vec2[], inset: number): Vec2[] {
  return polygon.map((p, i) => {
    const prev = polygon[(i + polygon.length - 1) % polygon.length]!;
    const next = polygon[(i + 1) % polygon.length]!;
    const n1 = leftNormal(prev, p);
    const n2 = leftNormal(p, next);
    // Corner of the two offset edges (edges are axis-aligned and perpendicular).
    return [p[0] + inset * (n1[0] + n2[0]), p[1] + inset * (n1[1] + n2[1])];
  });
}

const leftNormal = (a: Vec2, b: Vec2): Vec2 => {
  const l = Math.hypot(b[0] - a[0], b[1] - a[1]);
  return [-(b[1] - a[1]) / l, (b[0] - a[0]) / l];
};

/** Camera-to-world from a position, heading (radians from +x) and pitch (radians, negative = down). */
export function lookPose(position: Vec3, heading: number, pitch: number): Mat4 {
  const forward: Vec3 = [Math.cos(pitch) * Math.cos(heading), Math.cos(pitch) * Math.sin(heading), Math.sin(pitch)];
  const right: Vec3 = [Math.sin(heading), -Math.cos(heading), 0];
  const down: Vec3 = [
    forward[1] * right[2] - forward[2] * right[1],
    forward[2] * right[0] - forward[0] * right[2],
    forward[0] * right[1] - forward[1] * right[0],
  ];
  return [
    right[0], down[0], forward[0], position[0],
    right[1], down[1], forward[1], position[1],
    right[2], down[2], forward[2], position[2],
    0, 0, 0, 1,
  ];
}

export function cameraPath(room: RoomLayout, frames: number, random: Random): Mat4[] {
  const loop = insetLoop(room.polygon, CAMERA_INSET);
  const lengths = loop.map((p, i) => {
    const q = loop[(i + 1) % loop.length]!;
    return Math.hypot(q[0] - p[0], q[1] - p[1]);
  });
  const total = lengths.reduce((a, b) => a + b, 0);
  const at = (s: number): Vec2 => {
    let rest = ((s % total) + total) % total;
    for (let i = 0; i < loop.length; i++) {
      if (rest <= lengths[i]! || i === loop.length - 1) {
        const p = loop[i]!;
        const q = loop[(i + 1) % loop.length]!;
        const f = Math.min(1, rest / lengths[i]!);
        return [p[0] + f * (q[0] - p[0]), p[1] + f * (q[1] - p[1])];
      }
      rest -= lengths[i]!;
    }
    return loop[0]!;
  };
  const cx = room.floorRects.reduce((sum, [x0, y0, x1, y1]) => sum + ((x0 + x1) / 2) * (x1 - x0) * (y1 - y0), 0) / room.floorArea;
  const cy = room.floorRects.reduce((sum, [x0, y0, x1, y1]) => sum + ((y0 + y1) / 2) * (x1 - x0) * (y1 - y0), 0) / room.floorArea;
  const start = random.next() * total;
  const direction = random.next() < 0.5 ? 1 : -1;
  const [p1, p2, p3, p4] = [0, 0, 0, 0].map(() => random.next() * 2 * Math.PI) as [number, number, number, number];
  const height = 1.42 + random.next() * 0.12;
  return Array.from({ length: frames }, (_, k) => {
    const f = k / frames;
    const [x, y] = at(start + direction * f * total);
    // Look across the room at a point circling its centre, swaying.
    const tx = cx + 0.8 * Math.cos(2 * Math.PI * 1.5 * f + p1);
    const ty = cy + 0.8 * Math.sin(2 * Math.PI * 1.5 * f + p1);
    const heading = Math.atan2(ty - y, tx - x) + 0.35 * Math.sin(2 * Math.PI * 3 * f + p2);
    const pitch = -(0.3 + 0.1 * Math.sin(2 * Math.PI * 2 * f + p3));
    const z = height + 0.06 * Math.sin(2 * Math.PI * 2.5 * f + p4);
    return lookPose([x, y, z], heading, pitch);
  });
}
