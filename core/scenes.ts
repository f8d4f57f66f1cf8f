/**
 * Scenes, read the same way by every command (`ladder data scenes`, `ladder
 * data build`, `ladder run`, a worker thread of a build, a plugin's own
 * command): one factory for the dataset request and one for the SourceContext
 * a source is given, and one loader that applies the bad-scene policy.
 *
 *   const request = datasetRequest(ladder);          // seed, cacheDir, config.data, progress, log
 *   const ctx = sourceContext(request);              // seeded by data.seed, else the config's seed
 *   for await (const scene of loadScenes(source, ids, ctx, { onSkip })) ...
 *
 * A bad scene (a load that throws, a scene with no objects or no views) stops
 * the caller, or is skipped and reported, per `SceneSource.onBadScene` (the
 * source plugin's `onBadScene` option) or the caller's override. A
 * configuration error always stops.
 */
import { resolve } from 'node:path';
import { ConfigError, LadderError, messageOf } from './errors.ts';
import type { Ladder } from './ladder.ts';
import type { DatasetRequest, Scene, SceneSource, SourceContext } from './types.ts';

/** The scene source a dataset reads when `data.source` is not set. */
export const DEFAULT_SOURCE = 'procedural';

/** What a dataset builder is asked for: the ladder's seed, cache, `data` settings, progress and log. */
export function datasetRequest(ladder: Ladder): DatasetRequest {
  return {
    seed: ladder.config.seed,
    cacheDir: ladder.config.cacheDir,
    config: ladder.config.data,
    progress: ladder.progress.bind(ladder),
    log: (message) => ladder.log(message),
  };
}

/** The dataset's seed: `data.seed` when set (so training seeds can vary over one dataset), else the config's. */
export function datasetSeed(request: Pick<DatasetRequest, 'seed' | 'config'>): number {
  const seed = request.config.seed;
  if (seed === undefined) return request.seed;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0) throw new ConfigError(`data.seed: expected a non-negative integer, got ${JSON.stringify(seed)}`);
  return seed;
}

/** The SourceContext every consumer gives a scene source for a dataset request. */
export function sourceContext(request: DatasetRequest): SourceContext {
  return { seed: datasetSeed(request), cacheDir: resolve(request.cacheDir), progress: request.progress, log: request.log };
}

export interface SkippedScene {
  id: string;
  /** Why it was skipped (the error's message). */
  error: string;
}

export interface LoadOptions {
  /** Overrides the source's own policy (`SceneSource.onBadScene`, default 'stop'). */
  onBadScene?: 'stop' | 'skip';
  /** Called before each scene is loaded (e.g. to drop its cached metadata). */
  before?: (id: string) => void | Promise<void>;
  onSkip?: (skipped: SkippedScene) => void;
}

/** Why a loaded scene cannot be used, or undefined. */
function sceneProblem(scene: Scene): string | undefined {
  if (!scene.objects.length) return 'no objects';
  if (!scene.views.length) return 'no views';
  return undefined;
}

/**
 * One scene through the bad-scene policy: the scene, or undefined when it
 * was bad and the policy says skip (it is logged and passed to `onSkip`).
 */
export async function loadScene(source: SceneSource, id: string, ctx: SourceContext, options: LoadOptions = {}): Promise<Scene | undefined> {
  await options.before?.(id);
  let scene: Scene;
  try {
    scene = await source.load(id, ctx);
    const problem = sceneProblem(scene);
    if (problem) throw new LadderError(`scene ${id} (source "${source.id}"): ${problem}`);
  } catch (error) {
    if ((options.onBadScene ?? source.onBadScene ?? 'stop') === 'stop' || error instanceof ConfigError) throw error;
    const skipped = { id, error: messageOf(error) };
    ctx.log(`skipped scene ${id}: ${skipped.error}`);
    options.onSkip?.(skipped);
    return undefined;
  }
  if (scene.id !== id) throw new LadderError(`scene source "${source.id}" returned scene "${scene.id}" when asked for "${id}"`);
  return scene;
}

/** Scenes in list order, one at a time; bad scenes stop or are skipped (see `loadScene`). */
export async function* loadScenes(source: SceneSource, ids: string[], ctx: SourceContext, options: LoadOptions = {}): AsyncGenerator<Scene> {
  for (const id of ids) {
    const scene = await loadScene(source, id, ctx, options);
    if (scene) yield scene;
  }
}
