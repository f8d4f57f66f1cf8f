/**
 * A small binary file of named float32 arrays: a little-endian uint32 header
 * length, a JSON header `{ meta, tensors: [{ name, shape, offset, length }] }`
 * padded to 4 bytes, then the data. Used for weights and optimizer moments.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../core/index.ts';

export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

export async function writeTensorFile(path: string, tensors: NamedTensor[], meta: Record<string, unknown> = {}): Promise<void> {
  let offset = 0;
  const index = tensors.map(({ name, shape, data }) => {
    const entry = { name, shape, offset, length: data.length };
    offset += data.length;
    return entry;
  });
  let header = Buffer.from(JSON.stringify({ meta, tensors: index }));
  const pad = (4 - ((4 + header.length) % 4)) % 4;
  header = Buffer.concat([header, Buffer.alloc(pad, 0x20)]);
  const out = Buffer.alloc(4 + header.length + offset * 4);
  out.writeUInt32LE(header.length, 0);
  header.copy(out, 4);
  const body = new Float32Array(out.buffer, out.byteOffset + 4 + header.length, offset);
  tensors.forEach(({ data }, i) => body.set(data, index[i]!.offset));
  await writeFileAtomic(path, out);
}

export async function readTensorFile(path: string): Promise<{ meta: Record<string, unknown>; tensors: Map<string, Float32Array>; shapes: Map<string, number[]> }> {
  const bytes = await readFile(path);
  if (bytes.length < 4) throw new Error(`${path}: not a tensor file (too short)`);
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
    // copy: the Buffer's memory may be pooled and unaligned
    tensors.set(t.name, new Float32Array(bytes.buffer.slice(bytes.byteOffset + from, bytes.byteOffset + from + t.length * 4)));
    shapes.set(t.name, t.shape);
  }
  return { meta: header.meta, tensors, shapes };
}
