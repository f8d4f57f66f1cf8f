/**
 * The `scannet` SceneSource: scans under `<root>/<scans>/<sceneId>/`, listed
 * from the `scenes` option, a split file, or the folder itself.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError, type SceneSource, type SourceContext } from '../../core/index.ts';
import {
  BUNDLED_LABEL_MAP,
  LABEL_MAP_NAME,
  extractDir,
  loadLabelMap,
  loadCachedScene,
  READER_VERSION,
  readerOptions,
  type LabelMap,
  type ReaderOptions,
} from '../../lib/scannet-format/index.ts';

export interface ScanNetOptions extends ReaderOptions {
  /** The ScanNet folder holding `scans/` (required to use the source). */
  root?: string;
  /** Sub-folder of root holding the scene folders ("scans": train/val; "scans_test" has no annotations, so no questions). */
  scans: string;
  /** Scene ids to use, in this order. */
  scenes?: string[];
  /** A split file (one scene id per line, e.g. scannetv2_train.txt), relative to root or the working directory. */
  split?: string;
  /** Label map; default `<root>/scannetv2-labels.combined.tsv`, else the copy bundled with this plugin. */
  labelMap?: string;
  /** What consumers do with a bad scene: stop (default) or skip it. */
  onBadScene?: 'stop' | 'skip';
}

/** Label map a root uses: the explicit path, else the root's own copy, else the bundled one. */
export function resolveLabelMap(root: string, explicit?: string): LabelMap {
  if (explicit) return loadLabelMap(resolve(explicit));
  const own = join(root, LABEL_MAP_NAME);
  return loadLabelMap(existsSync(own) ? own : BUNDLED_LABEL_MAP);
}

/** Scene ids from an explicit list, a split file, or the scene folders under `dir`. */
export async function sceneIds(dir: string, root: string, opts: { scenes?: string[]; split?: string }): Promise<string[]> {
  if (opts.scenes) return opts.scenes;
  if (opts.split) {
    const candidates = isAbsolute(opts.split) ? [opts.split] : [join(root, opts.split), resolve(opts.split)];
    const file = candidates.find((path) => existsSync(path));
    if (!file) throw new ConfigError(`source-scannet: split file ${opts.split} not found (looked at ${candidates.join(', ')})`);
    return (await readFile(file, 'utf8'))
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter(Boolean);
  }
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

export function createScanNetSource(options: ScanNetOptions, id = 'scannet'): SceneSource {
  const where = () => {
    if (!options.root) throw new ConfigError("source-scannet: option root is not set: add ['source-scannet', { root: '/path/to/scannet' }] to plugins");
    const root = resolve(options.root);
    const scans = join(root, options.scans);
    if (!existsSync(scans)) throw new ConfigError(`source-scannet: ${scans} does not exist (options root = ${options.root}, scans = ${options.scans})`);
    return { root, scans };
  };
  let labels: LabelMap | undefined;
  return {
    id,
    onBadScene: options.onBadScene ?? 'stop',
    version: `reader ${READER_VERSION}`,
    async list() {
      const { root, scans } = where();
      return sceneIds(scans, root, options);
    },
    async load(sceneId: string, ctx: SourceContext) {
      const { root, scans } = where();
      if (!labels) {
        labels = resolveLabelMap(root, options.labelMap);
        ctx.log(`${id}: label map ${labels.path}`);
      }
      return loadCachedScene(
        { source: id, id: sceneId, dir: join(scans, sceneId), labelMap: labels, extractDir: extractDir(ctx.cacheDir, id, sceneId) },
        readerOptions(options),
        ctx,
      );
    },
  };
}
