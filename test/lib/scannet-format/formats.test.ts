import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { BUNDLED_LABEL_MAP, loadLabelMap, parseLabelMap, SceneError } from '../../../lib/scannet-format/index.ts';
import { encodePly, parsePly } from '../../../lib/scannet-format/ply.ts';
import { decodeSensDepth, SensFile, SensWriter } from '../../../lib/scannet-format/sens.ts';
import { parseMatrix, parseSceneInfo } from '../../../lib/scannet-format/text-files.ts';
import { frameNumbers, selectFrames } from '../../../lib/scannet-format/frames.ts';
import { tempDir } from '../../helpers/temp.ts';

const fixture = (name: string) => join(import.meta.dirname, '../../fixtures/scannet-quirks', name);

test('label map with CRLF endings and the category column last: no stray \\r', (t) => {
  const text = readFileSync(fixture('labels-crlf.tsv'), 'utf8');
  t.true(text.includes('\r\n'));
  const map = parseLabelMap(text, 'labels-crlf.tsv');
  t.is(map.categoryOf('kitchen cabinets'), 'kitchen cabinet');
  t.is(map.categoryOf('chair'), 'chair');
  t.is(map.categoryOf('seat'), 'chair'); // same id 2 as chair: ids are not unique, raw_category is
  t.is(map.categoryOf('Kitchen Cabinets '), 'kitchen cabinet'); // case and spaces forgiven
  t.is(map.categoryOf('sofa bed'), undefined);
  t.deepEqual(map.raws, ['wall', 'kitchen cabinets', 'chair', 'seat']);
});

test("the bundled map is ScanNet's: 607 raw categories, CRLF", (t) => {
  const bytes = readFileSync(BUNDLED_LABEL_MAP);
  t.true(bytes.includes('\r\n'));
  const map = loadLabelMap();
  t.is(map.raws.length, 607);
  t.is(map.categoryOf('couch'), 'couch');
  t.is(map.categoryOf('books'), 'book');
  t.is(map.row('trash can')?.nyu40class, 'otherfurniture');
});

test("the shipped map's padded cells are trimmed: wardrobe cabinet is a wardrobe, like wardrobe closet", (t) => {
  t.true(readFileSync(BUNDLED_LABEL_MAP, 'latin1').includes('\twardrobe cabinet\twardrobe \t'), 'the quirk is in the shipped file');
  const map = loadLabelMap();
  t.is(map.categoryOf('wardrobe cabinet'), 'wardrobe');
  t.is(map.categoryOf('wardrobe closet'), 'wardrobe');
  t.is(map.row('wardrobe cabinet')?.category, 'wardrobe');
  t.deepEqual(map.raws.filter((raw) => /^\s|\s$/.test(map.categoryOf(raw)!)), []);
});

test('a label map without raw_category/category columns is a config error naming the file', (t) => {
  t.throws(() => parseLabelMap('id\tname\r\n1\twall\r\n', '/x/labels.tsv'), { message: /\/x\/labels\.tsv: not a ScanNet label map/ });
});

test('matrix files: -inf poses parse as non-finite, 3x3 is widened, junk is an error naming scene and file', (t) => {
  const inf = parseMatrix(readFileSync(fixture('pose-inf.txt'), 'utf8'), 's', 'pose-inf.txt');
  t.is(inf.length, 16);
  t.true(inf.every((v) => v === -Infinity));
  t.deepEqual(parseMatrix('1 0 2\n0 3 4\n0 0 1\n', 's', 'k.txt'), [1, 0, 2, 0, 0, 3, 4, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
  t.throws(() => parseMatrix('1 2 3 x', 'scene0001_00', 'pose/3.txt'), { instanceOf: SceneError, message: 'scene scene0001_00: pose/3.txt: number 4 is "x", not a number' });
  t.throws(() => parseMatrix('1 2 3', 'scene0001_00', 'pose/3.txt'), { message: /expected a 4x4 matrix \(16 numbers\), found 3/ });
});

test('scene .txt: CRLF key = value lines; a test scan has no axisAlignment', (t) => {
  const info = parseSceneInfo(readFileSync(fixture('scene0707_00.txt'), 'utf8'), 'scene0707_00', 'scene0707_00.txt');
  t.is(info.axisAlignment, undefined);
  t.is(info.number('colorWidth'), 1296);
  t.is(info.values.sceneType, 'Apartment');
  const aligned = parseSceneInfo('axisAlignment = 0 1 0 2 -1 0 0 3 0 0 1 0 0 0 0 1\n', 's', 's.txt');
  t.deepEqual(aligned.axisAlignment, [0, 1, 0, 2, -1, 0, 0, 3, 0, 0, 1, 0, 0, 0, 0, 1]);
  t.throws(() => parseSceneInfo('axisAlignment = 1 0 0\n', 's', 's.txt'), { message: /axisAlignment must be 16 finite numbers, found 3/ });
});

test('frame files sort numerically, never as strings, padded or not; stride then an even cap', (t) => {
  t.deepEqual(frameNumbers(['10.txt', '2.txt', '0.txt', '100.txt', 'notes.md', '1.txt']), [0, 1, 2, 10, 100]);
  t.deepEqual(frameNumbers(['000010.txt', '000002.txt', '000100.txt', '000000.txt', '000001.txt', '000001.jpg']), [0, 1, 2, 10, 100]);
  t.deepEqual(selectFrames([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 3), [0, 3, 6, 9]);
  t.deepEqual(selectFrames([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 1, 4), [0, 2, 5, 7]);
});

test('ply: ScanNet layout round-trips; ascii, big-endian and truncated files are errors naming scene and file', (t) => {
  const positions = new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0.5]);
  const colours = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255]);
  const bytes = encodePly(positions, colours, new Uint32Array([0, 1, 2]));
  t.true(bytes.toString('latin1').startsWith('ply\nformat binary_little_endian 1.0\n'));
  const mesh = parsePly(bytes, 's', 'm.ply');
  t.deepEqual([...mesh.positions], [...positions]);
  t.deepEqual([...mesh.colours!], [...colours]);
  t.is(mesh.faceCount, 1);
  t.deepEqual([...mesh.triangles], [0, 1, 2]);
  // a quad face is fanned into two triangles; an index past the vertices is an error
  const quad = encodePly(new Float32Array([0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0]), new Uint8Array(12), new Uint32Array([0, 1, 2]));
  const face = quad.length - 13;
  const withQuad = Buffer.concat([quad.subarray(0, face), Buffer.from([4]), ...[0, 1, 2, 3].map((i) => Buffer.from(new Int32Array([i]).buffer))]);
  t.deepEqual([...parsePly(withQuad, 's', 'm.ply').triangles], [0, 1, 2, 0, 2, 3]);
  const outOfRange = Buffer.from(quad);
  outOfRange.writeInt32LE(7, face + 9);
  t.throws(() => parsePly(outOfRange, 's', 'm.ply'), { message: 'scene s: m.ply: face 0 names vertex 7, the mesh has 4' });
  const ascii = Buffer.from('ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nproperty float z\nend_header\n0 0 0\n');
  t.throws(() => parsePly(ascii, 'scene0001_00', '/d/scene0001_00_vh_clean_2.ply'), {
    instanceOf: SceneError,
    message: 'scene scene0001_00: /d/scene0001_00_vh_clean_2.ply: expected "format binary_little_endian 1.0" (ScanNet\'s meshes), found "format ascii 1.0"',
  });
  const big = Buffer.from(bytes.toString('latin1').replace('binary_little_endian', 'binary_big_endian'), 'latin1');
  t.throws(() => parsePly(big, 's', 'm.ply'), { message: /found "format binary_big_endian 1.0"/ });
  t.throws(() => parsePly(bytes.subarray(0, bytes.length - 5), 's', 'm.ply'), { message: /truncated: face 0 of 1|truncated: element face ends at byte/ });
  t.throws(() => parsePly(bytes.subarray(0, 300), 's', 'm.ply'), { message: /the header claims 3 vertex, 1 face, which need at least 49 bytes after the header, and the file has 10 \(truncated, or a bad header\)$/ });
  t.throws(() => parsePly(Buffer.from('hello'), 's', 'm.ply'), { message: /not a PLY file/ });
});

test('.sens: written frames read back (header, poses, JPEG bytes, depth); frames can be skipped', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'x.sens');
  const k = [500, 0, 99.5, 0, 0, 500, 79.5, 0, 0, 0, 1, 0, 0, 0, 0, 1];
  const writer = await SensWriter.create(path, {
    sensorName: 'test', colourIntrinsics: k, colourExtrinsics: k, depthIntrinsics: k, depthExtrinsics: k,
    colourWidth: 200, colourHeight: 160, depthWidth: 4, depthHeight: 2, depthShift: 1000, frameCount: 3,
  });
  const depth = (i: number) => Uint16Array.from({ length: 8 }, (_, j) => 1000 * i + j);
  for (let i = 0; i < 3; i++) {
    const pose = i === 1 ? new Array(16).fill(-Infinity) : [1, 0, 0, i, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
    await writer.writeFrame(pose, i * 33333, Buffer.from(`jpeg-${i}`), depth(i));
  }
  await writer.close();
  const file = await SensFile.open(path, 'scene0001_00');
  t.teardown(() => file.close());
  t.is(file.header.version, 4);
  t.is(file.header.frameCount, 3);
  t.deepEqual([file.header.colourWidth, file.header.depthWidth, file.header.depthHeight, file.header.depthShift], [200, 4, 2, 1000]);
  const frames = [];
  for await (const f of file.frames((i) => i !== 0)) frames.push(f);
  t.deepEqual(frames.map((f) => f.index), [1, 2]);
  t.true(frames[0]!.pose.every((v) => v === -Infinity));
  t.is(frames[1]!.pose[3], 2);
  t.is(frames[1]!.colour.toString(), 'jpeg-2');
  t.is(frames[1]!.colourTimestamp, 66666);
  t.deepEqual([...(await decodeSensDepth(file, frames[1]!.depth, 2))], [...depth(2)]);
  t.deepEqual(frames[1]!.depth, deflateSync(Buffer.from(depth(2).buffer), { level: 6 }));
});

test('a truncated .sens is an error naming the scene, the file and the frame', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'x.sens');
  const k = new Array(16).fill(0);
  const writer = await SensWriter.create(path, {
    sensorName: 'test', colourIntrinsics: k, colourExtrinsics: k, depthIntrinsics: k, depthExtrinsics: k,
    colourWidth: 2, colourHeight: 2, depthWidth: 2, depthHeight: 2, depthShift: 1000, frameCount: 2,
  });
  for (let i = 0; i < 2; i++) await writer.writeFrame(new Array(16).fill(0), 0, Buffer.alloc(1000, i), new Uint16Array(4));
  await writer.close();
  const bytes = readFileSync(path);
  writeFileSync(path, bytes.subarray(0, bytes.length - 600));
  const file = await SensFile.open(path, 'scene0001_00');
  t.teardown(() => file.close());
  const error = await t.throwsAsync(async () => {
    for await (const _ of file.frames(() => true)) void _;
  });
  t.regex(error!.message, new RegExp(`^scene scene0001_00: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: truncated: frame 1 of 2 needs \\d+ bytes, the file has ${bytes.length - 600}$`));
  writeFileSync(path, bytes.subarray(0, 40));
  await t.throwsAsync(SensFile.open(path, 'scene0001_00'), { message: /truncated: the header needs \d+ bytes, the file has 40/ });
});
