/**
 * source-procedural: the embedded default data. A seeded generator of indoor
 * rooms furnished with real ScanNet categories, rendered by a software
 * rasterizer and written to disk in ScanNet v2's layout (mesh, annotations,
 * frames or .sens, calibration, axis alignment) plus an mp4 of the capture;
 * read back by source-scannet's reader with no special case.
 *
 *   plugins: [['source-procedural', { scenes: 40, frames: 32 }]]
 *   data: { source: 'procedural' }
 */
import { definePlugin, z } from '../../core/index.ts';
import { readerOptionsSchema } from '../../lib/scannet-format/index.ts';
import { PROCEDURAL_DEFAULTS, createProceduralSource } from './source.ts';

const PLUGIN_NAME = 'source-procedural';
const d = PROCEDURAL_DEFAULTS;

export const proceduralOptions = z
  .strictObject({
    scenes: z.number().int().positive().max(999).default(d.scenes),
    /** Index of the first scene: ids scene<9000 + first>_00 onwards (the set is the same rooms whatever `first`, index by index). */
    first: z.number().int().min(0).max(998).optional(),
    frames: z.number().int().positive().default(d.frames),
    width: z.number().int().min(16).default(d.width),
    height: z.number().int().min(16).default(d.height),
    depthWidth: z.number().int().min(8).default(d.depthWidth),
    depthHeight: z.number().int().min(8).default(d.depthHeight),
    frameStep: z.number().int().positive().default(d.frameStep),
    fps: z.number().positive().default(d.fps),
    sensEvery: z.number().int().nonnegative().default(d.sensEvery),
    unalignedEvery: z.number().int().nonnegative().default(d.unalignedEvery),
    video: z.boolean().default(d.video),
    meshSpacing: z.number().min(0.02).max(0.1).default(d.meshSpacing),
    jpegQuality: z.number().int().min(1).max(100).default(d.jpegQuality),
    seed: z.number().int().nonnegative().optional(),
    dir: z.string().min(1).optional(),
    ...readerOptionsSchema,
  })
  .refine((o) => (o.first ?? 0) + o.scenes <= 999, { message: 'first + scenes must not exceed 999 (ids end at scene9998_00)', path: ['scenes'] });

export default definePlugin({
  name: PLUGIN_NAME,
  options: proceduralOptions,
  apply(ladder, options) {
    ladder.hooks.sources.for('procedural').tap(PLUGIN_NAME, () => createProceduralSource(options));
  },
});

export { createProceduralSource, proceduralRoot, PROCEDURAL_DEFAULTS, type ProceduralOptions } from './source.ts';
export { generateScene, sceneIdOf, sceneIndexOf, scenePaths, SCANNET_COLOUR, SCANNET_DEPTH, type GeneratorOptions, type SceneTruth } from './generate.ts';
export { makeTestScenes, type TestScenes } from './fixtures.ts';
