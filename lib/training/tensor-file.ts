/**
 * Named float32 tensors on disk in the safetensors format, so Python's
 * `safetensors` (and anything built on it: transformers, PyTorch, JAX) reads
 * checkpoint weights and optimizer moments as they are:
 *
 *   8 bytes   N, the header length, unsigned little-endian
 *   N bytes   JSON: { "<name>": { "dtype": "F32", "shape": [...], "data_offsets": [begin, end] }, ...,
 *                     "__metadata__": { "<key>": "<string>" } }   padded with spaces to a multiple of 8
 *   the rest  the tensors' bytes, little-endian, row-major, back to back; offsets count from here
 *
 * Only F32 is written or read. `metadata` is a string -> string map (the
 * format allows nothing else there).
 *
 * Files written before safetensors (a uint32 header length, then a JSON
 * header `{ meta, tensors }`) are still read, for one release; that reader
 * goes away after it.
 */
import { readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { writeFileAtomic } from '../../core/index.ts';

export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface TensorFile {
  metadata: Record<string, string>;
  tensors: Map<string, Float32Array>;
  shapes: Map<string, number[]>;
}

const METADATA = '__metadata__';
/** The Python reader refuses headers above 100 MB; so do we, before allocating anything. */
const MAX_HEADER = 100_000_000;
const littleEndianHost = endianness() === 'LE';

/** The safetensors bytes of `tensors` (in the given order) and `metadata`. */
export function encodeSafetensors(tensors: NamedTensor[], metadata: Record<string, string> = {}): Buffer {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header[METADATA] = metadata;
  let offset = 0;
  for (const { name, shape, data } of tensors) {
    if (name === METADATA || name in header) throw new Error(`tensor name "${name}" is reserved or repeated`);
    if (shape.reduce((a, b) => a * b, 1) !== data.length) throw new Error(`tensor "${name}": shape [${shape}] does not hold ${data.length} values`);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  const json = Buffer.from(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = Buffer.alloc(8 + padded + offset, 0x20);
  out.writeBigUInt64LE(BigInt(padded), 0);
  json.copy(out, 8);
  let at = 8 + padded;
  for (const { data } of tensors) {
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    bytes.copy(out, at);
    if (!littleEndianHost) out.subarray(at, at + bytes.length).swap32();
    at += bytes.length;
  }
  return out;
}

export async function writeTensorFile(path: string, tensors: NamedTensor[], metadata: Record<string, string> = {}): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** Parse safetensors bytes; every inconsistency is an error naming `path`. */
export function decodeSafetensors(bytes: Buffer, path: string): TensorFile {
  const bad = (why: string) => new Error(`${path}: not a valid safetensors file (${why})`);
  if (bytes.length < 8) throw bad('shorter than its 8-byte header length');
  const length = bytes.readBigUInt64LE(0);
  if (length > BigInt(Math.min(MAX_HEADER, bytes.length - 8))) throw bad(`header length ${length} does not fit in the file of ${bytes.length} bytes`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(bytes.subarray(8, 8 + Number(length)).toString('utf8')) as Record<string, unknown>;
  } catch (error) {
    throw bad(`header is not JSON: ${(error as Error).message}`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw bad('header is not a JSON object');
  const start = 8 + Number(length);
  const body = bytes.length - start;
  const metadata: Record<string, string> = {};
  const entries: { name: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA) {
      for (const [key, text] of Object.entries((value ?? {}) as Record<string, unknown>)) {
        if (typeof text !== 'string') throw bad(`${METADATA}.${key} is not a string`);
        metadata[key] = text;
      }
      continue;
    }
    const { dtype, shape, data_offsets: offsets } = (value ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (dtype !== 'F32') throw bad(`tensor "${name}" has dtype ${JSON.stringify(dtype)}; only F32 is supported`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw bad(`tensor "${name}" has a malformed shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) throw bad(`tensor "${name}" has malformed data_offsets`);
    const [begin, end] = offsets as [number, number];
    const size = (shape as number[]).reduce((a, b) => a * b, 1) * 4;
    if (end < begin || end - begin !== size) throw bad(`tensor "${name}": data_offsets [${begin}, ${end}] do not hold shape [${shape}] of F32`);
    entries.push({ name, shape: shape as number[], begin, end });
  }
  // the data must be covered exactly: no gap, no overlap, nothing after the last tensor
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const e of entries) {
    if (e.begin !== expected) throw bad(`tensor "${e.name}" starts at byte ${e.begin}, expected ${expected} (a gap or an overlap)`);
    expected = e.end;
  }
  if (expected !== body) throw bad(`the tensors cover ${expected} data bytes but the file holds ${body}`);
  const tensors = new Map<string, Float32Array>();
  const shapes = new Map<string, number[]>();
  for (const { name, shape, begin, end } of entries) {
    // copy: a Buffer's memory may be pooled and unaligned
    const copy = Buffer.from(bytes.subarray(start + begin, start + end));
    if (!littleEndianHost) copy.swap32();
    tensors.set(name, new Float32Array(copy.buffer, copy.byteOffset, (end - begin) / 4));
    shapes.set(name, shape);
  }
  return { metadata, tensors, shapes };
}

/** Read a tensor file: safetensors, or (for one release) the format written before it. */
export async function readTensorFile(path: string): Promise<TensorFile> {
  const bytes = await readFile(path);
  return isLegacy(bytes) ? decodeLegacy(bytes, path) : decodeSafetensors(bytes, path);
}

/**
 * The earlier format began with a uint32 header length followed by `{"meta"`;
 * a safetensors header length is a uint64 whose high bytes are zero.
 */
const isLegacy = (bytes: Buffer) => bytes.length >= 12 && bytes.subarray(4, 11).toString('latin1') === '{"meta"';

function decodeLegacy(bytes: Buffer, path: string): TensorFile {
  const headerLength = bytes.readUInt32LE(0);
  let header: { meta: Record<string, unknown>; tensors: { name: string; shape: number[]; offset: number; length: number }[] };
  try {
    header = JSON.parse(bytes.subarray(4, 4 + headerLength).toString('utf8'));
  } catch (error) {
    throw new Error(`${path}: not a tensor file (bad header: ${(error as Error).message})`);
  }
  const start = 4 + headerLength;
  const tensors = new Map<string, Float32Array>();
  const shapes = new Map<string, number[]>();
  for (const t of header.tensors) {
    const from = start + t.offset * 4;
    if (from + t.length * 4 > bytes.length) throw new Error(`${path}: tensor "${t.name}" runs past the end of the file`);
    tensors.set(t.name, new Float32Array(bytes.buffer.slice(bytes.byteOffset + from, bytes.byteOffset + from + t.length * 4)));
    shapes.set(t.name, t.shape);
  }
  return { metadata: Object.fromEntries(Object.entries(header.meta ?? {}).map(([k, v]) => [k, String(v)])), tensors, shapes };
}
