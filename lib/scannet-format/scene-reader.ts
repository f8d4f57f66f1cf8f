/**
 * Reading one ScanNet v2 scan directory into the unified metadata (a Scene,
 * docs/method.md#scene-facts). Two steps: `planScene` finds the files and frames (cheap:
 * directory listings and stats, which also key the metadata cache), and
 * `readScene` does the work, streaming frames so memory stays bounded by one
 * scene's mesh plus a few frames in flight.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import type { Intrinsics, Mat4, Scene, SceneVideo, View, ViewObject, Vec3 } from '../../core/index.ts';
import {
  IDENTITY,
  floorArea,
  intrinsicsFromMatrix,
  invertRigid,
  isFiniteMatrix,
  measureVisibility,
  multiply,
  roundTo,
  scaleIntrinsics,
  sphereInView,
  transformPoint,
  transformPoints,
} from '../geometry/index.ts';
import { SceneError } from './errors.ts';
import { exportedFrameFiles, exportedFrames, missing, ordered, selectFrames, sensFrames, type ExportedFrame, type FrameData } from './frames.ts';
import type { LabelMap } from './label-map.ts';
import { buildObjects, checkSegmentsFile, parseJson, readSegGroups, readSegIndices } from './objects.ts';
import { parsePly } from './ply.ts';
import { SensFile } from './sens.ts';
import { parseMatrix, parseSceneInfo, type SceneInfo } from './text-files.ts';

/**
 * Bump when the metadata a reader writes changes meaning; old cache entries are then rebuilt.
 * 2: label map cells trimmed (`wardrobe ` is `wardrobe`); .sens depth in its header's depth shift, not always 1000.
 * 3: the floor area also counts the mesh triangles' footprints. Sources put it in their `version`, so datasets rebuild.
 */
export const READER_VERSION = 3;

export interface ReaderOptions {
  /** Keep every n-th frame on disk. */
  frameStride: number;
  /** Then keep at most this many, spread evenly. */
  maxFrames?: number;
  /** 'exported' (color/ depth/ pose/), 'sens', or 'auto': exported when pose/ and color/ exist, else the .sens. */
  frames: 'auto' | 'exported' | 'sens';
  /** Capture frame rate: view time = frame number / fps. */
  fps: number;
  /** Vertices per object (spread evenly) whose visibility is tested. */
  samplesPerObject: number;
  /** Metres a sample may lie behind the depth surface and still count as visible. */
  depthTolerance: number;
  /** Visibility at which an object counts as seen for `video.firstSeen`. */
  firstSeenVisibility: number;
  /** Grid cell (metres) of the floor-area occupancy grid. */
  floorCell: number;
}

export const DEFAULT_READER_OPTIONS: ReaderOptions = {
  frameStride: 1,
  frames: 'auto',
  fps: 30,
  samplesPerObject: 1000,
  depthTolerance: 0.1,
  firstSeenVisibility: 0.4,
  floorCell: 0.05,
};

export interface SceneInput {
  /** SceneSource id written into the Scene. */
  source: string;
  id: string;
  /** The scan directory (absolute). */
  dir: string;
  labelMap: LabelMap;
  /** Where colour frames taken from a .sens are written. */
  extractDir: string;
  /** A video of the capture, when the source has one. */
  video?: { path: string; fps: number };
}

export interface ScenePlan {
  input: SceneInput;
  options: ReaderOptions;
  files: { txt: string; ply: string; aggregation: string; segs: string; sens: string };
  mode: 'exported' | 'sens';
  /** Selected frame numbers, in order. */
  frames: number[];
  /** The selected frames' files, as named on disk (exported mode; empty for a .sens). */
  exported: ExportedFrame[];
  hasDepth: boolean;
  /** Cache key: hash of the reader version, options, label map and every input file's size and mtime. */
  key: string;
}

const round = roundTo;

export async function planScene(input: SceneInput, options: ReaderOptions): Promise<ScenePlan> {
  const { id, dir } = input;
  if (!existsSync(dir)) throw new SceneError(id, dir, 'missing scene directory');
  const files = {
    txt: join(dir, `${id}.txt`),
    ply: join(dir, `${id}_vh_clean_2.ply`),
    aggregation: join(dir, `${id}.aggregation.json`),
    segs: join(dir, `${id}_vh_clean_2.0.010000.segs.json`),
    sens: join(dir, `${id}.sens`),
  };
  // ScanNet's test scans (scans_test/) ship neither annotation file: say so rather than "missing file".
  if (!existsSync(files.aggregation) && !existsSync(files.segs))
    throw new SceneError(id, dir, `no object annotations (${basename(files.aggregation)}, ${basename(files.segs)}): a ScanNet test scan? Questions need the annotated scans of scans/`);
  // Exported frames need pose/ and color/ (depth/ and intrinsic/ are optional): 'auto' takes them only when both are there.
  const lacking = ['pose', 'color'].filter((sub) => !existsSync(join(dir, sub)));
  const mode = options.frames === 'auto' ? (lacking.length ? 'sens' : 'exported') : options.frames;
  const inputs = [files.txt, files.ply, files.aggregation, files.segs];
  let frames: number[];
  let exportedFiles: ExportedFrame[] = [];
  let hasDepth = true;
  if (mode === 'exported') {
    if (lacking.length) throw new SceneError(id, join(dir, lacking[0]!), 'missing folder of exported frames');
    hasDepth = existsSync(join(dir, 'depth'));
    exportedFiles = selectFrames(await exportedFrameFiles(dir, hasDepth), options.frameStride, options.maxFrames);
    frames = exportedFiles.map((f) => f.frame);
    for (const name of ['intrinsic_color.txt', 'intrinsic_depth.txt']) {
      const path = join(dir, 'intrinsic', name);
      if (existsSync(path)) inputs.push(path);
    }
    for (const f of exportedFiles) inputs.push(f.pose, f.colour, ...(f.depth ? [f.depth] : []));
  } else {
    if (!existsSync(files.sens))
      throw new SceneError(id, files.sens, options.frames === 'sens' ? 'missing file' : `missing file (and no exported frames: no ${lacking.join('/ or ')}/ folder)`);
    const sens = await SensFile.open(files.sens, id);
    frames = selectFrames(Array.from({ length: sens.header.frameCount }, (_, i) => i), options.frameStride, options.maxFrames);
    await sens.close();
    inputs.push(files.sens);
  }
  const stats = inputs.map((path) => {
    try {
      const s = statSync(path);
      return [path.slice(dir.length), s.size, s.mtimeMs];
    } catch (error) {
      return missing(id, path)(error as NodeJS.ErrnoException);
    }
  });
  const key = createHash('sha256')
    .update(JSON.stringify({ reader: READER_VERSION, options, labels: input.labelMap.hash, video: input.video ?? null, mode, stats }))
    .digest('hex');
  return { input, options, files, mode, frames, exported: exportedFiles, hasDepth, key };
}

/** Read the scan a plan describes into a Scene. `log` receives notes as they are taken. */
export async function readScene(plan: ScenePlan, log: (message: string) => void = () => undefined): Promise<Scene> {
  const { input, options, files } = plan;
  const { id, dir } = input;
  const notes: string[] = [];
  const note = (message: string) => {
    notes.push(message);
    log(`${id}: ${message}`);
  };
  const read = (path: string) => readFile(path).catch(missing(id, path));

  const info = parseSceneInfo((await read(files.txt)).toString('utf8'), id, files.txt);
  const alignment: Mat4 = info.axisAlignment ?? IDENTITY;
  if (!info.axisAlignment) note(`no axisAlignment in ${id}.txt: the identity is used`);

  const mesh = parsePly(await read(files.ply), id, files.ply);
  const positions = transformPoints(alignment, mesh.positions) as Float32Array;
  const segIndices = readSegIndices(parseJson((await read(files.segs)).toString('utf8'), id, files.segs), mesh.vertexCount, id, files.segs);
  const aggregation = parseJson((await read(files.aggregation)).toString('utf8'), id, files.aggregation);
  checkSegmentsFile(aggregation, files.segs, id, files.aggregation);
  const groups = readSegGroups(aggregation, id, files.aggregation);
  const built = buildObjects(positions, segIndices, groups, input.labelMap, options.samplesPerObject);
  built.notes.forEach(note);
  if (!built.objects.length)
    throw new SceneError(id, files.aggregation, groups.length ? `no objects: none of the ${groups.length} segGroups has mesh vertices` : 'no objects: segGroups is empty');
  const area = round(floorArea(positions, { cell: options.floorCell, triangles: mesh.triangles }), 4);

  const sens = plan.mode === 'sens' ? await SensFile.open(files.sens, id) : undefined;
  try {
    const { colour, depth } = await cameras(plan, info, sens, note);
    const timeOf = await clock(plan, sens, note);
    if (!plan.hasDepth) note('no depth frames (no depth/ folder): visibility uses the frustum test only, without occlusion');
    const jobs = sens ? sensFrames(sens, plan.frames, input.extractDir) : exportedFrames(id, plan.exported);
    const views: View[] = [];
    let invalid = 0;
    let depthK: Intrinsics | undefined;
    const framesFile = sens ? files.sens : join(dir, 'pose');
    if (!plan.frames.length) throw new SceneError(id, framesFile, 'no frames');
    for await (const frame of ordered(jobs, 4)) {
      if (!isFiniteMatrix(frame.pose)) {
        invalid++;
        continue;
      }
      const size = frame.imageSize;
      if (size && (size.width !== colour.width || size.height !== colour.height))
        throw new SceneError(id, sens ? files.sens : frame.image, `${sens ? `frame ${frame.frame}: ` : ''}colour image is ${size.width}x${size.height}, the scene's colour camera ${colour.width}x${colour.height}`);
      if (frame.depth && (!depthK || depthK.width !== frame.depth.width || depthK.height !== frame.depth.height))
        depthK = depth.width === frame.depth.width && depth.height === frame.depth.height ? depth : scaleIntrinsics(depth, frame.depth.width, frame.depth.height);
      views.push(measureView(frame, timeOf(frame.frame), alignment, colour, depthK, built.objects, options));
    }
    if (!views.length) throw new SceneError(id, framesFile, `no usable view: all ${plan.frames.length} selected frames have an invalid (-inf or NaN) camera pose`);
    if (invalid) note(`${invalid} of ${plan.frames.length} selected frames skipped: invalid (-inf) camera pose`);
    const video = videoOf(views, built.objects.map((o) => o.object.id), input, options);
    return {
      id,
      source: input.source,
      dir,
      objects: built.objects.map((o) => o.object),
      views,
      video,
      floorArea: area,
      ...(notes.length ? { notes } : {}),
    };
  } finally {
    await sens?.close();
  }
}

/** Colour and depth intrinsics: intrinsic/*.txt, else the .sens header, else `<scene>.txt`; sizes checked against the images. */
async function cameras(
  plan: ScenePlan,
  info: SceneInfo,
  sens: SensFile | undefined,
  note: (message: string) => void,
): Promise<{ colour: Intrinsics; depth: Intrinsics }> {
  const { id, dir } = plan.input;
  const size = (kind: 'color' | 'depth') => {
    const width = info.number(`${kind}Width`) ?? (kind === 'color' ? sens?.header.colourWidth : sens?.header.depthWidth);
    const height = info.number(`${kind}Height`) ?? (kind === 'color' ? sens?.header.colourHeight : sens?.header.depthHeight);
    if (!width || !height) throw new SceneError(id, plan.files.txt, `no ${kind}Width/${kind}Height (and no .sens header to take them from)`);
    return [width, height] as const;
  };
  const matrix = async (kind: 'color' | 'depth'): Promise<number[]> => {
    const file = join(dir, 'intrinsic', `intrinsic_${kind}.txt`);
    if (plan.mode === 'exported' && existsSync(file)) return parseMatrix(await readFile(file, 'utf8'), id, file);
    if (sens) return kind === 'color' ? sens.header.colourIntrinsics : sens.header.depthIntrinsics;
    const [fx, fy, cx, cy] = ['fx', 'fy', 'mx', 'my'].map((k) => info.number(`${k}_${kind}`));
    if (fx === undefined || fy === undefined || cx === undefined || cy === undefined)
      throw new SceneError(id, plan.files.txt, `no intrinsic/intrinsic_${kind}.txt and no fx_${kind}, fy_${kind}, mx_${kind}, my_${kind}`);
    return [fx, 0, cx, 0, 0, fy, cy, 0, 0, 0, 1, 0, 0, 0, 0, 1];
  };
  let colour = intrinsicsFromMatrix(await matrix('color'), ...size('color'));
  const depth = intrinsicsFromMatrix(await matrix('depth'), ...size('depth'));
  const path = plan.exported[0]?.colour;
  if (path) {
    const meta = await sharp(path)
      .metadata()
      .catch((error: Error) => {
        throw new SceneError(id, path, `cannot read colour image (${error.message})`, { cause: error });
      });
    if (meta.width !== colour.width || meta.height !== colour.height) {
      note(`colour images are ${meta.width}x${meta.height}, not the calibrated ${colour.width}x${colour.height}: intrinsics scaled`);
      colour = scaleIntrinsics(colour, meta.width!, meta.height!);
    }
  }
  return { colour, depth };
}

/**
 * View times: a .sens's colour timestamps (microseconds) from its first
 * frame when they increase, else frame number / fps (exported frames).
 */
async function clock(plan: ScenePlan, sens: SensFile | undefined, note: (message: string) => void): Promise<(frame: number) => number> {
  const byNumber = (frame: number) => frame / plan.options.fps;
  if (!sens) return byNumber;
  const stamps = await sens.timestamps();
  if (stamps.length > 1 && stamps.every((s, i) => i === 0 || s > stamps[i - 1]!)) return (frame) => (stamps[frame]! - stamps[0]!) / 1e6;
  note(`the colour timestamps in ${plan.input.id}.sens do not increase: view time = frame / ${plan.options.fps} fps`);
  return byNumber;
}

function measureView(
  frame: FrameData,
  time: number,
  alignment: Mat4,
  colour: Intrinsics,
  depthK: Intrinsics | undefined,
  objects: ReturnType<typeof buildObjects>['objects'],
  options: ReaderOptions,
): View {
  const cameraToWorld = multiply(alignment, frame.pose);
  const worldToCamera = invertRigid(cameraToWorld);
  const depthMap = frame.depth && depthK ? { ...frame.depth, intrinsics: depthK } : undefined;
  const seen: ViewObject[] = [];
  for (const { object, samples } of objects) {
    const { center, size } = object.box;
    if (!sphereInView(center, Math.hypot(...size) / 2, worldToCamera, colour)) continue;
    const m = measureVisibility(samples, worldToCamera, colour, depthMap, { tolerance: options.depthTolerance });
    if (!m.box2d) continue;
    seen.push({
      objectId: object.id,
      box2d: m.box2d.map((v) => round(v, 2)) as View['objects'][number]['box2d'],
      centroidCamera: transformPoint(worldToCamera, object.centroid).map((v) => round(v, 6)) as Vec3,
      visibility: round(m.visibility, 4),
    });
  }
  return {
    frame: frame.frame,
    time: round(time, 6),
    image: frame.image,
    intrinsics: colour,
    cameraToWorld: cameraToWorld.map((v) => round(v, 7)),
    objects: seen,
  };
}

/** firstSeen: the first view where an object's visibility reaches the threshold. */
function videoOf(views: View[], objectIds: number[], input: SceneInput, options: ReaderOptions): SceneVideo {
  const firstSeen: SceneVideo['firstSeen'] = {};
  const wanted = new Set(objectIds);
  for (const view of views)
    for (const seen of view.objects)
      if (wanted.has(seen.objectId) && seen.visibility >= options.firstSeenVisibility) {
        firstSeen[seen.objectId] = { frame: view.frame, time: view.time };
        wanted.delete(seen.objectId);
      }
  const first = views[0];
  const last = views.at(-1);
  const fps = input.video?.fps ?? (first && last && last.time > first.time ? round((views.length - 1) / (last.time - first.time), 6) : options.fps);
  return { ...(input.video ? { path: input.video.path } : {}), fps, firstSeen };
}
