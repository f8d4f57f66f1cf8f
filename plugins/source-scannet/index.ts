/**
 * source-scannet: reads ScanNet v2 (`scans/<scene>/`: mesh, annotations,
 * exported frames or the .sens stream) into the unified metadata every task
 * generator reads (docs/method.md#scannet-files, #scene-facts), cached per scene.
 *
 *   plugins: [['source-scannet', { root: '/data/scannet', split: 'scannetv2_train.txt' }]]
 *   data: { source: 'scannet' }
 *
 * The reader, the metadata cache and the file formats are the library
 * lib/scannet-format (`spatial-ladder/scannet-format`).
 */
import { definePlugin, z } from '../../core/index.ts';
import { readerOptionsSchema } from '../../lib/scannet-format/index.ts';
import { createScanNetSource } from './source.ts';

const PLUGIN_NAME = 'source-scannet';

export const scanNetOptions = z.strictObject({
  root: z.string().min(1).optional(),
  scans: z.string().min(1).default('scans'),
  scenes: z.array(z.string().min(1)).min(1).optional(),
  split: z.string().min(1).optional(),
  labelMap: z.string().min(1).optional(),
  frameStride: z.number().int().positive().default(10),
  maxFrames: z.number().int().positive().optional(),
  frames: z.enum(['auto', 'exported', 'sens']).default('auto'),
  fps: z.number().positive().default(30),
  ...readerOptionsSchema,
});

export default definePlugin({
  name: PLUGIN_NAME,
  options: scanNetOptions,
  apply(ladder, options) {
    ladder.hooks.sources.for('scannet').tap(PLUGIN_NAME, () => createScanNetSource(options));
  },
});

export { createScanNetSource, resolveLabelMap, sceneIds, type ScanNetOptions } from './source.ts';
