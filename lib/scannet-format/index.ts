/**
 * scannet-format: the ScanNet v2 file formats and the reader that turns one
 * scan into the unified metadata (a Scene: objects, views, visibility, first
 * appearances, floor area). A library, not a plugin: the `source-scannet` and
 * `source-procedural` plugins are built on it, and community sources can be
 * too (`spatial-ladder/scannet-format`). Format notes: README.md.
 */
import { z } from '../../core/index.ts';
import type { ReaderOptions } from './scene-reader.ts';

export { SceneError } from './errors.ts';
export { colourSize, exportedFrameFiles, exportedFrames, frameNumbers, selectFrames, sensFrames, readDepthPng, type DepthImage, type ExportedFrame, type FrameData } from './frames.ts';
export { loadLabelMap, parseLabelMap, BUNDLED_LABEL_MAP, LABEL_MAP_NAME, type LabelMap } from './label-map.ts';
export { extractDir, loadCachedScene, readMetadata, writeMetadata, metadataPath, METADATA_FORMAT, METADATA_VERSION, type MetadataFile } from './metadata.ts';
export { buildObjects, checkSegmentsFile, parseJson, readSegGroups, readSegIndices, type SegGroup } from './objects.ts';
export { encodePly, parsePly, type PlyMesh } from './ply.ts';
export { planScene, readScene, READER_VERSION, DEFAULT_READER_OPTIONS, type ReaderOptions, type SceneInput, type ScenePlan } from './scene-reader.ts';
export { SensFile, SensWriter, decodeSensDepth, SENS_VERSION, COLOUR_JPEG, DEPTH_RAW, DEPTH_ZLIB, type SensFrame, type SensHeader } from './sens.ts';
export { formatMatrix, parseMatrix, parseNumbers, parseSceneInfo, type SceneInfo } from './text-files.ts';

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


/** The reader's part of the options (what keys the metadata cache). */
export const readerOptions = (o: ReaderOptions): ReaderOptions => ({
  frameStride: o.frameStride,
  ...(o.maxFrames !== undefined ? { maxFrames: o.maxFrames } : {}),
  frames: o.frames,
  fps: o.fps,
  samplesPerObject: o.samplesPerObject,
  depthTolerance: o.depthTolerance,
  firstSeenVisibility: o.firstSeenVisibility,
  floorCell: o.floorCell,
});
