import test from 'ava';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { evenlySpacedIndices, findFfmpeg, probeVideo, sampleFrames } from '../../../lib/media/index.ts';
import { tempDir } from '../../helpers/temp.ts';
import { writeVideo } from '../scoring/benchmark-files.ts';

const meanLuma = async (file: string) => (await sharp(file).greyscale().stats()).channels[0]!.mean;

test('evenly spaced indices are numpy.linspace(0, total - 1, count, dtype=int)', (t) => {
  // printed by numpy 2.4
  t.deepEqual(evenlySpacedIndices(20, 8), [0, 2, 5, 8, 10, 13, 16, 19]);
  t.deepEqual(evenlySpacedIndices(5, 8), [0, 0, 1, 1, 2, 2, 3, 4]);
  t.deepEqual(evenlySpacedIndices(1, 4), [0, 0, 0, 0]);
  t.deepEqual(evenlySpacedIndices(7, 3), [0, 3, 6]);
  t.deepEqual(evenlySpacedIndices(7, 1), [0]);
  t.deepEqual(
    evenlySpacedIndices(1000, 32),
    [0, 32, 64, 96, 128, 161, 193, 225, 257, 290, 322, 354, 386, 418, 451, 483, 515, 547, 580, 612, 644, 676, 708, 741, 773, 805, 837, 870, 902, 934, 966, 999],
  );
  t.throws(() => evenlySpacedIndices(0, 4));
});

test('frames are the evenly spaced ones, decoded by ffmpeg, and cached', async (t) => {
  const dir = tempDir(t);
  const video = join(dir, 'scannet', 'scene0001_00.mp4');
  writeVideo(video, { frames: 20 }); // frame n has luma 2n
  t.log(`ffmpeg: ${JSON.stringify(findFfmpeg())}`);
  t.deepEqual(await probeVideo(video), { width: 64, height: 48, frames: 20 });

  const cacheDir = join(dir, 'cache');
  const files = await sampleFrames(video, { count: 8, cacheDir });
  t.is(files.length, 8);
  const lumas = await Promise.all(files.map(meanLuma));
  [0, 2, 5, 8, 10, 13, 16, 19].forEach((index, i) => t.true(Math.abs(lumas[i]! - 2 * index) <= 4, `frame ${index}: luma ${lumas[i]}`));
  const meta = JSON.parse(readFileSync(join(files[0]!, '..', 'frames.json'), 'utf8')) as { indices: number[] };
  t.deepEqual(meta.indices, [0, 2, 5, 8, 10, 13, 16, 19]);

  const before = statSync(files[3]!).mtimeMs;
  t.deepEqual(await sampleFrames(video, { count: 8, cacheDir }), files, 'same paths from the cache');
  t.is(statSync(files[3]!).mtimeMs, before, 'not rewritten');
  const four = await sampleFrames(video, { count: 4, cacheDir });
  t.not(join(four[0]!, '..'), join(files[0]!, '..'), 'another frame count is another cache entry');
});

test('a video shorter than the frame count repeats frames', async (t) => {
  const dir = tempDir(t);
  const video = join(dir, 'short.mp4');
  writeVideo(video, { frames: 5 });
  const files = await sampleFrames(video, { count: 8, cacheDir: join(dir, 'cache') });
  t.deepEqual(files.map((f) => f.split('/').at(-1)), [0, 0, 1, 1, 2, 2, 3, 4].map((i) => `frame-${i}.jpg`));
});

test('missing and corrupt videos give errors naming the file', async (t) => {
  const dir = tempDir(t);
  await t.throwsAsync(sampleFrames(join(dir, 'nope.mp4'), { cacheDir: dir }), { message: /video not found: .*nope\.mp4/ });
  const corrupt = join(dir, 'corrupt.mp4');
  writeFileSync(corrupt, Buffer.from('this is not a video at all'.repeat(20)));
  await t.throwsAsync(sampleFrames(corrupt, { cacheDir: dir }), { message: /corrupt\.mp4: cannot read the video/ });
});
