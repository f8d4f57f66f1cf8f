/**
 * Loading every scene of a source with its bad-scene policy
 * (`SceneSource.onBadScene`, set by the source plugin's `onBadScene` option):
 * 'stop' (default) rethrows the first scene error, 'skip' reports it and goes
 * on. Configuration errors always stop. Meant for every consumer of scenes
 * (`ladder data scenes`, the dataset builder).
 */
import { ConfigError, z, type Ladder, type Scene, type SceneSource, type SourceContext } from '../../core/index.ts';

/** The part of `data` this plugin reads (the dataset builder owns the rest). */
export const dataOptions = z.looseObject({
  /** Scene source id (registry `sources`). */
  source: z.string().min(1).default('procedural'),
});

export type DataOptions = z.output<typeof dataOptions>;

export interface SkippedScene {
  id: string;
  error: string;
}

export interface LoadOptions {
  /** Overrides the source's own policy. */
  onBadScene?: 'stop' | 'skip';
  /** Called before each scene is loaded (e.g. to drop its cached metadata). */
  before?: (id: string) => void | Promise<void>;
  onSkip?: (skipped: SkippedScene) => void;
}

/** Scenes in list order, one at a time; bad scenes stop or are skipped per `onBadScene`. */
export async function* loadScenes(source: SceneSource, ids: string[], ctx: SourceContext, options: LoadOptions): AsyncGenerator<Scene> {
  for (const id of ids) {
    await options.before?.(id);
    let scene: Scene;
    try {
      scene = await source.load(id, ctx);
    } catch (error) {
      if ((options.onBadScene ?? source.onBadScene ?? 'stop') === 'stop' || error instanceof ConfigError) throw error;
      const skipped = { id, error: (error as Error).message };
      ctx.log(`skipped scene ${id}: ${skipped.error}`);
      options.onSkip?.(skipped);
      continue;
    }
    yield scene;
  }
}

/** The SourceContext a ladder gives sources: its seed, cache, progress and log. */
export const sourceContext = (ladder: Ladder): SourceContext => ({
  seed: ladder.config.seed,
  cacheDir: ladder.config.cacheDir,
  progress: ladder.progress.bind(ladder),
  log: (message) => ladder.log(message),
});
