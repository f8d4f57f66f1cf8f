/**
 * The room as a ScanNet-like mesh: every surface subdivided so no edge is
 * longer than `spacing` (ScanNet's vh_clean_2 meshes have vertices every few
 * centimetres), coloured per vertex (tiles, wood grain, fabric noise), with an
 * over-segmentation (segment per face patch) and one segGroup per annotated
 * object. Faces wind counter-clockwise seen from outside a solid (walls: seen
 * from inside the room), so back faces can be culled.
 */
import type { Vec3 } from '../../core/index.ts';
import { normalizeBox, type Vec2 } from '../../lib/geometry/index.ts';
import type { Finish } from './catalog.ts';
import { polygonBounds, type PlacedItem, type RoomLayout } from './layout.ts';
import { CYLINDER_SIDES } from './shapes.ts';

export interface MeshObject {
  objectId: number;
  raw: string;
  /** Segment ids of the object (its segGroup). */
  segments: number[];
  /** Its vertices are [vertexStart, vertexEnd). */
  vertexStart: number;
  vertexEnd: number;
  /** The placed item (absent for walls and the floor). */
  item?: PlacedItem;
}

export interface SceneMesh {
  /** Room-frame positions, packed xyz. */
  positions: Float64Array;
  colours: Uint8Array;
  triangles: Uint32Array;
  /** Segment id per vertex. */
  segments: Int32Array;
  /** Annotated objects, in objectId order. */
  objects: MeshObject[];
}

type Colour = readonly [number, number, number];

class Builder {
  positions: number[] = [];
  colours: number[] = [];
  triangles: number[] = [];
  segments: number[] = [];
  nextSegment = 1;

  constructor(readonly spacing: number) {}

  get vertexCount() {
    return this.positions.length / 3;
  }

  /**
   * A parallelogram origin + s*u + t*v (s, t in [0, 1]) as a grid of
   * triangles facing u x v, cut into segments of about `patch` metres.
   */
  grid(origin: Vec3, u: Vec3, v: Vec3, colour: (p: Vec3, index: number) => Colour, patch: number, segmentsOut: Set<number>): void {
    const lu = Math.hypot(...u);
    const lv = Math.hypot(...v);
    const nu = Math.max(1, Math.ceil(lu / this.spacing - 1e-9));
    const nv = Math.max(1, Math.ceil(lv / this.spacing - 1e-9));
    const pu = Math.max(1, Math.round(lu / patch));
    const pv = Math.max(1, Math.round(lv / patch));
    const base = this.vertexCount;
    const firstSegment = this.nextSegment;
    this.nextSegment += pu * pv;
    for (let j = 0; j <= nv; j++)
      for (let i = 0; i <= nu; i++) {
        const s = i / nu;
        const t = j / nv;
        const p: Vec3 = [origin[0] + s * u[0] + t * v[0], origin[1] + s * u[1] + t * v[1], origin[2] + s * u[2] + t * v[2]];
        this.vertex(p, colour(p, this.vertexCount));
        const segment = firstSegment + Math.min(pu - 1, Math.floor(s * pu)) * pv + Math.min(pv - 1, Math.floor(t * pv));
        this.segments.push(segment);
        segmentsOut.add(segment);
      }
    for (let j = 0; j < nv; j++)
      for (let i = 0; i < nu; i++) {
        const a = base + j * (nu + 1) + i;
        const b = a + 1;
        const c = a + nu + 2;
        const d = a + nu + 1;
        this.triangles.push(a, b, c, a, c, d);
      }
  }

  /** Rings of a disc (centre, 16 corners at radius r) facing up (+1) or down (-1). */
  disc(center: Vec3, corners: Vec2[], up: 1 | -1, colour: (p: Vec3, index: number) => Colour, segmentsOut: Set<number>): void {
    const radius = Math.hypot(corners[0]![0] - center[0], corners[0]![1] - center[1]);
    const rings = Math.max(1, Math.ceil(radius / this.spacing - 1e-9));
    const segment = this.nextSegment++;
    segmentsOut.add(segment);
    const centerIndex = this.vertexCount;
    this.vertex(center, colour(center, centerIndex));
    this.segments.push(segment);
    const n = corners.length;
    for (let r = 1; r <= rings; r++)
      for (const [x, y] of corners) {
        const f = r / rings;
        const p: Vec3 = [center[0] + f * (x - center[0]), center[1] + f * (y - center[1]), center[2]];
        this.vertex(p, colour(p, this.vertexCount));
        this.segments.push(segment);
      }
    const ring = (r: number, k: number) => (r === 0 ? centerIndex : centerIndex + 1 + (r - 1) * n + (k % n));
    for (let r = 1; r <= rings; r++)
      for (let k = 0; k < n; k++) {
        const tri = (a: number, b: number, c: number) => (up === 1 ? this.triangles.push(a, b, c) : this.triangles.push(a, c, b));
        if (r === 1) tri(ring(0, 0), ring(1, k), ring(1, k + 1));
        else {
          tri(ring(r - 1, k), ring(r, k), ring(r, k + 1));
          tri(ring(r - 1, k), ring(r, k + 1), ring(r - 1, k + 1));
        }
      }
  }

  private vertex(p: Vec3, c: Colour) {
    this.positions.push(p[0], p[1], p[2]);
    this.colours.push(clamp(c[0]), clamp(c[1]), clamp(c[2]));
  }
}

const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));

/** Deterministic noise in [-1, 1) from an integer. */
export function noise(i: number, salt = 0): number {
  let h = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b) ^ salt;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2147483648 - 1;
}

const scale = (c: Colour, f: number): Colour => [c[0] * f, c[1] * f, c[2] * f];

function finishColour(finish: Finish, base: Colour, salt: number): (p: Vec3, index: number) => Colour {
  switch (finish) {
    case 'wood':
      return (p, i) => scale(base, 0.9 + 0.07 * Math.sin((p[0] + p[1]) * 38 + salt) + 0.03 * noise(i, salt));
    case 'fabric':
      return (_p, i) => scale(base, 0.95 + 0.06 * noise(i, salt));
    case 'paper':
      return (p, i) => scale(base, (Math.floor(p[0] * 9) + Math.floor(p[1] * 9) + Math.floor(p[2] * 9)) % 3 === 0 ? 0.7 : 1 + 0.03 * noise(i, salt));
    case 'glass':
      return (p, i) => scale(base, 0.95 + 0.08 * Math.sin(p[2] * 20) + 0.02 * noise(i, salt));
    default:
      return (_p, i) => scale(base, 1 + 0.025 * noise(i, salt));
  }
}

export function buildMesh(room: RoomLayout, spacing: number): SceneMesh {
  const b = new Builder(spacing);
  const objects: MeshObject[] = [];
  const add = (raw: string, draw: (segments: Set<number>) => void, item?: PlacedItem) => {
    const segments = new Set<number>();
    const vertexStart = b.vertexCount;
    draw(segments);
    objects.push({ objectId: objects.length, raw, segments: [...segments], vertexStart, vertexEnd: b.vertexCount, ...(item ? { item } : {}) });
  };
  const clutter: PlacedItem[] = [];
  room.items.forEach((item, n) => {
    if (!item.annotated) return clutter.push(item);
    add(item.raw, (segments) => drawItem(b, item, n, segments), item);
  });
  const wallColour = (p: Vec3, i: number) => scale(room.wallColour, p[2] < 0.08 ? 0.7 : 1 + 0.02 * noise(i, 7));
  room.walls.forEach((wall) => {
    add('wall', (segments) =>
      b.grid([wall.start[0], wall.start[1], 0], [0, 0, room.wallHeight], [wall.end[0] - wall.start[0], wall.end[1] - wall.start[1], 0], wallColour, 1, segments),
    );
  });
  const tile = (p: Vec3, i: number) =>
    scale(room.floorColour, ((Math.floor(p[0] / room.tile) + Math.floor(p[1] / room.tile)) & 1 ? 0.86 : 1) + 0.03 * noise(i, 11));
  add('floor', (segments) => {
    for (const [x0, y0, x1, y1] of room.floorRects) b.grid([x0, y0, 0], [x1 - x0, 0, 0], [0, y1 - y0, 0], tile, 1, segments);
  });
  // Clutter last: its segments are in no segGroup, like the unlabelled parts of a real scan.
  clutter.forEach((item, n) => drawItem(b, item, 1000 + n, new Set()));
  return {
    positions: Float64Array.from(b.positions),
    colours: Uint8Array.from(b.colours),
    triangles: Uint32Array.from(b.triangles),
    segments: Int32Array.from(b.segments),
    objects,
  };
}

function drawItem(b: Builder, item: PlacedItem, salt: number, segments: Set<number>): void {
  for (const [k, part] of item.parts.entries()) {
    const box = item.partBoxes[k]!;
    const colour = finishColour(item.item.finish, scale(part.colour ?? item.colour, part.shade), salt * 31 + k);
    const onFloor = box.center[2] - box.size[2] / 2 <= 1e-6;
    if (part.kind === 'box') drawBox(b, box.center, box.size, box.yaw, onFloor, colour, segments);
    else drawCylinder(b, box.center, box.size, box.yaw, onFloor, colour, segments);
  }
}

function drawBox(b: Builder, c: Vec3, size: Vec3, yaw: number, onFloor: boolean, colour: (p: Vec3, i: number) => Colour, segments: Set<number>) {
  const ex: Vec3 = [Math.cos(yaw), Math.sin(yaw), 0];
  const ey: Vec3 = [-Math.sin(yaw), Math.cos(yaw), 0];
  const ez: Vec3 = [0, 0, 1];
  const [hx, hy, hz] = [size[0] / 2, size[1] / 2, size[2] / 2];
  const at = (sx: number, sy: number, sz: number): Vec3 => [
    c[0] + sx * hx * ex[0] + sy * hy * ey[0],
    c[1] + sx * hx * ex[1] + sy * hy * ey[1],
    c[2] + sz * hz,
  ];
  const mul = (v: Vec3, f: number): Vec3 => [v[0] * f, v[1] * f, v[2] * f];
  const [X, Y, Z] = [mul(ex, 2 * hx), mul(ey, 2 * hy), mul(ez, 2 * hz)];
  const patch = 0.5;
  b.grid(at(1, -1, -1), Y, Z, colour, patch, segments); // +x
  b.grid(at(-1, -1, -1), Z, Y, colour, patch, segments); // -x
  b.grid(at(-1, 1, -1), Z, X, colour, patch, segments); // +y
  b.grid(at(-1, -1, -1), X, Z, colour, patch, segments); // -y
  b.grid(at(-1, -1, 1), X, Y, colour, patch, segments); // +z
  if (!onFloor) b.grid(at(-1, -1, -1), Y, X, colour, patch, segments); // -z
}

/** A 16-sided prism whose sides touch its bounding box (corners at half-step angles). */
function drawCylinder(b: Builder, c: Vec3, size: Vec3, yaw: number, onFloor: boolean, colour: (p: Vec3, i: number) => Colour, segments: Set<number>) {
  const step = (2 * Math.PI) / CYLINDER_SIDES;
  const rx = size[0] / 2 / Math.cos(step / 2);
  const ry = size[1] / 2 / Math.cos(step / 2);
  const corners: Vec2[] = Array.from({ length: CYLINDER_SIDES }, (_, k) => {
    const a = (k + 0.5) * step;
    const x = rx * Math.cos(a);
    const y = ry * Math.sin(a);
    return [c[0] + Math.cos(yaw) * x - Math.sin(yaw) * y, c[1] + Math.sin(yaw) * x + Math.cos(yaw) * y];
  });
  const z0 = c[2] - size[2] / 2;
  const z1 = c[2] + size[2] / 2;
  corners.forEach((p, k) => {
    const q = corners[(k + 1) % CYLINDER_SIDES]!;
    b.grid([p[0], p[1], z0], [q[0] - p[0], q[1] - p[1], 0], [0, 0, z1 - z0], colour, 0.5, segments);
  });
  b.disc([c[0], c[1], z1], corners, 1, colour, segments);
  if (!onFloor) b.disc([c[0], c[1], z0], corners, -1, colour, segments);
}

/** Designed box of a mesh object in the room frame (walls and floor: their extent). */
export function designedBox(object: MeshObject, room: RoomLayout) {
  if (object.item) return object.item.box;
  if (object.raw === 'floor') {
    const [x0, y0, x1, y1] = polygonBounds(room.polygon);
    return normalizeBox({ center: [(x0 + x1) / 2, (y0 + y1) / 2, 0], size: [x1 - x0, y1 - y0, 0], yaw: 0 });
  }
  return undefined;
}
