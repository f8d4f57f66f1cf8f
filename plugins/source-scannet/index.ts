/**
 * source-scannet: reads ScanNet v2 (`scans/<scene>/`: mesh, annotations,
 * exported frames or the .sens stream) into the unified metadata every task
 * generator reads (SPEC sections 2-3), cached per scene.
 *
 *   plugins: [['source-scannet', { root: '/data/scannet', split: 'scannetv2_train.txt' }]]
 *   data: { source: 'scannet' }
 *
 * Also a library for other plugins: the reader (scene-reader.ts), the
 * metadata cache (metadata.ts) and the file formats (ply.ts, sens.ts,
 * text-files.ts, label-map.ts).
 */
import { definePlugin, z } from '../../core/index.ts';
import { createScanNetSource } from './source.ts';

const PLUGIN_NAME = 'source-scannet';

/** Options shared with every source built on the reader (source-procedural uses them too). */
export const readerOptionsSchema = {
  /** Visibility is tested on at most this many vertices per object, spread evenly. */
  samplesPerObject: z.number().int().positive().default(1000),
  /** Metres a sample may lie behind the depth map's surface and still count as visible. */
  depthTolerance: z.number().nonnegative().default(0.1),
  /** Visibility at which an object counts as seen in `video.firstSeen`. */
  firstSeenVisibility: z.number().min(0).max(1).default(0.4),
  /** Cell side (metres) of the floor-area occupancy grid. */
  floorCell: z.number().positive().default(0.05),
  /** A bad scene (missing, truncated or malformed file) stops the run, or is skipped and reported. */
  onBadScene: z.enum(['stop', 'skip']).default('stop'),
};

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
export { SceneError } from './errors.ts';
export { loadScene, readMetadata, writeMetadata, metadataPath, METADATA_FORMAT, METADATA_VERSION, type MetadataFile } from './metadata.ts';
export { planScene, readScene, READER_VERSION, DEFAULT_READER_OPTIONS, type ReaderOptions, type SceneInput } from './scene-reader.ts';
export { loadLabelMap, parseLabelMap, BUNDLED_LABEL_MAP, type LabelMap } from './label-map.ts';
