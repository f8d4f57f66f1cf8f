import test from 'ava';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Sample } from '../../../core/index.ts';
import { mirrorSample } from '../../../lib/training/mirror.ts';
import { tempDir } from '../../helpers/temp.ts';

const W = 40;
const H = 30;

/** A grey image with one red block over columns [4, 12) and rows [10, 20). */
async function writeImage(path: string): Promise<void> {
  const rgb = Buffer.alloc(W * H * 3, 128);
  for (let y = 10; y < 20; y++) for (let x = 4; x < 12; x++) rgb.set([230, 20, 20], (y * W + x) * 3);
  await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).png().toFile(path);
}

/** The red pixels' column range. */
async function redColumns(path: string): Promise<[number, number]> {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const columns: number[] = [];
  for (let y = 0; y < info.height; y++) for (let x = 0; x < info.width; x++) if (data[(y * info.width + x) * 3]! > 180 && data[(y * info.width + x) * 3 + 1]! < 80) columns.push(x);
  return [Math.min(...columns), Math.max(...columns) + 1];
}

const localization = (image: string): Sample => ({
  id: 'scene0001_00/localization/7',
  task: 'localization',
  modality: 'single-image',
  scene: 'scene0001_00',
  question: 'Where is the chair?',
  answer: JSON.stringify([{ bbox_2d: [4, 10, 12, 20], label: 'chair' }]),
  answerKind: 'boxes',
  media: { images: [image] },
  facts: { image: { width: W, height: H, resizedWidth: W, resizedHeight: H } },
  grounding: [{ phrase: 'chair', regions: [{ image: 0, box: [0.1, 1 / 3, 0.3, 2 / 3] }] }],
  pairedWith: 'scene0001_00/object-size/7',
});

test('a mirrored localization sample shows the object across the image, its boxes and grounding flipped with it', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'dataset', 'media'), { recursive: true });
  await writeImage(join(dir, 'dataset', 'media', 'a.png'));
  const sample = localization('media/a.png');
  const twin = (await mirrorSample(sample, join(dir, 'dataset'), join(dir, 'out')))!;
  t.is(twin.id, `${sample.id}#mirrored`);
  t.deepEqual(twin.media.images, [join(dir, 'out', 'media', 'a.png')]);
  t.deepEqual(await redColumns(join(dir, 'dataset', 'media', 'a.png')), [4, 12]);
  t.deepEqual(await redColumns(twin.media.images[0]!), [28, 36]); // 40 - 12, 40 - 4
  t.deepEqual(JSON.parse(twin.answer), [{ bbox_2d: [28, 10, 36, 20], label: 'chair' }]);
  const [x1, y1, x2, y2] = twin.grounding![0]!.regions[0]!.box;
  t.deepEqual([x1, x2].map((v) => Number(v.toFixed(6))), [0.7, 0.9]);
  t.deepEqual([y1, y2], [1 / 3, 2 / 3]);
  t.is(twin.question, sample.question);
  t.deepEqual(twin.facts, { image: { width: W, height: H, resizedWidth: W, resizedHeight: H } }, 'no unflipped boxes left in its facts');
  t.is(twin.pairedWith, undefined);
  // the source is untouched, and a second call reuses the written image
  t.deepEqual(JSON.parse(sample.answer)[0].bbox_2d, [4, 10, 12, 20]);
  const written = statSync(twin.media.images[0]!).mtimeMs;
  await mirrorSample(sample, join(dir, 'dataset'), join(dir, 'out'));
  t.is(statSync(twin.media.images[0]!).mtimeMs, written);
});

test('only localization samples are mirrored; one without its resized width is an error naming it', async (t) => {
  const dir = tempDir(t);
  const sample = localization('media/a.png');
  t.is(await mirrorSample({ ...sample, task: 'object-size', answerKind: 'number', answer: '45' }, dir, join(dir, 'out')), undefined);
  await t.throwsAsync(mirrorSample({ ...sample, facts: {} }, dir, join(dir, 'out')), { message: /scene0001_00\/localization\/7 has no facts\.image\.resizedWidth/ });
});
