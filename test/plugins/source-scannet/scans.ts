/** Small generated scans for the reader's tests: one procedural room in ScanNet's layout, ready to be broken. */
import { join } from 'node:path';
import type { SourceContext } from '../../../core/index.ts';
import { generateScene, sceneIdOf, type GeneratorOptions } from '../../../plugins/source-procedural/index.ts';
import { decodeSensDepth, DEFAULT_READER_OPTIONS, SensFile, SensWriter, type SensHeader } from '../../../lib/scannet-format/index.ts';
import { createScanNetSource, type ScanNetOptions } from '../../../plugins/source-scannet/index.ts';

/** 12 frames (numbers 0..110, so string order differs from numeric order), 96x72 colour, 48x36 depth. */
export const TINY: GeneratorOptions = {
  scenes: 1,
  frames: 12,
  width: 96,
  height: 72,
  depthWidth: 48,
  depthHeight: 36,
  frameStep: 10,
  fps: 30,
  sensEvery: 0,
  unalignedEvery: 0,
  video: false,
  meshSpacing: 0.08,
  jpegQuality: 85,
  samplesPerObject: 300,
  depthTolerance: 0.1,
};

export interface TinyScan {
  root: string;
  id: string;
  dir: string;
}

/** Generate one scan under `<base>/scannet` (as a .sens when `sens`, with no axisAlignment when `unaligned`). */
export async function tinyScan(base: string, variant: { sens?: boolean; unaligned?: boolean } = {}): Promise<TinyScan> {
  const root = join(base, 'scannet');
  const options = { ...TINY, sensEvery: variant.sens ? 1 : 0, unalignedEvery: variant.unaligned ? 1 : 0 };
  const { id, dir } = await generateScene(root, 0, 11, options);
  return { root, id, dir };
}

export const scanNet = (root: string, options: Partial<ScanNetOptions> = {}) =>
  createScanNetSource({ ...DEFAULT_READER_OPTIONS, samplesPerObject: TINY.samplesPerObject, scans: 'scans', root, ...options });

export function context(cacheDir: string, logs: string[] = []): SourceContext {
  return { seed: 1, cacheDir, log: (m) => logs.push(m), progress: () => ({ tick: () => undefined, done: () => undefined }) };
}

/** Rewrite a .sens frame by frame, replacing colour bytes, poses, depth values or header fields. */
export async function rewriteSens(
  file: string,
  edit: { colour?: (index: number, bytes: Buffer) => Buffer; pose?: (index: number) => number[]; depth?: (values: Uint16Array) => Uint16Array; header?: Partial<SensHeader> },
): Promise<void> {
  const sens = await SensFile.open(file, 'rewrite');
  const frames: { pose: number[]; time: number; colour: Buffer; depth: Uint16Array }[] = [];
  for await (const f of sens.frames(() => true)) {
    const depth = await decodeSensDepth(sens, f.depth, f.index);
    frames.push({ pose: edit.pose?.(f.index) ?? f.pose, time: f.colourTimestamp, colour: edit.colour?.(f.index, Buffer.from(f.colour)) ?? Buffer.from(f.colour), depth: edit.depth?.(depth) ?? depth });
  }
  await sens.close();
  const { version: _v, colourCompression: _c, depthCompression: _d, ...header } = { ...sens.header, ...edit.header };
  const writer = await SensWriter.create(file, header);
  for (const f of frames) await writer.writeFrame(f.pose, f.time, f.colour, f.depth);
  await writer.close();
}

export { sceneIdOf };
