/**
 * Where a scan's frames come from: exported files (`color/<n>.jpg`,
 * `depth/<n>.png`, `pose/<n>.txt`, sorted numerically; ScanNet numbers them
 * without padding, other tools pad them, and both are read as named on disk)
 * or the `.sens` stream. Either way frames arrive in order, one
 * at a time, with a bounded number decoding ahead.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../../core/index.ts';
import { evenSubset, isFiniteMatrix } from '../geometry/index.ts';
import { jpegSize } from '../media/index.ts';
import { SceneError } from './errors.ts';
import { decodeSensDepth, type SensFile } from './sens.ts';
import { parseMatrix } from './text-files.ts';

export interface DepthImage {
  width: number;
  height: number;
  data: Uint16Array;
  /** Raw units per metre: a .sens header's depth shift; 1000 (millimetres) for exported PNGs. */
  unitsPerMetre: number;
}

/**
 * Units per metre of exported depth PNGs. ScanNet's exporter writes them in
 * millimetres; an export carries no header to say otherwise.
 */
const EXPORTED_DEPTH_UNITS = 1000;

export interface FrameData {
  frame: number;
  /** Raw (unaligned) camera-to-world; may hold -inf. */
  pose: number[];
  /** Absolute colour image path. */
  image: string;
  /** The colour JPEG's size, checked from its header (frames with a valid pose only). */
  imageSize?: { width: number; height: number };
  depth?: DepthImage;
}

/** A colour frame's size from its JPEG header; an empty, cut-short or non-JPEG frame is a SceneError naming the file. */
export function colourSize(bytes: Uint8Array, scene: string, file: string, frame?: number): { width: number; height: number } {
  try {
    return jpegSize(bytes);
  } catch (error) {
    throw new SceneError(scene, file, `${frame === undefined ? '' : `frame ${frame}: `}bad colour image: ${(error as Error).message}`, { cause: error });
  }
}

/** The frames of `all` kept: every `stride`-th, then at most `max`, spread evenly. */
export function selectFrames<T>(all: T[], stride: number, max?: number): T[] {
  const strided = all.filter((_, i) => i % stride === 0);
  if (max === undefined) return strided;
  return evenSubset(strided.length, max).map((i) => strided[i]!);
}

/** Frame numbers of an exported scan, from `pose/<n>.txt` (padded or not), sorted numerically (never as strings). */
export function frameNumbers(names: string[]): number[] {
  return [...byNumber(names, 'txt').keys()].sort((a, b) => a - b);
}

/** The files of one exported frame (absolute paths, as named on disk). */
export interface ExportedFrame {
  frame: number;
  pose: string;
  colour: string;
  depth?: string;
}

/** `<n>.<ext>` file names by frame number; `100.txt` and `000100.txt` are both frame 100 (the first name in sorted order wins). */
function byNumber(names: string[], ext: string): Map<number, string> {
  const found = new Map<number, string>();
  for (const name of [...names].sort()) {
    const n = /^(\d+)\.(\w+)$/.exec(name);
    if (n?.[2] === ext && !found.has(Number(n[1]))) found.set(Number(n[1]), name);
  }
  return found;
}

/**
 * An exported scan's frames, numbered by `pose/` and sorted numerically, with
 * their colour (and depth) files paired by number rather than rebuilt from
 * it, so padded and unpadded exports both read. A frame lacking its colour or
 * depth file gets the pose's own stem there, so reading it names the missing file.
 */
export async function exportedFrameFiles(dir: string, withDepth: boolean): Promise<ExportedFrame[]> {
  const folder = async (sub: string, ext: string) => byNumber(existsSync(join(dir, sub)) ? await readdir(join(dir, sub)) : [], ext);
  const [poses, colours, depths] = await Promise.all([folder('pose', 'txt'), folder('color', 'jpg'), withDepth ? folder('depth', 'png') : undefined]);
  return [...poses]
    .sort(([a], [b]) => a - b)
    .map(([frame, pose]) => {
      const stem = pose.slice(0, -'.txt'.length);
      return {
        frame,
        pose: join(dir, 'pose', pose),
        colour: join(dir, 'color', colours.get(frame) ?? `${stem}.jpg`),
        ...(depths ? { depth: join(dir, 'depth', depths.get(frame) ?? `${stem}.png`) } : {}),
      };
    });
}

/** Decode a uint16 depth PNG (ScanNet's exports: millimetres, 0 = no reading). */
export async function readDepthPng(path: string, scene: string): Promise<DepthImage> {
  try {
    const { data, info } = await sharp(path).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data: new Uint16Array(data.buffer, data.byteOffset, data.length / 2), unitsPerMetre: EXPORTED_DEPTH_UNITS };
  } catch (error) {
    throw new SceneError(scene, path, `cannot decode depth image (${(error as Error).message})`, { cause: error });
  }
}

export async function* exportedFrames(scene: string, frames: ExportedFrame[]): AsyncGenerator<() => Promise<FrameData>> {
  for (const { frame, pose: posePath, colour: image, depth: depthPath } of frames) {
    yield async () => {
      // A pose is a few hundred bytes: one synchronous read costs less than four thread-pool trips.
      let text: string;
      try {
        text = readFileSync(posePath, 'utf8');
      } catch (error) {
        missing(scene, posePath)(error as NodeJS.ErrnoException);
      }
      const pose = parseMatrix(text!, scene, posePath);
      if (!isFiniteMatrix(pose)) return { frame, pose, image };
      const imageSize = colourSize(await readFile(image).catch(missing(scene, image)), scene, image);
      const depth = depthPath ? await readDepthPng(depthPath, scene) : undefined;
      return { frame, pose, image, imageSize, depth };
    };
  }
}

/**
 * Frames of a `.sens` file. Colour JPEG bytes are written once to
 * `extractDir/<n>.jpg` (views need an image path); depth is inflated.
 */
export async function* sensFrames(file: SensFile, frames: number[], extractDir: string): AsyncGenerator<() => Promise<FrameData>> {
  const wanted = new Set(frames);
  for await (const f of file.frames((i) => wanted.has(i))) {
    yield async () => {
      const image = join(extractDir, `${f.index}.jpg`);
      if (!isFiniteMatrix(f.pose)) return { frame: f.index, pose: f.pose, image };
      const imageSize = colourSize(f.colour, file.scene, file.path, f.index);
      if (!(existsSync(image) && (await stat(image)).size === f.colour.length)) await writeFileAtomic(image, f.colour);
      const { depthWidth: width, depthHeight: height, depthShift: unitsPerMetre } = file.header;
      const depth = { width, height, data: await decodeSensDepth(file, f.depth, f.index), unitsPerMetre };
      return { frame: f.index, pose: f.pose, image, imageSize, depth };
    };
  }
}

/**
 * Run the jobs an iterator yields with up to `window` in flight, yielding
 * results in order. A failed job fails the iteration when its turn comes.
 */
export async function* ordered<T>(jobs: AsyncIterable<() => Promise<T>>, window: number): AsyncGenerator<T> {
  const pending: Promise<T>[] = [];
  for await (const job of jobs) {
    const promise = job();
    promise.catch(() => undefined);
    pending.push(promise);
    if (pending.length >= window) yield await pending.shift()!;
  }
  while (pending.length) yield await pending.shift()!;
}

export const missing =
  (scene: string, path: string) =>
  (error: NodeJS.ErrnoException): never => {
    throw new SceneError(scene, path, error.code === 'ENOENT' ? 'missing file' : `cannot read (${error.message})`, { cause: error });
  };
