/**
 * Tiny hand-made scenes for tests with hand-computed expectations: objects
 * are axis-aligned unless given a yaw; each view lists what it shows by hand
 * (visibility, camera-frame centroid, 2D box).
 */
import { createLadder, createRandom, type Candidate, type Modality, type Scene, type SceneObject, type Vec3, type View } from '../../core/index.ts';
import { makeCandidate } from '../../lib/tasks/index.ts';

export interface TinyObject {
  id: number;
  category: string;
  center: Vec3;
  size?: Vec3;
  yaw?: number;
}

export interface TinyView {
  frame: number;
  time?: number;
  /** objectId -> visibility, or the full entry. */
  shows: Record<number, number | { visibility: number; camera?: Vec3; box?: [number, number, number, number] } | undefined>;
}

const IDENTITY = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];

export function tinyScene(spec: { id?: string; objects: TinyObject[]; views: TinyView[]; floorArea?: number; firstSeen?: Scene['video'] }): Scene {
  const objects: SceneObject[] = spec.objects.map((o) => ({
    id: o.id,
    category: o.category,
    rawCategory: o.category,
    centroid: o.center,
    box: { center: o.center, size: o.size ?? [0.5, 0.5, 0.5], yaw: o.yaw ?? 0 },
    pointCount: 100,
  }));
  const views: View[] = spec.views.map((v) => ({
    frame: v.frame,
    time: v.time ?? v.frame,
    image: `color/${v.frame}.jpg`,
    intrinsics: { fx: 1000, fy: 1000, cx: 648, cy: 484, width: 1296, height: 968 },
    cameraToWorld: IDENTITY,
    objects: Object.entries(v.shows).flatMap(([id, entry]) => {
      if (entry === undefined) return [];
      const e = typeof entry === 'number' ? { visibility: entry } : entry;
      return [{ objectId: Number(id), visibility: e.visibility, centroidCamera: e.camera ?? ([0, 0, 2] as Vec3), box2d: e.box ?? ([10, 10, 100, 100] as [number, number, number, number]) }];
    }),
  }));
  return { id: spec.id ?? 'tiny', source: 'tiny', dir: '/tiny', objects, views, floorArea: spec.floorArea ?? 20, ...(spec.firstSeen ? { video: spec.firstSeen } : {}) };
}

export const ALL_TASKS = ['localization', 'object-counting', 'absolute-distance', 'object-size', 'room-size', 'relative-distance', 'relative-direction', 'appearance-order'];
export const ALL_FILTERS = ['visibility', 'unique-category', 'noisy-category', 'human-scale', 'distance-ratio', 'direction-margin', 'appearance-gap', 'caps'];

/** A ladder with the named task and filter plugins (short names, with options). */
export async function taskLadder(plugins: (string | [string, unknown])[]) {
  return createLadder({ plugins: plugins as never }, { defaults: [] });
}

/** Every candidate a task generates for a scene in a modality. */
export async function generate(
  task: string,
  scene: Scene,
  modality: Modality,
  options: Record<string, unknown> = {},
  pluginOptions?: Record<string, unknown>,
): Promise<Candidate[]> {
  const ladder = await taskLadder([pluginOptions ? [`task-${task}`, pluginOptions] : `task-${task}`]);
  return [...ladder.get('tasks', task).generate(scene, modality, { seed: 1, random: createRandom(1, `${task}/${modality}`), options })];
}

/** A bare candidate referring to objects of `scene`, for filter tests. */
export function candidate(scene: Scene, task: string, modality: Modality, objectIds: number[], frames: number[], n = 0): Candidate {
  const refs = objectIds.map((id) => scene.objects.find((o) => o.id === id)!);
  return makeCandidate(scene, task, modality, n, { frames, refs, question: 'q', answer: '1', answerKind: 'number', facts: {} });
}

/** Run a ladder's filters over candidates; returns the ids kept. */
export async function kept(plugins: (string | [string, unknown])[], scene: Scene, candidates: Candidate[], seed = 1): Promise<string[]> {
  const ladder = await taskLadder(plugins);
  return (await ladder.hooks.filters.promise(candidates, { scene, seed })).map((c) => c.id);
}
