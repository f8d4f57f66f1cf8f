import test from 'ava';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { SceneError } from '../../../lib/scannet-format/index.ts';
import { tempDir } from '../../helpers/temp.ts';
import { context, rewriteSens, scanNet, tinyScan } from './scans.ts';

/** Break one scan, load it, and check the error names the scene and the file, and nothing was cached. */
async function broken(
  t: import('ava').ExecutionContext,
  breakIt: (dir: string, id: string) => string | Promise<string>,
  message: RegExp,
  variant: { sens?: boolean; unaligned?: boolean; prepare?: () => Promise<void> } = {},
) {
  const base = tempDir(t);
  const { root, id, dir } = await tinyScan(base, variant);
  const file = await breakIt(dir, id);
  await variant.prepare?.();
  const cache = join(base, 'cache');
  const error = await t.throwsAsync(scanNet(root).load(id, context(cache)), { instanceOf: SceneError });
  t.is((error as SceneError).scene, id);
  t.is((error as SceneError).file, file);
  t.true(error!.message.startsWith(`scene ${id}: ${file}: `), error!.message);
  t.regex(error!.message, message);
  t.false(existsSync(join(cache, 'scenes', 'scannet', `${id}.json`)), 'no metadata for a bad scene');
  const leftovers = existsSync(join(cache, 'scenes', 'scannet')) ? readdirSync(join(cache, 'scenes', 'scannet')).filter((n) => n.includes('.tmp')) : [];
  t.deepEqual(leftovers, []);
}

test('missing annotation file', (t) =>
  broken(t, (dir, id) => {
    const file = join(dir, `${id}.aggregation.json`);
    rmSync(file);
    return file;
  }, /: missing file$/));

test('a test scan (scans_test: .sens, .txt and meshes, no annotations) is a bad scene that says why', (t) =>
  broken(t, (dir, id) => {
    rmSync(join(dir, `${id}.aggregation.json`));
    rmSync(join(dir, `${id}_vh_clean_2.0.010000.segs.json`));
    copyFileSync(join(dir, `${id}_vh_clean_2.ply`), join(dir, `${id}_vh_clean.ply`));
    t.deepEqual(readdirSync(dir).sort(), [`${id}.sens`, `${id}.txt`, `${id}_vh_clean.ply`, `${id}_vh_clean_2.ply`]);
    return dir;
  }, /: no object annotations \(scene9000_00\.aggregation\.json, scene9000_00_vh_clean_2\.0\.010000\.segs\.json\): a ScanNet test scan\? Questions need the annotated scans of scans\/$/, { sens: true, unaligned: true }));

test('missing colour frame', (t) =>
  broken(t, (dir) => {
    const file = join(dir, 'color', '30.jpg');
    rmSync(file);
    return file;
  }, /: missing file$/));

test('truncated mesh', (t) =>
  broken(t, (dir, id) => {
    const file = join(dir, `${id}_vh_clean_2.ply`);
    truncateSync(file, Math.floor(statSync(file).size * 0.6));
    return file;
  }, /truncated: face \d+ of \d+ starts past the end of the file \(\d+ bytes\)/));

test('a mesh that is not binary little-endian', (t) =>
  broken(t, (dir, id) => {
    const file = join(dir, `${id}_vh_clean_2.ply`);
    writeFileSync(file, 'ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nproperty float z\nend_header\n0 0 0\n');
    return file;
  }, /expected "format binary_little_endian 1.0" \(ScanNet's meshes\), found "format ascii 1.0"/));

test('malformed JSON in the over-segmentation', (t) =>
  broken(t, (dir, id) => {
    const file = join(dir, `${id}_vh_clean_2.0.010000.segs.json`);
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, 500));
    return file;
  }, /malformed JSON \(/));

test('segIndices that do not match the mesh', (t) =>
  broken(t, (dir, id) => {
    const file = join(dir, `${id}_vh_clean_2.0.010000.segs.json`);
    writeFileSync(file, JSON.stringify({ segIndices: [1, 2, 3] }));
    return file;
  }, /segIndices has 3 entries but the mesh has \d+ vertices/));

test('aggregation without segGroups', (t) =>
  broken(t, (dir, id) => {
    const file = join(dir, `${id}.aggregation.json`);
    writeFileSync(file, JSON.stringify({ sceneId: id }));
    return file;
  }, /no segGroups array/));

test('a corrupt depth image', (t) =>
  broken(t, (dir) => {
    const file = join(dir, 'depth', '50.png');
    writeFileSync(file, readFileSync(file).subarray(0, 60));
    return file;
  }, /cannot decode depth image/));

test('truncated .sens', (t) =>
  broken(t, (dir, id) => {
    const file = join(dir, `${id}.sens`);
    truncateSync(file, Math.floor(statSync(file).size * 0.7));
    return file;
  }, /truncated: frame \d+ of 12 needs \d+ bytes/, { sens: true }));

test('neither exported frames nor a .sens', (t) =>
  broken(t, (dir, id) => {
    for (const sub of ['pose', 'color', 'depth', 'intrinsic']) rmSync(join(dir, sub), { recursive: true });
    return join(dir, `${id}.sens`);
  }, /: missing file \(and no exported frames: no pose\/ or color\/ folder\)$/));

test('no .sens, and exported frames without color/: the error names what is missing', (t) =>
  broken(t, (dir, id) => {
    rmSync(join(dir, 'color'), { recursive: true });
    t.false(existsSync(join(dir, `${id}.sens`)));
    return join(dir, `${id}.sens`);
  }, /: missing file \(and no exported frames: no color\/ folder\)$/));

test('a scene the split names but the folder lacks', async (t) => {
  const base = tempDir(t);
  const { root } = await tinyScan(base);
  writeFileSync(join(root, 'split.txt'), 'scene0000_00\r\nscene9000_00\r\n');
  const source = scanNet(root, { split: 'split.txt' });
  t.deepEqual(await source.list(context(base)), ['scene0000_00', 'scene9000_00']);
  await t.throwsAsync(source.load('scene0000_00', context(join(base, 'cache'))), { message: `scene scene0000_00: ${join(root, 'scans', 'scene0000_00')}: missing scene directory` });
});

test('configuration errors: no root, a root without scans/', async (t) => {
  await t.throwsAsync(scanNet(undefined as unknown as string).list(context('/tmp')), { message: /option root is not set/ });
  await t.throwsAsync(scanNet('/nonexistent/scannet').list(context('/tmp')), { message: /\/nonexistent\/scannet\/scans does not exist/ });
});

/** Write `count` as the frame count of a .sens header (uint64 after the name, four matrices, compressions and sizes). */
function claimFrames(file: string, count: bigint): void {
  const bytes = readFileSync(file);
  const nameLength = Number(bytes.readBigUInt64LE(4));
  bytes.writeBigUInt64LE(count, 12 + nameLength + 4 * 64 + 4 * 2 + 4 * 4 + 4);
  writeFileSync(file, bytes);
}

test('a .sens header claiming 3e7 frames is refused before anything is sized by it', async (t) => {
  const heap = process.memoryUsage().heapUsed;
  await broken(t, (dir, id) => {
    const file = join(dir, `${id}.sens`);
    claimFrames(file, 30_000_000n);
    return file;
  }, /the header claims 30000000 frames, which need at least 2880000000 bytes after the header, and the file has \d+ \(truncated, or a bad header\)$/, { sens: true });
  t.true(process.memoryUsage().heapUsed - heap < 200 * 2 ** 20, 'no array of 3e7 frame numbers was made');
});

test('a .sens header whose depth shift is 0 (depth units per metre: depth would be infinitely far)', (t) =>
  broken(t, async (dir, id) => {
    const file = join(dir, `${id}.sens`);
    await rewriteSens(file, { header: { depthShift: 0 } });
    return file;
  }, /: depth shift 0 is not a positive number of depth units per metre$/, { sens: true }));

test('a .sens header claiming 2^40 frames', (t) =>
  broken(t, (dir, id) => {
    const file = join(dir, `${id}.sens`);
    claimFrames(file, 2n ** 40n);
    return file;
  }, /the header claims 1099511627776 frames, which need at least 105553116266496 bytes/, { sens: true }));

test('a PLY header claiming 3e9 vertices', (t) =>
  broken(t, (dir, id) => {
    const file = join(dir, `${id}_vh_clean_2.ply`);
    const bytes = readFileSync(file);
    const header = bytes.subarray(0, bytes.indexOf('end_header')).toString('latin1');
    writeFileSync(file, Buffer.concat([Buffer.from(header.replace(/element vertex \d+/, 'element vertex 3000000000'), 'latin1'), bytes.subarray(header.length)]));
    return file;
  }, /the header claims 3000000000 vertex, \d+ face, which need at least 4800\d+ bytes after the header, and the file has \d+ \(truncated, or a bad header\)$/));

test('a PLY element count that is not a decimal integer', (t) =>
  broken(t, (dir, id) => {
    const file = join(dir, `${id}_vh_clean_2.ply`);
    const bytes = readFileSync(file);
    const header = bytes.subarray(0, bytes.indexOf('end_header')).toString('latin1');
    writeFileSync(file, Buffer.concat([Buffer.from(header.replace(/element vertex \d+/, 'element vertex 3e9'), 'latin1'), bytes.subarray(header.length)]));
    return file;
  }, /element vertex has a bad count/));

test('a 0-byte colour frame is an error naming the scene and the file, when the scene is read', (t) =>
  broken(t, (dir) => {
    const file = join(dir, 'color', '40.jpg');
    writeFileSync(file, '');
    return file;
  }, /: bad colour image: empty file \(0 bytes\)$/));

test('a colour frame cut short', (t) =>
  broken(t, (dir) => {
    const file = join(dir, 'color', '70.jpg');
    writeFileSync(file, readFileSync(file).subarray(0, 900));
    return file;
  }, /: bad colour image: truncated JPEG \(no end-of-image marker; 900 bytes\)$/));

test('a colour frame that is not a JPEG', (t) =>
  broken(t, (dir) => {
    const file = join(dir, 'color', '0.jpg');
    writeFileSync(file, readFileSync(join(dir, 'depth', '0.png')));
    return file;
  }, /: bad colour image: not a JPEG \(no start-of-image marker\)$/));

test('a colour frame of another size than the others', async (t) => {
  const files: string[] = [];
  await broken(t, (dir) => {
    const file = join(dir, 'color', '90.jpg');
    files.push(file);
    return file;
  }, /: colour image is 48x36, the scene's colour camera 96x72$/, { prepare: async () => writeFileSync(files[0]!, await sharp(readFileSync(files[0]!)).resize(48, 36).jpeg().toBuffer()) });
});

test('a 0-byte colour frame inside a .sens names the file and the frame', (t) =>
  broken(t, async (dir, id) => {
    const file = join(dir, `${id}.sens`);
    await rewriteSens(file, { colour: (index, colour) => (index === 5 ? Buffer.alloc(0) : colour) });
    return file;
  }, /: frame 5: bad colour image: empty file \(0 bytes\)$/, { sens: true }));

test('a scene whose poses are all invalid is a bad scene, not a scene with no views', (t) =>
  broken(t, (dir) => {
    for (const name of readdirSync(join(dir, 'pose'))) writeFileSync(join(dir, 'pose', name), readFileSync(join(import.meta.dirname, '../../fixtures/scannet-quirks/pose-inf.txt')));
    return join(dir, 'pose');
  }, /: no usable view: all 12 selected frames have an invalid \(-inf or NaN\) camera pose$/));

test('NaN poses count as invalid too', (t) =>
  broken(t, async (dir, id) => {
    const file = join(dir, `${id}.sens`);
    await rewriteSens(file, { pose: () => Array(16).fill(Number.NaN) });
    return file;
  }, /: no usable view: all 12 selected frames have an invalid \(-inf or NaN\) camera pose$/, { sens: true }));

test("an aggregation whose segmentsFile names another over-segmentation (a _vh_clean aggregation beside _vh_clean_2 segments)", (t) =>
  broken(t, (dir, id) => {
    const file = join(dir, `${id}.aggregation.json`);
    const aggregation = JSON.parse(readFileSync(file, 'utf8')) as { segmentsFile: string };
    t.is(aggregation.segmentsFile, `scannet.${id}_vh_clean_2.0.010000.segs.json`); // ScanNet's form: it matches the segs read
    writeFileSync(file, JSON.stringify({ ...aggregation, segmentsFile: `scannet.${id}_vh_clean.segs.json` }));
    return file;
  }, /: segmentsFile is scannet\.scene9000_00_vh_clean\.segs\.json, not scene9000_00_vh_clean_2\.0\.010000\.segs\.json, the segments read with it: its segment ids would give wrong objects$/));

test('a scene with no objects is a bad scene', (t) =>
  broken(t, (dir, id) => {
    const file = join(dir, `${id}.aggregation.json`);
    writeFileSync(file, JSON.stringify({ sceneId: id, segGroups: [] }));
    return file;
  }, /: no objects: segGroups is empty$/));
