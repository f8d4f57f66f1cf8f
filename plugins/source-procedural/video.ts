/**
 * An mp4 of the capture: raw RGB frames piped to one ffmpeg process
 * (H.264 when the ffmpeg has libx264, else MPEG-4 part 2), with bit-exact
 * flags so the same frames give the same bytes.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { findFfmpeg, type FfmpegLocation } from '../../lib/media/index.ts';

const encoders = new Map<string, string>();

function encoderFor(ffmpeg: FfmpegLocation): string {
  let encoder = encoders.get(ffmpeg.path);
  if (!encoder) {
    const list = spawnSync(ffmpeg.path, ['-hide_banner', '-encoders'], { encoding: 'utf8' }).stdout ?? '';
    encoder = /\blibx264\b/.test(list) ? 'libx264' : 'mpeg4';
    encoders.set(ffmpeg.path, encoder);
  }
  return encoder;
}

export class VideoWriter {
  private readonly stderr: Buffer[] = [];
  private readonly exited: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    readonly path: string,
    readonly ffmpeg: FfmpegLocation,
    readonly encoder: string,
  ) {
    child.stderr!.on('data', (chunk: Buffer) => this.stderr.push(chunk));
    this.exited = new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    this.exited.catch(() => undefined);
  }

  /** `rate`: frames per second, a number or a fraction such as "30/45". */
  static start(path: string, width: number, height: number, rate: string): VideoWriter {
    const ffmpeg = findFfmpeg();
    const encoder = encoderFor(ffmpeg);
    const codec = encoder === 'libx264' ? ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-threads', '1'] : ['-c:v', 'mpeg4', '-q:v', '4', '-threads', '1'];
    const args = [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', rate, '-i', '-',
      '-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2',
      ...codec,
      '-pix_fmt', 'yuv420p', '-map_metadata', '-1', '-fflags', '+bitexact', '-flags:v', '+bitexact', '-movflags', '+faststart',
      '-f', 'mp4', path,
    ];
    return new VideoWriter(spawn(ffmpeg.path, args, { stdio: ['pipe', 'ignore', 'pipe'] }), path, ffmpeg, encoder);
  }

  async frame(rgb: Uint8Array): Promise<void> {
    const stdin = this.child.stdin!;
    if (!stdin.write(rgb)) await Promise.race([new Promise<void>((resolve) => stdin.once('drain', resolve)), this.exited.then(() => undefined)]);
  }

  async finish(): Promise<void> {
    this.child.stdin!.end();
    const code = await this.exited;
    if (code !== 0) throw new Error(`ffmpeg (${this.ffmpeg.path}) exited with ${code} writing ${this.path}: ${Buffer.concat(this.stderr).toString().trim().slice(-500)}`);
  }

  /** Stop ffmpeg and wait until it has exited (so nothing writes the output afterwards). */
  async abort(): Promise<void> {
    this.child.kill();
    await this.exited.catch(() => undefined);
  }
}
