/**
 * The `procedural` SceneSource: generates scenes on demand (cached on disk,
 * see generate.ts) and reads them back with the scannet-format reader, exactly
 * as a real ScanNet scan is read.
 */
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Scene, SceneSource, SourceContext } from '../../core/index.ts';
import {
  extractDir,
  LABEL_MAP_NAME,
  loadLabelMap,
  loadCachedScene,
  READER_VERSION,
  readerOptions,
  type ReaderOptions,
} from '../../lib/scannet-format/index.ts';
import { GENERATOR_VERSION, generateScene, sceneIdOf, sceneIndexOf, type GeneratedScene, type GeneratorOptions } from './generate.ts';

export interface ProceduralOptions extends GeneratorOptions {
  /** Seed of the scene set; default: the run's seed. */
  seed?: number;
  /** Index of the first scene (`scene9000_00` is 0): a set of other ids, e.g. pretraining rooms beside a dataset's. */
  first?: number;
  /** Output root; default `<cacheDir>/procedural/<hash of the options and seed>`. */
  dir?: string;
  firstSeenVisibility: number;
  floorCell: number;
  /** What consumers do with a bad scene: stop (default) or skip it. */
  onBadScene?: 'stop' | 'skip';
}

export const PROCEDURAL_DEFAULTS: ProceduralOptions = {
  scenes: 20,
  frames: 24,
  width: 324,
  height: 242,
  depthWidth: 160,
  depthHeight: 120,
  frameStep: 45,
  fps: 30,
  sensEvery: 4,
  unalignedEvery: 5,
  video: true,
  meshSpacing: 0.08,
  jpegQuality: 90,
  samplesPerObject: 1000,
  depthTolerance: 0.1,
  firstSeenVisibility: 0.4,
  floorCell: 0.05,
};

const generatorOptions = (o: ProceduralOptions): GeneratorOptions => ({
  scenes: o.scenes,
  frames: o.frames,
  width: o.width,
  height: o.height,
  depthWidth: o.depthWidth,
  depthHeight: o.depthHeight,
  frameStep: o.frameStep,
  fps: o.fps,
  sensEvery: o.sensEvery,
  unalignedEvery: o.unalignedEvery,
  video: o.video,
  meshSpacing: o.meshSpacing,
  jpegQuality: o.jpegQuality,
  samplesPerObject: o.samplesPerObject,
  depthTolerance: o.depthTolerance,
});

/** Where a scene set lives: the explicit `dir`, or a folder named by a hash of everything that shapes its bytes. */
export function proceduralRoot(options: ProceduralOptions, seed: number, cacheDir: string): string {
  if (options.dir) return resolve(options.dir);
  const hash = createHash('sha256').update(JSON.stringify({ generator: GENERATOR_VERSION, seed, ...generatorOptions(options), scenes: undefined })).digest('hex');
  return join(resolve(cacheDir), 'procedural', hash.slice(0, 16));
}

/** The reader settings for procedural scenes: every frame on disk. */
const proceduralReader = (o: ProceduralOptions): ReaderOptions => readerOptions({ ...o, frameStride: 1, frames: 'auto' });

export function createProceduralSource(options: ProceduralOptions, id = 'procedural'): SceneSource & {
  root(ctx: Pick<SourceContext, 'seed' | 'cacheDir'>): string;
  generate(sceneId: string, ctx: Pick<SourceContext, 'seed' | 'cacheDir' | 'log'>): Promise<GeneratedScene>;
} {
  const seedOf = (ctx: Pick<SourceContext, 'seed'>) => options.seed ?? ctx.seed;
  const first = options.first ?? 0;
  const source = {
    id,
    onBadScene: options.onBadScene ?? 'stop',
    // its scenes are read back by the ScanNet reader: a new reader is a new dataset too
    version: `${GENERATOR_VERSION}, reader ${READER_VERSION}`,
    root: (ctx: Pick<SourceContext, 'seed' | 'cacheDir'>) => proceduralRoot(options, seedOf(ctx), ctx.cacheDir),
    async list() {
      return Array.from({ length: options.scenes }, (_, i) => sceneIdOf(first + i));
    },
    async generate(sceneId: string, ctx: Pick<SourceContext, 'seed' | 'cacheDir' | 'log'>) {
      const index = sceneIndexOf(sceneId);
      if (index === undefined || index < first || index >= first + options.scenes)
        throw new Error(`procedural: no scene "${sceneId}" (this set has ${sceneIdOf(first)} to ${sceneIdOf(first + options.scenes - 1)})`);
      return generateScene(source.root(ctx), index, seedOf(ctx), generatorOptions(options), ctx.log);
    },
    async load(sceneId: string, ctx: SourceContext): Promise<Scene> {
      const generated = await source.generate(sceneId, ctx);
      const root = source.root(ctx);
      return loadCachedScene(
        {
          source: id,
          id: sceneId,
          dir: generated.dir,
          labelMap: loadLabelMap(join(root, LABEL_MAP_NAME)),
          extractDir: extractDir(ctx.cacheDir, id, sceneId),
          ...(generated.video ? { video: { path: generated.video, fps: options.fps / options.frameStep } } : {}),
        },
        proceduralReader(options),
        ctx,
      );
    },
  };
  return source;
}
