/**
 * A small procedural scene set for tests (task generators, filters,
 * benchmarks): generated into `dir`, read back through source-scannet's
 * reader, returned as Scenes with the generator's ground truth beside them.
 *
 *   const { scenes } = await makeTestScenes(tempDir(t));            // 3 rooms, 8 frames each
 *   const big = await makeTestScenes(tempDir(t), { scenes: 6, frames: 16, video: true });
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Scene, SourceContext } from '../../core/index.ts';
import { scenePaths, type SceneTruth } from './generate.ts';
import { PROCEDURAL_DEFAULTS, createProceduralSource, type ProceduralOptions } from './source.ts';

export interface TestScenes {
  /** The generated ScanNet-layout root (`<dir>/procedural`): `scans/`, `videos/`, `truth/`. */
  root: string;
  /** Metadata cache used to read them (`<dir>/cache`). */
  cacheDir: string;
  scenes: Scene[];
  /** The generator's ground truth of a scene. */
  truth(sceneId: string): SceneTruth;
  /** The SourceContext the scenes were loaded with (reuse it to load again). */
  ctx: SourceContext;
  options: ProceduralOptions;
}

/** Small and quick: 3 rooms, 8 frames each at 128x96 (depth 64x48), the third one as a .sens, no video. */
export const TEST_SCENE_OPTIONS: Partial<ProceduralOptions> = {
  scenes: 3,
  frames: 8,
  width: 128,
  height: 96,
  depthWidth: 64,
  depthHeight: 48,
  sensEvery: 3,
  unalignedEvery: 0,
  video: false,
  samplesPerObject: 400,
};

export async function makeTestScenes(dir: string, overrides: Partial<ProceduralOptions> = {}, seed = 7): Promise<TestScenes> {
  const options: ProceduralOptions = { ...PROCEDURAL_DEFAULTS, ...TEST_SCENE_OPTIONS, ...overrides, dir: overrides.dir ?? join(dir, 'procedural') };
  const source = createProceduralSource(options);
  const ctx: SourceContext = {
    seed,
    cacheDir: join(dir, 'cache'),
    log: () => undefined,
    progress: () => ({ tick: () => undefined, done: () => undefined }),
  };
  const scenes: Scene[] = [];
  for (const id of await source.list(ctx)) scenes.push(await source.load(id, ctx));
  const root = options.dir!;
  return {
    root,
    cacheDir: ctx.cacheDir,
    scenes,
    truth: (id) => JSON.parse(readFileSync(scenePaths(root, id).truth, 'utf8')) as SceneTruth,
    ctx,
    options,
  };
}
