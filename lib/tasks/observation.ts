/**
 * What a question "sees" of a scene in each modality (docs/method.md#tasks-and-modalities):
 *
 *   single-image  one view; objects present in it
 *   multi-view    a set of N views (default 8) picked with the seeded
 *                 generator; objects present in any of them
 *   video         N evenly spaced frames of the capture (the frame list the
 *                 model sees); objects present anywhere in the capture, since
 *                 the video shows all of it
 *
 * An object is present in a view when the view lists it with visibility > 0.
 * Lookups are indexed once per scene object (WeakMap), so generators and
 * filters share them.
 */
import { createRandom, type Modality, type Scene, type SceneObject, type View, type ViewObject } from '../../core/index.ts';

export interface SceneIndex {
  scene: Scene;
  objects: Map<number, SceneObject>;
  /** Views in capture order (time, then frame). */
  views: View[];
  /** Their frames, in the same order: the whole capture. */
  frames: number[];
  byFrame: Map<number, View>;
  /** frame -> object id -> what the view shows of it (present objects only). */
  shown: Map<number, Map<number, ViewObject>>;
  /**
   * object id -> first time and frame it is seen: the source's video facts
   * (`video.firstSeen`, the reader's first clear sighting) when it gives them,
   * and then an object they leave out is never seen; else the first view
   * that shows the object at all. One definition per scene, never a mix.
   */
  firstSeen: Map<number, { frame: number; time: number }>;
  /** Memo of `categoryCounts` by frame list. */
  counts: Map<string, Map<string, number>>;
  /** Memo of `observations` by modality, settings and seed (every task of a scene asks over the same ones). */
  observed: Map<string, Observation[]>;
}

const indexes = new WeakMap<Scene, SceneIndex>();

export function sceneIndex(scene: Scene): SceneIndex {
  const cached = indexes.get(scene);
  if (cached) return cached;
  const views = [...scene.views].sort((a, b) => a.time - b.time || a.frame - b.frame);
  const shown = new Map<number, Map<number, ViewObject>>();
  for (const view of views) shown.set(view.frame, new Map(view.objects.filter((o) => o.visibility > 0).map((o) => [o.objectId, o])));
  const firstSeen = new Map<number, { frame: number; time: number }>();
  if (scene.video) for (const [id, seen] of Object.entries(scene.video.firstSeen)) firstSeen.set(Number(id), seen);
  else for (const view of views) for (const id of shown.get(view.frame)!.keys()) if (!firstSeen.has(id)) firstSeen.set(id, { frame: view.frame, time: view.time });
  const index: SceneIndex = {
    scene,
    objects: new Map(scene.objects.map((o) => [o.id, o])),
    views,
    frames: views.map((v) => v.frame),
    byFrame: new Map(views.map((v) => [v.frame, v])),
    shown,
    firstSeen,
    counts: new Map(),
    observed: new Map(),
  };
  indexes.set(scene, index);
  return index;
}

/** Highest visibility of an object over the given frames (0 when never present). */
export function bestVisibility(index: SceneIndex, objectId: number, frames: readonly number[]): number {
  let best = 0;
  for (const frame of frames) best = Math.max(best, index.shown.get(frame)?.get(objectId)?.visibility ?? 0);
  return best;
}

/** Ids of objects present in any of the frames, ascending. */
export function presentIn(index: SceneIndex, frames: readonly number[]): number[] {
  const ids = new Set<number>();
  for (const frame of frames) for (const id of index.shown.get(frame)?.keys() ?? []) ids.add(id);
  return [...ids].sort((a, b) => a - b);
}

/** Position in `frames` of the first frame that shows an object of `category` (-1: none does). */
export function firstShowing(index: SceneIndex, frames: readonly number[], category: string): number {
  return frames.findIndex((frame) => {
    for (const id of index.shown.get(frame)?.keys() ?? []) if (index.objects.get(id)?.category === category) return true;
    return false;
  });
}

/** category -> number of distinct objects of it present in any of the frames (memoised). */
export function categoryCounts(index: SceneIndex, frames: readonly number[]): Map<string, number> {
  const key = frames.join(',');
  let counts = index.counts.get(key);
  if (!counts) {
    counts = new Map();
    for (const id of presentIn(index, frames)) {
      const category = index.objects.get(id)?.category;
      if (category !== undefined) counts.set(category, (counts.get(category) ?? 0) + 1);
    }
    index.counts.set(key, counts);
  }
  return counts;
}

/** The modality settings every generator shares (dataset config `views`, `viewSets`, `frames`). */
export interface ModalitySettings {
  /** Views per multi-view question (the paper's 8). */
  views: number;
  /** Multi-view view sets drawn per scene. */
  viewSets: number;
  /** Frames per video question. */
  frames: number;
}

export const DEFAULT_MODALITY_SETTINGS: ModalitySettings = { views: 8, viewSets: 3, frames: 16 };

export function modalitySettings(options: Record<string, unknown> | undefined): ModalitySettings {
  const pick = (key: keyof ModalitySettings) => {
    const value = options?.[key];
    return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : DEFAULT_MODALITY_SETTINGS[key];
  };
  return { views: pick('views'), viewSets: pick('viewSets'), frames: pick('frames') };
}

/**
 * Multi-view view sets: `count` sets of `size` distinct views that show at
 * least one object, each drawn with the stream seeded by (seed, scene id),
 * sorted by frame. Every task draws the same sets, so questions share media.
 */
export function viewSets(index: SceneIndex, seed: number, count: number, size: number): number[][] {
  const usable = index.views.filter((v) => (index.shown.get(v.frame)?.size ?? 0) > 0).map((v) => v.frame);
  if (usable.length < size) return [];
  const random = createRandom(seed, `view-sets/${index.scene.id}`);
  const sets = new Map<string, number[]>();
  for (let i = 0; i < count * 4 && sets.size < count; i++) {
    const set = random.shuffle([...usable]).slice(0, size).sort((a, b) => a - b);
    sets.set(set.join(','), set);
  }
  return [...sets.values()];
}

/** `n` evenly spaced frames of the capture (all of them when it has fewer). */
export function videoFrames(index: SceneIndex, n: number): number[] {
  const all = index.frames;
  if (all.length <= n) return [...all];
  if (n === 1) return [all[0]!];
  return Array.from({ length: n }, (_, i) => all[Math.round((i * (all.length - 1)) / (n - 1))]!);
}

/** One thing a question can be asked about: the frames it shows and the objects it can name. */
export interface Observation {
  /** Frames the sample shows (its media), in order. */
  frames: number[];
  /** Objects present in the observation's scope, ascending id. */
  objects: SceneObject[];
  /** The view, for single-image observations. */
  view?: View;
}

/** Every observation of a scene in a modality (memoised: callers share the arrays and must not change them). */
export function observations(index: SceneIndex, modality: Modality, settings: ModalitySettings, seed: number): Observation[] {
  const key = `${modality}/${settings.views}/${settings.viewSets}/${settings.frames}/${seed}`;
  let found = index.observed.get(key);
  if (!found) index.observed.set(key, (found = observe(index, modality, settings, seed)));
  return found;
}

function observe(index: SceneIndex, modality: Modality, settings: ModalitySettings, seed: number): Observation[] {
  const objectsOf = (ids: number[]) => ids.map((id) => index.objects.get(id)).filter((o): o is SceneObject => !!o);
  if (modality === 'single-image')
    return index.views
      .map((view) => ({ frames: [view.frame], objects: objectsOf(presentIn(index, [view.frame])), view }))
      .filter((o) => o.objects.length > 0);
  if (modality === 'multi-view')
    return viewSets(index, seed, settings.viewSets, settings.views).map((frames) => ({ frames, objects: objectsOf(presentIn(index, frames)) }));
  if (!index.frames.length) return [];
  return [{ frames: videoFrames(index, settings.frames), objects: objectsOf(presentIn(index, index.frames)) }];
}

/** Frames whose objects define uniqueness and counts for a sample: the whole capture for video. */
export const scopeFrames = (index: SceneIndex, modality: Modality, frames: readonly number[]): readonly number[] =>
  modality === 'video' ? index.frames : frames;
