import test from 'ava';
import { createRandom } from '../../../core/index.ts';
import { boxDistance, footprint, transformPoint } from '../../../lib/geometry/index.ts';
import { ITEMS, ROOM_TYPES } from '../../../plugins/source-procedural/catalog.ts';
import { cameraPath } from '../../../plugins/source-procedural/camera-path.ts';
import { insidePolygon, layoutRoom, MIN_GAP } from '../../../plugins/source-procedural/layout.ts';
import { loadLabelMap } from '../../../lib/scannet-format/index.ts';

const rooms = Array.from({ length: 60 }, (_, i) => layoutRoom(createRandom(i, 'layout-test')));

test('every item is a real ScanNet raw category (in the label map)', (t) => {
  const map = loadLabelMap();
  for (const raw of [...Object.keys(ITEMS), 'wall', 'floor']) t.truthy(map.categoryOf(raw), raw);
  for (const type of ROOM_TYPES) for (const [raw] of type.items) t.truthy(ITEMS[raw], `${type.sceneType}: ${raw}`);
});

test('no two items interpenetrate: every pair of solids is at least MIN_GAP apart', (t) => {
  let pairs = 0;
  for (const room of rooms)
    room.items.forEach((a, i) =>
      room.items.slice(i + 1).forEach((b) => {
        for (const pa of a.partBoxes)
          for (const pb of b.partBoxes) {
            pairs++;
            const d = boxDistance(pa, pb);
            if (d < MIN_GAP - 1e-9) t.fail(`${a.raw} and ${b.raw}: solids ${d} apart`);
          }
      }),
    );
  t.true(pairs > 10_000, `${pairs} pairs checked`);
});

test('items stand inside the room, on the floor or on another item, under the ceiling', (t) => {
  for (const room of rooms) {
    t.true(room.items.length >= 6, `${room.sceneType}: ${room.items.length} items`);
    for (const item of room.items) {
      for (const corner of footprint(item.box)) t.true(insidePolygon(corner, room.polygon), `${item.raw} inside`);
      const bottom = item.box.center[2] - item.box.size[2] / 2;
      const top = item.box.center[2] + item.box.size[2] / 2;
      t.true(top < room.wallHeight, `${item.raw} under the ceiling`);
      if (item.item.place.kind === 'on') t.true(bottom > 0.1, `${item.raw} rests on something`);
      else if (item.item.place.kind !== 'mounted') t.true(Math.abs(bottom) < 1e-9, `${item.raw} on the floor`);
    }
  }
});

test('sizes are realistic: within the catalog ranges', (t) => {
  for (const room of rooms)
    for (const item of room.items) {
      const [w, d, h] = item.item.size;
      const [lw, ld] = item.local.size;
      t.true(lw >= w[0] - 1e-9 && lw <= w[1] + 1e-9, `${item.raw} width ${lw}`);
      t.true(ld >= Math.min(d[0], w[0]) - 1e-9 && ld <= Math.max(d[1], w[1]) + 1e-9, `${item.raw} depth ${ld}`);
      t.true(item.local.size[2] >= h[0] - 1e-9 && item.local.size[2] <= h[1] + 0.45 + 1e-9, `${item.raw} height`);
    }
});

test('the floor area is the polygon area; L-shaped rooms occur', (t) => {
  let ls = 0;
  for (const room of rooms) {
    let shoelace = 0;
    room.polygon.forEach((p, i) => {
      const q = room.polygon[(i + 1) % room.polygon.length]!;
      shoelace += p[0] * q[1] - q[0] * p[1];
    });
    t.true(Math.abs(shoelace / 2 - room.floorArea) < 1e-9);
    if (room.polygon.length === 6) ls++;
  }
  t.true(ls >= 5 && ls <= 40, `${ls} L-shaped rooms of 60`);
});

test('the camera walks inside the room, clear of every solid, looking down a little', (t) => {
  for (const [i, room] of rooms.entries()) {
    const poses = cameraPath(room, 24, createRandom(i, 'camera'));
    for (const pose of poses) {
      const position: [number, number] = [pose[3]!, pose[7]!];
      t.true(insidePolygon(position, room.polygon));
      const camera = { center: [pose[3]!, pose[7]!, pose[11]!] as [number, number, number], size: [0, 0, 0] as [number, number, number], yaw: 0 };
      for (const item of room.items) for (const part of item.partBoxes) t.true(boxDistance(camera, part) > 0.15, `camera near ${item.raw}`);
      const forward = transformPoint(pose, [0, 0, 1]).map((v, k) => v - [pose[3]!, pose[7]!, pose[11]!][k]!);
      t.true(forward[2]! < -0.1 && forward[2]! > -0.5, `pitch ${forward[2]}`);
    }
  }
});
