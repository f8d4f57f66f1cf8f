/**
 * Checkpoint tensors are safetensors: checked against an independent reader
 * and writer of the published format (Python standard library only), in both
 * directions, plus the files an earlier release wrote.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeSafetensors, readTensorFile, writeTensorFile } from '../../../lib/training/index.ts';
import { tempDir } from '../../helpers/temp.ts';

const SCRIPT = join(import.meta.dirname, 'safetensors_reader.py');

function python(args: string[], input?: string): string {
  const run = spawnSync('python3', [SCRIPT, ...args], { input, encoding: 'utf8' });
  if (run.error) throw new Error(`python3 is needed for this test (the independent safetensors reader): ${run.error.message}`);
  if (run.status !== 0) throw new Error(`safetensors_reader.py ${args.join(' ')} failed: ${run.stderr}${run.stdout}`);
  return run.stdout;
}

const tensors = [
  { name: 'embed', shape: [3, 2], data: Float32Array.from([0.1, -2.5, 3e-8, 1e30, -1.25, 7]) },
  { name: 'l0.norm', shape: [5], data: Float32Array.from([1, 1, 1, 1, 0.5]) },
  { name: 'scalar-ish', shape: [1, 1], data: Float32Array.from([Math.PI]) },
];

test('a written file is read by an independent reader of the format: names, shapes, F32 values, metadata, alignment', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'model.safetensors');
  await writeTensorFile(file, tensors, { backend: 'tiny-vlm', steps: '12' });
  const read = JSON.parse(python(['read', file])) as { metadata: Record<string, string>; tensors: Record<string, { dtype: string; shape: number[]; values: number[] }> };
  t.deepEqual(read.metadata, { backend: 'tiny-vlm', steps: '12' });
  t.deepEqual(Object.keys(read.tensors).sort(), tensors.map((x) => x.name).sort());
  for (const { name, shape, data } of tensors) {
    t.is(read.tensors[name]!.dtype, 'F32');
    t.deepEqual(read.tensors[name]!.shape, shape);
    t.deepEqual(read.tensors[name]!.values, Array.from(data), name);
  }
  // the first 8 bytes are the header length, little-endian u64, and the header is JSON
  const bytes = readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  t.is(n % 8, 0);
  t.true(JSON.parse(bytes.subarray(8, 8 + n).toString()).embed.data_offsets[0] === 0);
});

test('a file written by the independent writer is read back', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'from-python.safetensors');
  const spec = { metadata: { format: 'pt' }, tensors: Object.fromEntries(tensors.map(({ name, shape, data }) => [name, { shape, values: Array.from(data) }])) };
  python(['write', file], JSON.stringify(spec));
  const { metadata, tensors: read, shapes } = await readTensorFile(file);
  t.deepEqual(metadata, { format: 'pt' });
  for (const { name, shape, data } of tensors) {
    t.deepEqual(shapes.get(name), shape);
    t.deepEqual(Array.from(read.get(name)!), Array.from(data));
  }
});

test('a damaged file is an error naming it and what is wrong, before any large allocation', async (t) => {
  const dir = tempDir(t);
  const good = encodeSafetensors(tensors);
  const cases: [string, Buffer, RegExp][] = [
    ['short', good.subarray(0, 5), /shorter than its 8-byte header length/],
    ['truncated', good.subarray(0, good.length - 4), /cover 48 data bytes but the file holds 44/],
    ['huge-header', Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]), good.subarray(8)]), /header length 72057594037927936 does not fit/],
    ['not-json', Buffer.concat([good.subarray(0, 8), Buffer.alloc(good.length - 8, 0x41)]), /header is not JSON/],
  ];
  const header = JSON.parse(good.subarray(8, 8 + Number(good.readBigUInt64LE(0))).toString());
  const rewrite = (h: object) => {
    let text = Buffer.from(JSON.stringify(h));
    text = Buffer.concat([text, Buffer.alloc((8 - (text.length % 8)) % 8, 0x20)]);
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(text.length));
    return Buffer.concat([length, text, good.subarray(8 + Number(good.readBigUInt64LE(0)))]);
  };
  cases.push(['f16', rewrite({ ...header, embed: { ...header.embed, dtype: 'F16' } }), /tensor "embed" has dtype "F16"; only F32 is supported/]);
  cases.push(['gap', rewrite({ ...header, 'l0.norm': { ...header['l0.norm'], data_offsets: [28, 48] } }), /starts at byte 28, expected 24/]);
  cases.push(['shape', rewrite({ ...header, embed: { ...header.embed, shape: [2, 2] } }), /data_offsets \[0, 24\] do not hold shape \[2,2\]/]);
  for (const [name, bytes, message] of cases) {
    const file = join(dir, `${name}.safetensors`);
    writeFileSync(file, bytes);
    const error = await t.throwsAsync(readTensorFile(file));
    t.regex(error!.message, message, name);
    t.true(error!.message.startsWith(file), name);
  }
});

test('files in the format of the earlier release are still read', async (t) => {
  const dir = tempDir(t);
  // that format: u32 LE header length, JSON { meta, tensors: [{ name, shape, offset, length }] } padded to 4 bytes, float32 data
  const index = [{ name: 'a', shape: [2], offset: 0, length: 2 }, { name: 'b', shape: [1], offset: 2, length: 1 }];
  let header = Buffer.from(JSON.stringify({ meta: { steps: 4 }, tensors: index }));
  header = Buffer.concat([header, Buffer.alloc((4 - ((4 + header.length) % 4)) % 4, 0x20)]);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  const file = join(dir, 'weights.bin');
  writeFileSync(file, Buffer.concat([length, header, Buffer.from(Float32Array.from([1.5, -2, 8]).buffer)]));
  const { metadata, tensors: read } = await readTensorFile(file);
  t.deepEqual(metadata, { steps: '4' });
  t.deepEqual(Array.from(read.get('a')!), [1.5, -2]);
  t.deepEqual(Array.from(read.get('b')!), [8]);
});
