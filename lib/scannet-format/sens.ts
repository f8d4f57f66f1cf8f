/**
 * ScanNet `.sens` files (docs/method.md#scannet-files), read as a stream: the header, then
 * per frame a camera-to-world pose, timestamps, a JPEG colour image and a
 * zlib-compressed uint16 depth image. Frames not asked for are skipped with
 * a seek, so a multi-gigabyte file is never held in memory.
 */
import { kMaxLength } from 'node:buffer';
import { open, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { deflateSync, inflate } from 'node:zlib';
import { SceneError } from './errors.ts';

const inflateAsync = promisify(inflate);

export const SENS_VERSION = 4;
/** Colour compression codes: 2 = JPEG. Depth: 0 = raw uint16, 1 = zlib of uint16. */
export const COLOUR_JPEG = 2;
export const DEPTH_RAW = 0;
export const DEPTH_ZLIB = 1;

export interface SensHeader {
  version: number;
  sensorName: string;
  colourIntrinsics: number[];
  colourExtrinsics: number[];
  depthIntrinsics: number[];
  depthExtrinsics: number[];
  colourCompression: number;
  depthCompression: number;
  colourWidth: number;
  colourHeight: number;
  depthWidth: number;
  depthHeight: number;
  /** Depth units per metre (ScanNet writes 1000: millimetres); the reader divides .sens depth by it. */
  depthShift: number;
  frameCount: number;
}

export interface SensFrame {
  index: number;
  /** Camera-to-world, row-major; may be -inf (invalid). */
  pose: number[];
  colourTimestamp: number;
  depthTimestamp: number;
  /** JPEG bytes. */
  colour: Buffer;
  /** Compressed depth bytes (see `decodeSensDepth`). */
  depth: Buffer;
}

const FRAME_HEADER = 16 * 4 + 8 * 4;

export class SensFile {
  private constructor(
    readonly path: string,
    readonly scene: string,
    readonly header: SensHeader,
    private readonly handle: FileHandle,
    private readonly framesAt: number,
    readonly size: number,
  ) {}

  static async open(path: string, scene: string): Promise<SensFile> {
    const handle = await open(path, 'r');
    try {
      const size = (await handle.stat()).size;
      const fail = (problem: string): never => {
        throw new SceneError(scene, path, problem);
      };
      const read = async (position: number, length: number) => {
        if (position + length > size) fail(`truncated: the header needs ${position + length} bytes, the file has ${size}`);
        const buffer = Buffer.alloc(length);
        await handle.read(buffer, 0, length, position);
        return buffer;
      };
      const start = await read(0, 12);
      const version = start.readUInt32LE(0);
      if (version !== SENS_VERSION) fail(`unsupported .sens version ${version} (expected ${SENS_VERSION})`);
      const nameLength = Number(start.readBigUInt64LE(4));
      if (nameLength > 4096) fail(`implausible sensor name length ${nameLength}: not a .sens file?`);
      const rest = await read(12, nameLength + 4 * 64 + 4 * 2 + 4 * 4 + 4 + 8);
      let o = nameLength;
      const matrix = () => {
        const m = Array.from({ length: 16 }, (_, i) => rest.readFloatLE(o + 4 * i));
        o += 64;
        return m;
      };
      const header: SensHeader = {
        version,
        sensorName: rest.toString('utf8', 0, nameLength),
        colourIntrinsics: matrix(),
        colourExtrinsics: matrix(),
        depthIntrinsics: matrix(),
        depthExtrinsics: matrix(),
        colourCompression: rest.readInt32LE(o),
        depthCompression: rest.readInt32LE(o + 4),
        colourWidth: rest.readUInt32LE(o + 8),
        colourHeight: rest.readUInt32LE(o + 12),
        depthWidth: rest.readUInt32LE(o + 16),
        depthHeight: rest.readUInt32LE(o + 20),
        depthShift: rest.readFloatLE(o + 24),
        frameCount: Number(rest.readBigUInt64LE(o + 28)),
      };
      // Every frame has at least its fixed header: a count that cannot fit is an error before anything is sized by it.
      const framesAt = 12 + rest.length;
      const claimed = rest.readBigUInt64LE(o + 28);
      if (claimed * BigInt(FRAME_HEADER) > BigInt(size - framesAt))
        fail(`the header claims ${claimed} frames, which need at least ${claimed * BigInt(FRAME_HEADER)} bytes after the header, and the file has ${size - framesAt} (truncated, or a bad header)`);
      if (!(header.depthShift > 0 && Number.isFinite(header.depthShift))) fail(`depth shift ${header.depthShift} is not a positive number of depth units per metre`);
      if (header.colourCompression !== COLOUR_JPEG) fail(`colour compression ${header.colourCompression} is not JPEG (2)`);
      if (header.depthCompression !== DEPTH_ZLIB && header.depthCompression !== DEPTH_RAW)
        fail(`depth compression ${header.depthCompression} is not supported (0 raw or 1 zlib)`);
      return new SensFile(path, scene, header, handle, framesAt, size);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /**
   * Frames in order; only those `wanted` are read (the rest are skipped by
   * seeking). Throws a SceneError when the file ends before a frame does.
   */
  async *frames(wanted: (index: number) => boolean): AsyncGenerator<SensFrame> {
    const head = Buffer.alloc(FRAME_HEADER);
    let position = this.framesAt;
    const { frameCount } = this.header;
    for (let index = 0; index < frameCount; index++) {
      if (position + FRAME_HEADER > this.size) this.truncated(index, position + FRAME_HEADER);
      await this.handle.read(head, 0, FRAME_HEADER, position);
      const colourSize = Number(head.readBigUInt64LE(80));
      const depthSize = Number(head.readBigUInt64LE(88));
      const end = position + FRAME_HEADER + colourSize + depthSize;
      if (end > this.size) this.truncated(index, end);
      if (wanted(index)) {
        const data = Buffer.alloc(colourSize + depthSize);
        await this.handle.read(data, 0, data.length, position + FRAME_HEADER);
        yield {
          index,
          pose: Array.from({ length: 16 }, (_, i) => head.readFloatLE(4 * i)),
          colourTimestamp: Number(head.readBigUInt64LE(64)),
          depthTimestamp: Number(head.readBigUInt64LE(72)),
          colour: data.subarray(0, colourSize),
          depth: data.subarray(colourSize),
        };
      }
      position = end;
    }
  }

  /** Colour timestamps (microseconds by ScanNet's convention) of every frame, reading only frame headers. */
  async timestamps(): Promise<number[]> {
    const head = Buffer.alloc(FRAME_HEADER);
    const out: number[] = [];
    let position = this.framesAt;
    for (let index = 0; index < this.header.frameCount; index++) {
      if (position + FRAME_HEADER > this.size) this.truncated(index, position + FRAME_HEADER);
      await this.handle.read(head, 0, FRAME_HEADER, position);
      out.push(Number(head.readBigUInt64LE(64)));
      position += FRAME_HEADER + Number(head.readBigUInt64LE(80)) + Number(head.readBigUInt64LE(88));
    }
    if (position > this.size) this.truncated(this.header.frameCount - 1, position);
    return out;
  }

  private truncated(index: number, need: number): never {
    throw new SceneError(
      this.scene,
      this.path,
      `truncated: frame ${index} of ${this.header.frameCount} needs ${need} bytes, the file has ${this.size}`,
    );
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** Depth values (raw units, row-major) of one frame. */
export async function decodeSensDepth(file: SensFile, bytes: Buffer, frame: number): Promise<Uint16Array> {
  const { depthWidth: w, depthHeight: h, depthCompression } = file.header;
  const expected = w * h * 2;
  if (!(expected > 0 && expected <= kMaxLength)) throw new SceneError(file.scene, file.path, `frame ${frame}: the header's depth size ${w}x${h} is not a usable image size`);
  let raw: Buffer;
  try {
    // Inflate no further than one depth image: a corrupt stream cannot balloon.
    raw = depthCompression === DEPTH_ZLIB ? await inflateAsync(bytes, { maxOutputLength: expected }) : bytes;
  } catch (error) {
    throw new SceneError(file.scene, file.path, `frame ${frame}: depth does not inflate (${(error as Error).message})`, { cause: error });
  }
  if (raw.length !== expected) throw new SceneError(file.scene, file.path, `frame ${frame}: depth has ${raw.length} bytes, expected ${w}x${h}x2`);
  const out = new Uint16Array(w * h);
  for (let i = 0; i < out.length; i++) out[i] = raw.readUInt16LE(2 * i);
  return out;
}

/** Writes a `.sens` file frame by frame (colour JPEG, depth zlib). */
export class SensWriter {
  private written = 0;
  private position = 0;
  private constructor(
    private readonly handle: FileHandle,
    readonly header: SensHeader,
  ) {}

  static async create(path: string, header: Omit<SensHeader, 'version' | 'colourCompression' | 'depthCompression'>): Promise<SensWriter> {
    const full: SensHeader = { ...header, version: SENS_VERSION, colourCompression: COLOUR_JPEG, depthCompression: DEPTH_ZLIB };
    const writer = new SensWriter(await open(path, 'w'), full);
    const name = Buffer.from(full.sensorName, 'utf8');
    const buffer = Buffer.alloc(12 + name.length + 4 * 64 + 8 + 16 + 4 + 8);
    buffer.writeUInt32LE(full.version, 0);
    buffer.writeBigUInt64LE(BigInt(name.length), 4);
    name.copy(buffer, 12);
    let o = 12 + name.length;
    for (const m of [full.colourIntrinsics, full.colourExtrinsics, full.depthIntrinsics, full.depthExtrinsics])
      for (let i = 0; i < 16; i++, o += 4) buffer.writeFloatLE(m[i]!, o);
    buffer.writeInt32LE(full.colourCompression, o);
    buffer.writeInt32LE(full.depthCompression, o + 4);
    buffer.writeUInt32LE(full.colourWidth, o + 8);
    buffer.writeUInt32LE(full.colourHeight, o + 12);
    buffer.writeUInt32LE(full.depthWidth, o + 16);
    buffer.writeUInt32LE(full.depthHeight, o + 20);
    buffer.writeFloatLE(full.depthShift, o + 24);
    buffer.writeBigUInt64LE(BigInt(full.frameCount), o + 28);
    await writer.append(buffer);
    return writer;
  }

  async writeFrame(pose: readonly number[], timestamp: number, colourJpeg: Uint8Array, depth: Uint16Array): Promise<void> {
    if (this.written >= this.header.frameCount) throw new Error(`.sens writer: the header promised ${this.header.frameCount} frames`);
    const raw = Buffer.alloc(depth.length * 2);
    for (let i = 0; i < depth.length; i++) raw.writeUInt16LE(depth[i]!, 2 * i);
    const compressed = deflateSync(raw, { level: 6 });
    const head = Buffer.alloc(FRAME_HEADER);
    for (let i = 0; i < 16; i++) head.writeFloatLE(pose[i]!, 4 * i);
    head.writeBigUInt64LE(BigInt(timestamp), 64);
    head.writeBigUInt64LE(BigInt(timestamp), 72);
    head.writeBigUInt64LE(BigInt(colourJpeg.length), 80);
    head.writeBigUInt64LE(BigInt(compressed.length), 88);
    await this.append(head);
    await this.append(colourJpeg);
    await this.append(compressed);
    this.written++;
  }

  /** Writes the (empty) IMU section and closes the file. */
  async close(): Promise<void> {
    if (this.written !== this.header.frameCount) throw new Error(`.sens writer: ${this.written} of ${this.header.frameCount} frames written`);
    await this.append(Buffer.alloc(8));
    await this.handle.close();
  }

  private async append(data: Uint8Array): Promise<void> {
    await this.handle.write(data, 0, data.length, this.position);
    this.position += data.length;
  }
}
