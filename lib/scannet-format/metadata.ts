/**
 * The unified metadata cache: one JSON file per scene at
 * `<cacheDir>/scenes/<source>/<sceneId>.json`, keyed by a hash of the reader
 * version, the source options and every input file's size and mtime, written
 * atomically (temp + rename) only after the whole scene was read. The file
 * format is documented in plugins/scenes/README.md ("Metadata files").
 *
 * A cached scene is used when its key matches and every view's image is on
 * disk (colour frames extracted from a .sens live in the cache too). A scene
 * is read under a lock (`<sceneId>.lock` beside its JSON): a second process
 * waits, then finds the metadata written; leftovers of a killed reader
 * (temporary files) are swept under the lock first.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { describeHolder, sweepLeftovers, withLock, writeJsonAtomic, type LockHolder, type Scene, type SourceContext } from '../../core/index.ts';
import { planScene, readScene, type ReaderOptions, type SceneInput } from './scene-reader.ts';

export const METADATA_FORMAT = 'spatial-ladder/scene-metadata';
export const METADATA_VERSION = 1;

export interface MetadataFile {
  format: typeof METADATA_FORMAT;
  version: typeof METADATA_VERSION;
  /** Cache key the scene was computed under. */
  key: string;
  scene: Scene;
}

export const metadataPath = (cacheDir: string, source: string, sceneId: string): string =>
  join(resolve(cacheDir), 'scenes', source, `${sceneId}.json`);

/** Where colour frames extracted from a scene's .sens go. */
export const extractDir = (cacheDir: string, source: string, sceneId: string): string =>
  join(resolve(cacheDir), 'scenes', source, sceneId, 'color');

/** The cached scene when the file exists, parses, and was written under `key` (undefined otherwise). */
export async function readMetadata(path: string, key?: string): Promise<Scene | undefined> {
  let parsed: Partial<MetadataFile>;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<MetadataFile>;
  } catch {
    return undefined;
  }
  if (parsed.format !== METADATA_FORMAT || parsed.version !== METADATA_VERSION || !parsed.scene) return undefined;
  if (key !== undefined && parsed.key !== key) return undefined;
  return parsed.scene;
}

export function writeMetadata(path: string, key: string, scene: Scene): Promise<void> {
  const file: MetadataFile = { format: METADATA_FORMAT, version: METADATA_VERSION, key, scene };
  return writeJsonAtomic(path, file);
}

/**
 * Load a scan through the cache: plan it (stats only), return the cached
 * scene when its key matches, else read the scan and write the metadata.
 */
export async function loadCachedScene(input: SceneInput, options: ReaderOptions, ctx: Pick<SourceContext, 'cacheDir' | 'log'>): Promise<Scene> {
  const plan = await planScene(input, options);
  const path = metadataPath(ctx.cacheDir, input.source, input.id);
  const usable = async () => {
    const scene = await readMetadata(path, plan.key);
    return scene?.views.every((view) => existsSync(resolve(scene.dir, view.image))) ? scene : undefined;
  };
  const cached = await usable();
  if (cached) return cached;
  const waiting = (holder: LockHolder | undefined) => ctx.log(`scene ${input.id}: waiting for ${describeHolder(holder)}, which is reading it`);
  return withLock(path.slice(0, -'.json'.length), { what: `scene ${input.id} (${input.source})`, wait: true, onWait: waiting }, async () => {
    const written = await usable();
    if (written) return written;
    await sweepLeftovers(dirname(path), (name) => name.startsWith(`${input.id}.json.tmp-`));
    await sweepLeftovers(input.extractDir, (name) => name.includes('.tmp-'));
    const scene = await readScene(plan, ctx.log);
    await writeMetadata(path, plan.key, scene);
    return scene;
  });
}
