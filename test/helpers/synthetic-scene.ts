/**
 * Synthetic scene metadata for tests and benchmarks: boxes in a room, seen by
 * a pinhole camera turning on a circle. Views carry what a real source
 * computes: 2D boxes (projected corners, clipped), camera-frame centroids
 * (OpenCV: x right, y down, z forward) and a visibility ratio (surface samples
 * in front of the camera and inside the image; no occlusion).
 */
import { createRandom, type Intrinsics, type Mat4, type Scene, type SceneObject, type Vec3, type View } from '../../core/index.ts';
import { boxCorners } from '../../lib/tasks/index.ts';

export interface SyntheticOptions {
  id: string;
  seed?: number;
  objects: number;
  views: number;
  /** Image size of the intrinsics. */
  width?: number;
  height?: number;
  /** Seconds between views. */
  step?: number;
  categories?: string[];
  /** "random": anywhere in the room; "ring": on a circle around the camera path, like furniture along walls. */
  layout?: 'random' | 'ring';
  /** Horizontal field of view in degrees. */
  fov?: number;
}

const CATEGORIES = ['chair', 'table', 'sofa', 'lamp', 'bed', 'tv', 'desk', 'cabinet', 'plant', 'bookshelf', 'toilet', 'sink', 'refrigerator', 'stool', 'monitor', 'box', 'pillow', 'wall', 'trash can', 'door'];

/**
 * Camera-to-world (row-major) for a camera at `eye` heading `phi` (radians
 * from +X, counter-clockwise) and pitched down by `pitch` radians.
 */
export function cameraPose(eye: Vec3, phi: number, pitch = 0): Mat4 {
  const [c, s] = [Math.cos(pitch), Math.sin(pitch)];
  const forward: Vec3 = [Math.cos(phi) * c, Math.sin(phi) * c, -s];
  const right: Vec3 = [Math.sin(phi), -Math.cos(phi), 0];
  const down: Vec3 = [-s * Math.cos(phi), -s * Math.sin(phi), -c];
  return [right[0], down[0], forward[0], eye[0], right[1], down[1], forward[1], eye[1], right[2], down[2], forward[2], eye[2], 0, 0, 0, 1];
}

/** World point to camera coordinates for a rigid camera-to-world matrix. */
export function toCamera(pose: Mat4, p: readonly number[]): Vec3 {
  const d = [p[0]! - pose[3]!, p[1]! - pose[7]!, p[2]! - pose[11]!];
  return [0, 1, 2].map((c) => pose[c]! * d[0]! + pose[4 + c]! * d[1]! + pose[8 + c]! * d[2]!) as Vec3;
}

/** What a view shows of an object (undefined when nothing). */
export function observe(object: SceneObject, pose: Mat4, k: Intrinsics): View['objects'][number] | undefined {
  const samples: Vec3[] = [];
  const { center, size, yaw } = object.box;
  const c = Math.cos(yaw);
  const s = Math.sin(yaw);
  for (const u of [-0.5, 0, 0.5]) for (const v of [-0.5, 0, 0.5]) for (const w of [-0.5, 0, 0.5]) {
    if (Math.abs(u) !== 0.5 && Math.abs(v) !== 0.5 && Math.abs(w) !== 0.5) continue; // surface only
    const x = u * size[0];
    const y = v * size[1];
    samples.push([center[0] + c * x - s * y, center[1] + s * x + c * y, center[2] + w * size[2]]);
  }
  const project = (p: readonly number[]) => {
    const q = toCamera(pose, p);
    return q[2] > 0.1 ? { x: k.fx * (q[0] / q[2]) + k.cx, y: k.fy * (q[1] / q[2]) + k.cy } : undefined;
  };
  const inside = samples.filter((p) => {
    const uv = project(p);
    return uv && uv.x >= 0 && uv.x < k.width && uv.y >= 0 && uv.y < k.height;
  }).length;
  if (!inside) return undefined;
  const corners = boxCorners(object.box).map(project).filter((uv): uv is { x: number; y: number } => !!uv);
  const clip = (v: number, max: number) => Math.max(0, Math.min(max, v));
  return {
    objectId: object.id,
    box2d: [
      clip(Math.min(...corners.map((p) => p.x)), k.width),
      clip(Math.min(...corners.map((p) => p.y)), k.height),
      clip(Math.max(...corners.map((p) => p.x)), k.width),
      clip(Math.max(...corners.map((p) => p.y)), k.height),
    ],
    centroidCamera: toCamera(pose, object.centroid),
    visibility: Number((inside / samples.length).toFixed(4)),
  };
}

/** A room of `objects` boxes and `views` views turning once around the room's centre. */
export function syntheticScene(options: SyntheticOptions): Scene {
  const random = createRandom(options.seed ?? 1, `synthetic/${options.id}`);
  const categories = options.categories ?? CATEGORIES;
  const [roomX, roomY] = [5 + random.next() * 3, 4 + random.next() * 3];
  const objects: SceneObject[] = Array.from({ length: options.objects }, (_, i) => {
    const category = categories[random.int(Math.min(categories.length, 4 + Math.ceil(options.objects / 2)))]!;
    const size: Vec3 = [0.2 + random.next() * 1.4, 0.2 + random.next() * 1.0, 0.2 + random.next() * 1.3];
    const ring = (2 * Math.PI * (i + random.next() * 0.5)) / options.objects;
    const radius = 1.8 + random.next() * 0.6;
    const center: Vec3 =
      options.layout === 'ring'
        ? [roomX / 2 + radius * Math.cos(ring), roomY / 2 + radius * Math.sin(ring), size[2] / 2]
        : [0.5 + random.next() * (roomX - 1), 0.5 + random.next() * (roomY - 1), size[2] / 2];
    return { id: i + 1, category, rawCategory: category, centroid: center, box: { center, size, yaw: random.next() * Math.PI }, pointCount: 500 + random.int(5000) };
  });
  const width = options.width ?? 1296;
  const height = options.height ?? 968;
  const f = width / 2 / Math.tan(((options.fov ?? 60) * Math.PI) / 360);
  const k: Intrinsics = { fx: f, fy: f, cx: width / 2, cy: height / 2, width, height };
  const step = options.step ?? 0.5;
  const views: View[] = Array.from({ length: options.views }, (_, i) => {
    const angle = (2 * Math.PI * i) / options.views;
    const offset = options.layout === 'ring' ? 0.2 : 0.6;
    const eye: Vec3 = [roomX / 2 + offset * Math.cos(angle), roomY / 2 + offset * Math.sin(angle), 1.4];
    const pose = cameraPose(eye, angle + 0.3, 0.45);
    return {
      frame: i * 10,
      time: i * step,
      image: `color/${i * 10}.jpg`,
      intrinsics: k,
      cameraToWorld: pose,
      objects: objects.map((o) => observe(o, pose, k)).filter((o): o is View['objects'][number] => !!o),
    };
  });
  return { id: options.id, source: 'synthetic', dir: `/synthetic/${options.id}`, objects, views, floorArea: Number((roomX * roomY).toFixed(3)) };
}
