import test from 'ava';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { createLadder, evaluateBenchmark, type Dataset, type Modality, type Policy, type Sample } from '../../../core/index.ts';
import { BLANK_GREY } from '../../../lib/media/index.ts';
import { splitRows } from '../../../plugins/benchmark-held-out/index.ts';
import { DIRECT_POST_PROMPT } from '../../../lib/prompts/index.ts';
import { tempDir } from '../../helpers/temp.ts';
import { writeImage, writeVideo } from '../../lib/scoring/benchmark-files.ts';

const OPTIONS = ['A. left-front', 'B. left-back', 'C. right-front', 'D. right-back'];

function sample(id: string, task: string, modality: Modality, answerKind: Sample['answerKind'], answer: string, extra: Partial<Sample> = {}): Sample {
  return {
    id,
    task,
    modality,
    scene: 'scene0700_00',
    question: answerKind === 'choice' ? 'Where is the chair?' : `How big is the ${task}?`,
    options: answerKind === 'choice' ? OPTIONS : undefined,
    answer,
    answerKind,
    media: { images: ['images/scene0700_00/0.jpg'] },
    split: 'held-out',
    ...extra,
  };
}

/** A dataset directory with real images (sharp) and a video (ffmpeg), and held-out samples of every task. */
async function heldOutDataset(dir: string): Promise<Dataset> {
  await writeImage(join(dir, 'images', 'scene0700_00', '0.jpg'), 1, 64, 48);
  await writeImage(join(dir, 'images', 'scene0700_00', '1.jpg'), 2, 64, 48);
  writeVideo(join(dir, 'videos', 'scene0700_00.mp4'), { frames: 12 });
  const views = { images: ['images/scene0700_00/0.jpg', 'images/scene0700_00/1.jpg'] };
  const samples: Sample[] = [
    sample('cnt-mv', 'object-counting', 'multi-view', 'number', '3', { media: views }),
    sample('cnt-vid', 'object-counting', 'video', 'number', '4', { media: { images: [], video: 'videos/scene0700_00.mp4' } }),
    sample('abs-si', 'absolute-distance', 'single-image', 'number', '1.2'),
    sample('abs-mv', 'absolute-distance', 'multi-view', 'number', '2.5', { media: views }),
    sample('size-si', 'object-size', 'single-image', 'number', '87'),
    sample('room-vid', 'room-size', 'video', 'number', '21.4', { media: { images: [], video: 'videos/scene0700_00.mp4' } }),
    sample('rdist-si', 'relative-distance', 'single-image', 'choice', 'A'),
    sample('rdir-si', 'relative-direction', 'single-image', 'choice', 'C'),
    sample('rdir-mv', 'relative-direction', 'multi-view', 'choice', 'D', { media: views }),
    sample('order-vid', 'appearance-order', 'video', 'choice', 'B', { media: { images: [], video: 'videos/scene0700_00.mp4' } }),
    sample('loc-si', 'localization', 'single-image', 'boxes', '[{"bbox_2d": [4, 4, 30, 40], "label": "chair"}]', { facts: { image: { width: 640, height: 480, resizedWidth: 64, resizedHeight: 48 } } }),
    sample('train-1', 'object-size', 'single-image', 'number', '50', { scene: 'scene0001_00', split: 'train' }),
  ];
  return { dir, manifest: {}, samples };
}

async function evaluate(
  dataset: Dataset,
  policy: string | Policy,
  out: string,
  options: Record<string, unknown> = {},
  extra: { benchmark?: string; blind?: boolean; swapped?: boolean } = {},
) {
  const ladder = await createLadder({ plugins: [['benchmark-held-out', { frames: 4, ...options }], 'model-oracle'], cacheDir: join(dataset.dir, 'cache') }, { defaults: [] });
  const p = typeof policy === 'string' ? await ladder.get('models', policy).create({}, { seed: 1, log: () => undefined }) : policy;
  return evaluateBenchmark(ladder, p, extra.benchmark ?? 'held-out', out, { dataset, blind: extra.blind, swapped: extra.swapped });
}

/** A policy that answers the truth and records what it was shown. */
function recorder(seen: Map<string, { prompt: string; images: string[] }>): Policy {
  return {
    id: 'recorder',
    async generate(inputs) {
      for (const input of inputs) seen.set(input.reference!.id, input);
      return inputs.map((input) => [{ text: input.reference!.answer }]);
    },
  };
}

test('the oracle scores exactly 100 on every task and modality, localization included', async (t) => {
  const dir = tempDir(t);
  const dataset = await heldOutDataset(join(dir, 'dataset'));
  const report = await evaluate(dataset, 'oracle', join(dir, 'out'));
  t.deepEqual(report.scores.map((s) => [s.type, s.kind, s.count, s.score]), [
    ['object-counting', 'NQ', 2, 100],
    ['absolute-distance', 'NQ', 2, 100],
    ['object-size', 'NQ', 1, 100],
    ['room-size', 'NQ', 1, 100],
    ['relative-distance', 'MCQ', 1, 100],
    ['relative-direction', 'MCQ', 2, 100],
    ['appearance-order', 'MCQ', 1, 100],
  ]);
  t.deepEqual([report.nq, report.mcq, report.avg], [100, 100, 100]);
  const exact = { estimate: 100, low: 100, high: 100 };
  t.deepEqual(report.intervals, { avg: exact, nq: exact, mcq: exact, types: Object.fromEntries(report.scores.map((s) => [s.type, exact])) });
  t.deepEqual(
    report.byModality!.map((c) => `${c.type}/${c.modality}/${c.kind}/${c.count}/${c.score}`),
    [
      'object-counting/multi-view/NQ/1/100',
      'object-counting/video/NQ/1/100',
      'absolute-distance/single-image/NQ/1/100',
      'absolute-distance/multi-view/NQ/1/100',
      'object-size/single-image/NQ/1/100',
      'room-size/video/NQ/1/100',
      'relative-distance/single-image/MCQ/1/100',
      'relative-direction/single-image/MCQ/1/100',
      'relative-direction/multi-view/MCQ/1/100',
      'appearance-order/video/MCQ/1/100',
      'localization/single-image/IoU/1/100',
    ],
  );
  t.is(report.byModality!.at(-1)!.valid, 100, 'the localization answer is valid grounding JSON');
  const markdown = readFileSync(join(dir, 'out', 'report.md'), 'utf8');
  t.regex(markdown, /\| Avg +\| +\| +\| +100\.0 \| 100\.0 to 100\.0 +\|/);
  t.regex(markdown, /\| room-size +\| NQ +\| +1 \| +100\.0 \| 100\.0 to 100\.0 +\|/, 'each type with its interval');
  t.regex(markdown, /\|\s*question type\s*\|\s*single-image\s*\|\s*multi-view\s*\|\s*video\s*\|/);
  t.regex(markdown, /\|\s*relative-direction\s*\|\s*100\.0 \(1\)\s*\|\s*100\.0 \(1\)\s*\|\s*-\s*\|/);
});

test('options are listed after the question; video samples without frames get sampled frames', async (t) => {
  const dir = tempDir(t);
  const dataset = await heldOutDataset(join(dir, 'dataset'));
  const seen = new Map<string, { prompt: string; images: string[] }>();
  await evaluate(dataset, recorder(seen), join(dir, 'out'));
  t.is(seen.get('rdir-si')!.prompt, `Where is the chair?\nOptions:\n${OPTIONS.join('\n')}\n${DIRECT_POST_PROMPT.choice}`);
  t.deepEqual(seen.get('cnt-mv')!.images, [join(dataset.dir, 'images/scene0700_00/0.jpg'), join(dataset.dir, 'images/scene0700_00/1.jpg')]);
  t.is(seen.get('room-vid')!.images.length, 4);
  t.regex(seen.get('room-vid')!.images[3]!, /frame-11\.jpg$/);
  t.is(seen.get('loc-si')!.prompt, 'How big is the localization?', 'localization questions carry their own instruction');
  t.false(seen.has('train-1'), 'training samples are not asked');
});

test('held-out scenes seen in training, or no held-out samples, are errors', async (t) => {
  const dir = tempDir(t);
  const dataset = await heldOutDataset(join(dir, 'dataset'));
  const leaky = { ...dataset, samples: [...dataset.samples, { ...dataset.samples[0]!, id: 'leak', split: 'train' as const }] };
  await t.throwsAsync(evaluate(leaky, 'oracle', join(dir, 'a')), { message: /1 held-out scene\(s\) also appear in samples of another split: scene0700_00/ });
  const none = { ...dataset, samples: dataset.samples.filter((s) => s.split !== 'held-out') };
  await t.throwsAsync(evaluate(none, 'oracle', join(dir, 'b')), { message: /has no held-out samples/ });
});

test('a malformed sample is reported, not fatal', async (t) => {
  const dir = tempDir(t);
  const dataset = await heldOutDataset(join(dir, 'dataset'));
  dataset.samples.push(
    sample('bad-number', 'object-size', 'single-image', 'number', 'eighty'),
    sample('bad-boxes', 'localization', 'single-image', 'boxes', '[{"label": "chair"}]'),
    sample('escape', 'object-size', 'single-image', 'number', '3', { media: { images: ['/etc/passwd'] } }),
  );
  const report = await evaluate(dataset, 'oracle', join(dir, 'out'));
  t.is(report.avg, 100);
  t.deepEqual(report.errors!.map((e) => e.id), ['bad-number', 'bad-boxes', 'escape']);
  t.regex(report.errors![0]!.message, /ground truth "eighty" is not a number/);
  t.regex(report.errors![2]!.message, /absolute paths are not allowed/);
});

test("the blind control asks every row with blank grey frames of each image's size, and is recorded as such", async (t) => {
  const dir = tempDir(t);
  const dataset = await heldOutDataset(join(dir, 'dataset'));
  const seen = new Map<string, { prompt: string; images: string[] }>();
  const report = await evaluate(dataset, recorder(seen), join(dir, 'blind'), {}, { blind: true });
  t.is(report.settings!.blind, true);
  t.is(JSON.parse(readFileSync(join(dir, 'blind', 'identity.json'), 'utf8')).generation.blind, true);
  t.is(seen.get('cnt-mv')!.images.length, 2, 'one blank frame per image');
  t.is(seen.get('room-vid')!.images.length, 4, 'video rows: one blank frame per sampled frame');
  const blanks = new Set([...seen.values()].flatMap((input) => input.images));
  t.deepEqual([...blanks].map((p) => basename(p)), ['blank-64x48.png'], 'every image and frame was 64x48');
  const { data, info } = await sharp([...blanks][0]!).raw().toBuffer({ resolveWithObject: true });
  t.deepEqual([info.width, info.height, info.channels], [64, 48, 3]);
  t.true(data.every((v) => v === BLANK_GREY), 'uniform grey');
  // the same folder does not mix the control with the sighted evaluation
  await t.throwsAsync(evaluate(dataset, recorder(new Map()), join(dir, 'blind')), { message: /blind/ });
});

test("the swapped control asks every row with another room's frames of the same modality, and is recorded as such", async (t) => {
  const dir = tempDir(t);
  const dataset = await heldOutDataset(join(dir, 'dataset'));
  // a second held-out room: one single image, two views
  await writeImage(join(dataset.dir, 'images', 'scene0701_00', '0.jpg'), 3, 64, 48);
  await writeImage(join(dataset.dir, 'images', 'scene0701_00', '1.jpg'), 4, 64, 48);
  const other = { images: ['images/scene0701_00/0.jpg', 'images/scene0701_00/1.jpg'] };
  dataset.samples.push(
    sample('size-si-2', 'object-size', 'single-image', 'number', '40', { scene: 'scene0701_00', media: { images: other.images.slice(0, 1) } }),
    sample('cnt-mv-2', 'object-counting', 'multi-view', 'number', '2', { scene: 'scene0701_00', media: other }),
    sample('cnt-vid-2', 'object-counting', 'video', 'number', '1', { scene: 'scene0701_00', media: { images: [], video: 'videos/scene0700_00.mp4' } }),
  );
  const seen = new Map<string, { prompt: string; images: string[] }>();
  const report = await evaluate(dataset, recorder(seen), join(dir, 'swapped'), {}, { swapped: true });
  t.is(report.settings!.swapped, true);
  t.is(JSON.parse(readFileSync(join(dir, 'swapped', 'identity.json'), 'utf8')).generation.swapped, true);
  const shown = (id: string) => seen.get(id)!.images.map((p) => p.split('/').slice(-2).join('/'));
  t.deepEqual(shown('size-si'), ['scene0701_00/0.jpg'], "a room-0700 question with room 0701's image");
  t.deepEqual(shown('abs-si'), ['scene0701_00/0.jpg']);
  t.deepEqual(shown('size-si-2'), ['scene0700_00/0.jpg']);
  t.deepEqual(shown('cnt-mv'), ['scene0701_00/0.jpg', 'scene0701_00/1.jpg'], 'multi-view with multi-view views');
  t.deepEqual(shown('cnt-mv-2'), ['scene0700_00/0.jpg', 'scene0700_00/1.jpg']);
  t.is(seen.get('cnt-vid')!.images.length, 4, "video rows: the other row's sampled frames");
  // a benchmark of one room has no other room to show
  const single = await heldOutDataset(join(dir, 'single'));
  await t.throwsAsync(evaluate(single, recorder(new Map()), join(dir, 'single-out'), {}, { swapped: true }), {
    message: /held-out row .*: no .* from a scene other than scene0700_00/,
  });
});

test('the validation benchmark scores the validation split only, and refuses a validation scene seen in another split', async (t) => {
  const dir = tempDir(t);
  const dataset = await heldOutDataset(join(dir, 'dataset'));
  const validation = sample('val-size', 'object-size', 'single-image', 'number', '40', { scene: 'scene0800_00', split: 'validation' });
  const withValidation = { ...dataset, samples: [...dataset.samples, validation] };
  const seen = new Map<string, { prompt: string; images: string[] }>();
  const report = await evaluate(withValidation, recorder(seen), join(dir, 'val'), {}, { benchmark: 'validation' });
  t.deepEqual([...seen.keys()], ['val-size']);
  t.is(report.benchmark, 'validation');
  const heldOut = await evaluate(withValidation, 'oracle', join(dir, 'held'));
  t.false(heldOut.scores.some((s) => s.count > 2), 'held-out rows unchanged');
  const leaky = { ...withValidation, samples: [...withValidation.samples, { ...validation, id: 'val-leak', split: 'train' as const }] };
  await t.throwsAsync(evaluate(leaky, 'oracle', join(dir, 'leak'), {}, { benchmark: 'validation' }), { message: /1 validation scene\(s\) also appear in samples of another split: scene0800_00/ });
  await t.throwsAsync(evaluate(dataset, 'oracle', join(dir, 'none'), {}, { benchmark: 'validation' }), { message: /no validation samples .*data\.split\.validation/ });
});

test('the training benchmark scores trainingRows training samples, evenly spaced in dataset order, the same ones every time', async (t) => {
  const dir = tempDir(t);
  const dataset = await heldOutDataset(join(dir, 'dataset'));
  const trained = Array.from({ length: 10 }, (_, i) => sample(`fit-${i}`, 'object-size', 'single-image', 'number', String(40 + i), { scene: 'scene0002_00', split: 'train' }));
  const withTraining = { ...dataset, samples: [...dataset.samples.filter((s) => s.split !== 'train'), ...trained] };
  const seen = new Map<string, { prompt: string; images: string[] }>();
  const report = await evaluate(withTraining, recorder(seen), join(dir, 'fit'), { trainingRows: 4 }, { benchmark: 'training' });
  t.deepEqual([...seen.keys()], ['fit-0', 'fit-2', 'fit-5', 'fit-7']);
  t.is(report.benchmark, 'training');
  t.deepEqual(splitRows(withTraining.samples, 'train', 4).map((s) => s.id), ['fit-0', 'fit-2', 'fit-5', 'fit-7']);
  t.is(splitRows(withTraining.samples, 'train').length, 10, 'all of them without a count');
  const all = new Map<string, { prompt: string; images: string[] }>();
  await evaluate(withTraining, recorder(all), join(dir, 'fit-all'), { trainingRows: 50 }, { benchmark: 'training' });
  t.is(all.size, 10, 'fewer samples than trainingRows: every one');
  await t.throwsAsync(evaluate({ ...dataset, samples: dataset.samples.filter((s) => s.split !== 'train') }, 'oracle', join(dir, 'none'), {}, { benchmark: 'training' }), {
    message: /no train samples/,
  });
});
