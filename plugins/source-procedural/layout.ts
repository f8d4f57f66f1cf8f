/**
 * A seeded room: a rectangular or L-shaped floor, walls, and furniture of
 * real ScanNet categories placed by simple rules (against walls, on top of,
 * beside or facing other items) with no two solids of different items
 * intersecting. Coordinates are the room frame: metres, floor at z = 0.
 */
import type { OrientedBox, Random, Vec3 } from '../../core/index.ts';
import { boxDistance, footprint, normalizeBox, polygonDistance, roundTo, type Vec2 } from '../../lib/geometry/index.ts';
import { ITEMS, ROOM_TYPES, type Item, type Range, type RoomType } from './catalog.ts';
import { partsBounds, partsOf, placeBox, type Part, type Pose } from './shapes.ts';

/** Camera positions keep this far (metres) from every wall; tall items stay closer to walls than this. */
export const CAMERA_INSET = 1.0;
/** Smallest width of any arm of the room. */
const MIN_ARM = 2 * CAMERA_INSET + 0.8;
/** Solids of different items stay at least this far apart (metres). */
export const MIN_GAP = 0.002;

export interface Wall {
  start: Vec2;
  end: Vec2;
  length: number;
  /** Unit direction start -> end. */
  dir: Vec2;
  /** Unit normal pointing into the room. */
  normal: Vec2;
}

export interface PlacedItem {
  raw: string;
  item: Item;
  pose: Pose;
  parts: Part[];
  /** Each part's bounding box in the room frame. */
  partBoxes: OrientedBox[];
  /** The item's box in the room frame (yaw normalised to [-pi/4, pi/4)). */
  box: OrientedBox;
  /** The box in the item's own frame (sizes along its local x, y, z). */
  local: { center: Vec3; size: Vec3 };
  colour: readonly [number, number, number];
  /** Annotated items get a segGroup; clutter does not. */
  annotated: boolean;
  /** For wall items: which wall, and where along it (metres from its start). */
  wall?: { index: number; along: number };
}

export interface RoomLayout {
  sceneType: string;
  /** Floor outline, counter-clockwise. */
  polygon: Vec2[];
  walls: Wall[];
  /** The floor as disjoint rectangles [x0, y0, x1, y1]. */
  floorRects: [number, number, number, number][];
  /** Exact floor area (m^2). */
  floorArea: number;
  wallHeight: number;
  items: PlacedItem[];
  wallColour: readonly [number, number, number];
  floorColour: readonly [number, number, number];
  /** Side of the floor's tiles (metres). */
  tile: number;
}

const between = (random: Random, [lo, hi]: Range) => lo + (hi - lo) * random.next();
const pick = <T>(random: Random, list: readonly T[]): T => list[random.int(list.length)]!;

export function layoutRoom(random: Random): RoomLayout {
  const type = pick(random, ROOM_TYPES);
  const width = round3(between(random, [MIN_ARM + 0.6, 7.2]));
  const depth = round3(between(random, [MIN_ARM + 0.4, 6.0]));
  let polygon: Vec2[] = [
    [0, 0],
    [width, 0],
    [width, depth],
    [0, depth],
  ];
  let floorRects: RoomLayout['floorRects'] = [[0, 0, width, depth]];
  // An L: cut a notch (a x b) off the far corner when both arms stay wide enough.
  if (random.next() < 0.35 && width >= MIN_ARM + 1 && depth >= MIN_ARM + 1) {
    const a = round3(between(random, [1, width - MIN_ARM]));
    const b = round3(between(random, [1, depth - MIN_ARM]));
    polygon = [
      [0, 0],
      [width, 0],
      [width, depth - b],
      [width - a, depth - b],
      [width - a, depth],
      [0, depth],
    ];
    floorRects = [
      [0, 0, width, depth - b],
      [0, depth - b, width - a, depth],
    ];
  }
  const walls = polygon.map((start, i): Wall => {
    const end = polygon[(i + 1) % polygon.length]!;
    const length = Math.hypot(end[0] - start[0], end[1] - start[1]);
    const dir: Vec2 = [(end[0] - start[0]) / length, (end[1] - start[1]) / length];
    return { start, end, length, dir, normal: [-dir[1], dir[0]] };
  });
  const room: RoomLayout = {
    sceneType: type.sceneType,
    polygon,
    walls,
    floorRects,
    floorArea: floorRects.reduce((sum, [x0, y0, x1, y1]) => sum + (x1 - x0) * (y1 - y0), 0),
    wallHeight: round3(between(random, [2.5, 2.9])),
    items: [],
    wallColour: pick(random, type.wall),
    floorColour: pick(random, type.floor),
    tile: pick(random, [0.3, 0.4, 0.5, 0.6]),
  };
  furnish(room, type, random);
  return room;
}

function furnish(room: RoomLayout, type: RoomType, random: Random): void {
  for (const [raw, min, max] of type.items) {
    const item = ITEMS[raw];
    if (!item) throw new Error(`procedural catalog: room type ${type.sceneType} names unknown item "${raw}"`);
    const count = min + random.int(max - min + 1);
    for (let i = 0; i < count; i++) place(room, item, random.fork(`${raw}-${i}`), true);
  }
  // Clutter: a couple of unannotated boxes, like the unlabelled bits of a real scan.
  for (let i = 0; i < 2; i++) place(room, ITEMS.box!, random.fork(`clutter-${i}`), false);
}

/** Try to place one item; gives up silently after a number of attempts (a full room). */
function place(room: RoomLayout, item: Item, random: Random, annotated: boolean): void {
  for (let attempt = 0; attempt < 60; attempt++) {
    let size = item.size.map((range) => round3(between(random, range))) as [number, number, number];
    if (['cylinder', 'lamp', 'office-chair', 'plant'].includes(item.shape)) size = [size[0], size[0], size[2]];
    const candidate = propose(room, item, size, random);
    if (!candidate) continue;
    const parts = partsOf(item.shape, size);
    const placed = build(item, parts, candidate.pose, pick(random, item.palette), annotated, candidate.wall);
    if (fits(room, placed)) {
      room.items.push(placed);
      return;
    }
  }
}

function build(item: Item, parts: Part[], pose: Pose, colour: PlacedItem['colour'], annotated: boolean, wall?: PlacedItem['wall']): PlacedItem {
  const [min, max] = partsBounds(parts);
  const center: Vec3 = [(min[0] + max[0]) / 2, (min[1] + max[1]) / 2, (min[2] + max[2]) / 2];
  const size: Vec3 = [max[0] - min[0], max[1] - min[1], max[2] - min[2]];
  return {
    raw: item.raw,
    item,
    pose,
    parts,
    partBoxes: parts.map((p) => placeBox(p.center, p.size, pose)),
    box: normalizeBox(placeBox(center, size, pose)),
    local: { center, size },
    colour,
    annotated,
    ...(wall ? { wall } : {}),
  };
}

interface Proposal {
  pose: Pose;
  wall?: PlacedItem['wall'];
}

/** Yaw that turns local +y (the item's front) to `normal`. */
const facing = (normal: Vec2) => Math.atan2(-normal[0], normal[1]);

function propose(room: RoomLayout, item: Item, [w, d, h]: [number, number, number], random: Random): Proposal | undefined {
  const place = item.place;
  switch (place.kind) {
    case 'wall':
    case 'mounted': {
      const index = random.int(room.walls.length);
      const wall = room.walls[index]!;
      if (wall.length < w + 0.2) return undefined;
      const along = between(random, [w / 2 + 0.1, wall.length - w / 2 - 0.1]);
      const off = d / 2 + (place.kind === 'mounted' ? 0.003 : 0.01);
      const z = place.kind === 'mounted' ? between(random, place.bottom) : 0;
      if (z + h > room.wallHeight - 0.05) return undefined;
      return { pose: onWall(wall, along, off, z), wall: { index, along } };
    }
    case 'floor': {
      const [x0, y0, x1, y1] = polygonBounds(room.polygon);
      const yaw = random.next() < 0.6 ? (random.int(4) * Math.PI) / 2 + (random.next() - 0.5) * 0.3 : random.next() * 2 * Math.PI;
      return { pose: { x: between(random, [x0 + 0.3, x1 - 0.3]), y: between(random, [y0 + 0.3, y1 - 0.3]), z: 0, yaw } };
    }
    case 'beside': {
      const supports = room.items.filter((p) => place.support.includes(p.raw) && p.wall);
      if (!supports.length) return undefined;
      const support = pick(random, supports);
      const wall = room.walls[support.wall!.index]!;
      const side = random.next() < 0.5 ? -1 : 1;
      const along = support.wall!.along + side * (support.local.size[0] / 2 + w / 2 + between(random, [0.03, 0.15]));
      if (along < w / 2 + 0.05 || along > wall.length - w / 2 - 0.05) return undefined;
      return { pose: onWall(wall, along, d / 2 + 0.01, 0), wall: { index: support.wall!.index, along } };
    }
    case 'at': {
      const supports = room.items.filter((p) => place.support.includes(p.raw));
      if (!supports.length) return undefined;
      const support = pick(random, supports);
      const { yaw } = support.pose;
      const [sw, sd] = support.local.size;
      // Sides of the support in its own frame: +y (front) for wall items, any for free-standing tables.
      const sides = support.wall ? [0] : [0, 1, 2, 3];
      const side = pick(random, sides);
      const angle = yaw + (side * Math.PI) / 2;
      const out: Vec2 = [-Math.sin(angle), Math.cos(angle)];
      const half = side % 2 === 0 ? sd / 2 : sw / 2;
      const span = side % 2 === 0 ? sw : sd;
      if (span < w) return undefined;
      const along = (random.next() - 0.5) * (span - w);
      const distance = half + d / 2 + between(random, [-0.12, 0.15]);
      const tangent: Vec2 = [out[1], -out[0]];
      const c = support.box.center;
      return {
        pose: { x: c[0] + out[0] * distance + tangent[0] * along, y: c[1] + out[1] * distance + tangent[1] * along, z: 0, yaw: facing([-out[0], -out[1]]) + (random.next() - 0.5) * 0.25 },
      };
    }
    case 'on': {
      const supports = room.items.filter((p) => place.support.includes(p.raw));
      if (!supports.length) return undefined;
      const support = pick(random, supports);
      const yaw = support.pose.yaw + (random.next() - 0.5) * 0.3;
      const [sw, sd] = support.local.size;
      const lx = (random.next() - 0.5) * Math.max(0, sw - w - 0.04);
      const ly = (random.next() - 0.5) * Math.max(0, sd - d - 0.04);
      const c = Math.cos(support.pose.yaw);
      const s = Math.sin(support.pose.yaw);
      const x = support.box.center[0] + c * lx - s * ly;
      const y = support.box.center[1] + s * lx + c * ly;
      // Rest on the highest part of the support under the item's footprint.
      const probe = footprint({ center: [x, y, 0], size: [w, d, 1], yaw });
      const top = Math.max(...support.partBoxes.filter((b) => polygonDistance(footprint(b), probe) === 0).map((b) => b.center[2] + b.size[2] / 2));
      if (!Number.isFinite(top)) return undefined;
      return { pose: { x, y, z: top + 0.003, yaw } };
    }
  }
}

function onWall(wall: Wall, along: number, off: number, z: number): Pose {
  return {
    x: wall.start[0] + wall.dir[0] * along + wall.normal[0] * off,
    y: wall.start[1] + wall.dir[1] * along + wall.normal[1] * off,
    z,
    yaw: facing(wall.normal),
  };
}

/** Inside the room, below the ceiling, and no solid closer than MIN_GAP to another item's. */
function fits(room: RoomLayout, placed: PlacedItem): boolean {
  if (placed.box.center[2] + placed.box.size[2] / 2 > room.wallHeight - 0.05) return false;
  const corners = footprint(placed.box);
  if (!corners.every((p) => insidePolygon(p, room.polygon))) return false;
  if (room.polygon.some((v) => insidePolygon(v, corners))) return false;
  for (const other of room.items)
    if (boxDistance(other.box, placed.box) <= MIN_GAP + 1e-9)
      for (const a of other.partBoxes) for (const b of placed.partBoxes) if (boxDistance(a, b) <= MIN_GAP) return false;
  return true;
}

/** Strictly inside (points on the boundary count as outside). */
export function insidePolygon([x, y]: Vec2, polygon: Vec2[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Axis-aligned bounds of a polygon: [x0, y0, x1, y1]. */
export const polygonBounds = (polygon: Vec2[]): [number, number, number, number] => [
  Math.min(...polygon.map((p) => p[0])),
  Math.min(...polygon.map((p) => p[1])),
  Math.max(...polygon.map((p) => p[0])),
  Math.max(...polygon.map((p) => p[1])),
];

const round3 = (v: number) => roundTo(v, 3);
