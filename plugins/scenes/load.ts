/**
 * Loading every scene of a source with the bad-scene policy of the config
 * (`data.onBadScene`): 'stop' (default) rethrows the first scene error,
 * 'skip' reports it and goes on. Configuration errors always stop. The
 * dataset builder and `ladder data scenes` share this.
 */
import { ConfigError, z, type Ladder, type Scene, type SceneSource, type SourceContext } from '../../core/index.ts';

export const dataOptions = z.looseObject({
  /** Scene source id (registry `sources`). */
  source: z.string().min(1).default('procedural'),
  /** What a bad scene (missing, truncated or malformed file) does: stop the run, or skip the scene. */
  onBadScene: z.enum(['stop', 'skip']).default('stop'),
});

export type DataOptions = z.output<typeof dataOptions>;

export interface SkippedScene {
  id: string;
  error: string;
}

export interface LoadOptions {
  onBadScene: 'stop' | 'skip';
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
      if (options.onBadScene === 'stop' || error instanceof ConfigError) throw error;
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
