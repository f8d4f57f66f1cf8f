/**
 * Video frames for models that see N evenly spaced frames (VSI-Bench: 32).
 * One ffmpeg process per video: a stream-copy pass counts the frames (no
 * decoding), then a `select` filter decodes only up to the last wanted frame
 * and pipes raw RGB to Node, where sharp encodes the JPEGs. Sampled frames
 * are cached on disk, keyed by the video's real path, size, modification
 * time and the frame count, and written to a temporary directory renamed into
 * place, so a crash never leaves half a cache entry.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { findFfmpeg } from './ffmpeg.ts';
import { createLimiter } from './limiter.ts';

export interface VideoInfo {
  width: number;
  height: number;
  /** Number of video frames (packets of the first video stream). */
  frames: number;
}

export interface FrameSampling {
  /** Frames to return (default 32). */
  count?: number;
  /** Where sampled frames are cached. */
  cacheDir: string;
  /** JPEG quality (default 90). */
  quality?: number;
}

/** At most two ffmpeg processes at a time (each decodes with its own threads). */
const ffmpegSlots = createLimiter(2);
const inFlight = new Map<string, Promise<string[]>>();

function runFfmpeg(args: string[]): Promise<{ stdout: Buffer; stderr: string }> {
  const { path } = findFfmpeg();
  return ffmpegSlots(
    () =>
      new Promise((resolve, reject) => {
        const child = spawn(path, ['-hide_banner', '-nostdin', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        const chunks: Buffer[] = [];
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
        child.stderr.on('data', (chunk: Buffer) => {
          stderr = (stderr + chunk.toString('utf8')).slice(-65_536);
        });
        child.on('error', reject);
        child.on('close', (code) => {
          if (code === 0) resolve({ stdout: Buffer.concat(chunks), stderr });
          else reject(new Error(`ffmpeg exited with code ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
        });
      }),
  );
}

/** Size and frame count of a video's first video stream (a stream copy: nothing is decoded). */
export async function probeVideo(video: string): Promise<VideoInfo> {
  if (!existsSync(video)) throw new Error(`video not found: ${video}`);
  const { stderr } = await runFfmpeg(['-i', video, '-map', '0:v:0', '-c', 'copy', '-f', 'null', '-']).catch((error: Error) => {
    throw new Error(`${video}: cannot read the video (${error.message})`);
  });
  const size = /Stream #\d+:\d+.*?: Video: .*?(\d{2,5})x(\d{2,5})/.exec(stderr);
  const frames = [...stderr.matchAll(/frame=\s*(\d+)/g)].at(-1);
  if (!size || !frames) throw new Error(`${video}: no video stream found`);
  const info = { width: Number(size[1]), height: Number(size[2]), frames: Number(frames[1]) };
  if (!info.frames) throw new Error(`${video}: the video has no frames`);
  return info;
}

/**
 * `numpy.linspace(0, total - 1, count, dtype=int)`: evenly spaced frame
 * indices, truncated; they repeat when the video has fewer frames than asked.
 */
export function evenlySpacedIndices(total: number, count: number): number[] {
  if (!(total >= 1 && count >= 1)) throw new Error(`evenlySpacedIndices: need total >= 1 and count >= 1 (got ${total}, ${count})`);
  if (count === 1) return [0];
  const step = (total - 1) / (count - 1);
  return Array.from({ length: count }, (_, i) => (i === count - 1 ? total - 1 : Math.trunc(i * step)));
}

/** Raw RGB (width x height x 3 bytes) of the frames at `indices` (ascending, distinct). */
export async function decodeFrames(video: string, indices: readonly number[], info: VideoInfo): Promise<Buffer[]> {
  const select = indices.map((i) => `eq(n\\,${i})`).join('+');
  const { stdout } = await runFfmpeg([
    '-noautorotate',
    '-i', video,
    '-map', '0:v:0',
    '-vf', `select=${select}`,
    '-vsync', '0',
    '-frames:v', String(indices.length),
    '-f', 'rawvideo',
    '-pix_fmt', 'rgb24',
    'pipe:1',
  ]).catch((error: Error) => {
    throw new Error(`${video}: decoding failed (${error.message})`);
  });
  const frameBytes = info.width * info.height * 3;
  if (stdout.length !== frameBytes * indices.length)
    throw new Error(`${video}: decoded ${stdout.length / frameBytes} of ${indices.length} frames (the file may be truncated)`);
  return indices.map((_, i) => stdout.subarray(i * frameBytes, (i + 1) * frameBytes));
}

/** JPEG paths of `count` evenly spaced frames of `video`, sampled once and cached. */
export function sampleFrames(video: string, opts: FrameSampling): Promise<string[]> {
  if (!existsSync(video)) return Promise.reject(new Error(`video not found: ${video}`));
  const count = opts.count ?? 32;
  const quality = opts.quality ?? 90;
  const real = realpathSync(video);
  const { size, mtimeMs } = statSync(real);
  const key = createHash('sha1').update(JSON.stringify([real, size, mtimeMs, count, quality])).digest('hex').slice(0, 20);
  const dir = join(opts.cacheDir, key);
  const cached = inFlight.get(dir);
  if (cached) return cached;
  const work = (async () => {
    const manifest = join(dir, 'frames.json');
    if (existsSync(manifest)) {
      const files = (JSON.parse(readFileSync(manifest, 'utf8')) as { files: string[] }).files.map((f) => join(dir, f));
      if (files.every((f) => existsSync(f))) return files;
    }
    const info = await probeVideo(real);
    const indices = evenlySpacedIndices(info.frames, count);
    const distinct = [...new Set(indices)];
    const frames = await decodeFrames(real, distinct, info);
    const temp = `${dir}.tmp-${process.pid}-${Date.now()}`;
    await mkdir(temp, { recursive: true });
    const name = (index: number) => `frame-${index}.jpg`;
    await Promise.all(
      frames.map((raw, i) =>
        sharp(raw, { raw: { width: info.width, height: info.height, channels: 3 } }).jpeg({ quality }).toFile(join(temp, name(distinct[i]!))),
      ),
    );
    const files = indices.map(name);
    await writeFile(join(temp, 'frames.json'), `${JSON.stringify({ video: real, size, mtimeMs, count, ...info, indices, files }, null, 2)}\n`);
    await rm(dir, { recursive: true, force: true });
    await rename(temp, dir);
    return files.map((f) => join(dir, f));
  })().finally(() => inFlight.delete(dir));
  inFlight.set(dir, work);
  return work;
}
