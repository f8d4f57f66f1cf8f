import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { readJsonLines, type Sample } from '../../../core/index.ts';
import { answerBoxes, groundingRows, spatialRows, trlRow, vlmR1Row } from '../../../lib/formats/index.ts';
import { samples } from '../../helpers/sample-rows.ts';
import { tempDir } from '../../helpers/temp.ts';
import { writeSmallConfig } from '../../helpers/small-data.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const ladder = (cwd: string, ...args: string[]) =>
  spawnSync(process.execPath, [join(root, 'core', 'bin.mjs'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true' } });


test('SpatialLadder-26k rows: the released field names and question_type vocabulary; boxes in the named image\'s pixels', (t) => {
  t.deepEqual(groundingRows(samples), [
    { question_id: 0, question: 'q', answer: [{ bbox_2d: [28, 13, 84, 65], label: 'chair' }], image: ['media/room/0.jpg'], data_type: 'single_image' },
  ]);
  const spatial = spatialRows(samples);
  t.deepEqual(spatial.map((r) => r.question_type), ['object size', 'relative direction', 'object count', 'room size', 'relative direction']);
  t.deepEqual(spatial.map((r) => r.data_type), ['single_image', 'multi_view', 'video', 'video', 'single_image']);
  t.deepEqual(spatial[1], {
    question_id: 1,
    question: 'q',
    options: ['A. front-left', 'B. back-left', 'C. back-right', 'D. front-right'],
    answer: 'C',
    image: ['1.jpg', '2.jpg'],
    question_type: 'relative direction',
    data_type: 'multi_view',
  });
  t.is(spatial[0]!.options, null, 'numeric questions have null options');
});

test('TRL rows: system and user messages, images before the text, a completion for SFT or a solution for GRPO, the sample as JSON', (t) => {
  const sft = trlRow(samples[2]!, { style: 'direct', completion: 'C', imageRoot: '/data/set' });
  t.deepEqual(sft.images, ['/data/set/1.jpg', '/data/set/2.jpg']);
  t.deepEqual(sft.prompt.map((m) => m.role), ['system', 'user']);
  t.is(sft.prompt[1]!.content, "q\nOptions:\nA. front-left\nB. back-left\nC. back-right\nD. front-right\nPlease answer with the option's letter from the given choices (e.g., A, B, etc.) directly.");
  t.deepEqual(sft.completion, [{ role: 'assistant', content: 'C' }]);
  t.is(sft.solution, undefined);
  t.deepEqual(JSON.parse(sft.sample), samples[2]);
  const grpo = trlRow(samples[0]!, { style: 'think' });
  t.is(grpo.completion, undefined);
  t.is(grpo.solution, '45');
  t.regex(grpo.prompt[1]!.content, /<think> <\/think> tags.*<answer> <\/answer> tags/);
});

test('VLM-R1 rows: one <image> per image before the question and options', (t) => {
  const row = vlmR1Row(samples[2]!, 7) as { id: number; image: string[]; conversations: { from: string; value: string }[] };
  t.is(row.id, 7);
  t.deepEqual(row.image, ['1.jpg', '2.jpg']);
  t.deepEqual(row.conversations, [
    { from: 'human', value: '<image><image>q\nOptions:\nA. front-left\nB. back-left\nC. back-right\nD. front-right' },
    { from: 'gpt', value: 'C' },
  ]);
});

test('ladder data export: every format names the resized images, boxes inside them, and a card whose counts match the files', async (t) => {
  const dir = tempDir(t);
  const config = writeSmallConfig(dir);
  const bad = ladder(dir, 'data', 'export', '-c', config, '--format', 'parquet', '--out', join(dir, 'x'));
  t.is(bad.status, 2);
  t.regex(bad.stderr, /--format parquet: expected one of trl, vlm-r1, spatialladder/);

  const built = ladder(dir, 'data', 'build', '-c', config, '--json');
  t.is(built.status, 0, built.stderr);
  const datasetDir = (JSON.parse(built.stdout.trim().split('\n').at(-1)!) as { dir: string }).dir;
  const all = readJsonLines<Sample>(join(datasetDir, 'samples.jsonl'));
  const byId = new Map(all.map((s) => [s.id, s]));
  const localization = all.filter((s) => s.task === 'localization');
  t.true(localization.length > 0);

  const checkBoxes = async (out: string, image: string, boxes: { bbox_2d: number[] }[], expected: Sample) => {
    const { width, height } = await sharp(join(out, image)).metadata();
    t.deepEqual(boxes, answerBoxes(expected), `${expected.id}: the boxes of the answer`);
    for (const { bbox_2d: [x1, y1, x2, y2] } of boxes) t.true(x1! >= 0 && y1! >= 0 && x2! <= width! && y2! <= height!, `${expected.id}: box inside ${width}x${height}`);
  };

  for (const format of ['trl', 'vlm-r1', 'spatialladder']) {
    const out = join(dir, format);
    const run = ladder(dir, 'data', 'export', '-c', config, '--format', format, '--out', out, '--json');
    t.is(run.status, 0, run.stderr);
    const { rows, files } = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { rows: Record<string, Record<string, number>>; files: string[] };
    const card = readFileSync(join(out, 'README.md'), 'utf8');
    t.regex(card, /^---\n[\s\S]*\nconfigs:\n[\s\S]*\ndataset_info:\n[\s\S]*\n---\n/);
    t.regex(card, /license: mit/);
    for (const [config, splits] of Object.entries(rows))
      for (const [split, count] of Object.entries(splits)) {
        const file = files.find((f) => f.includes(split) && (format === 'spatialladder' ? f.includes(config) : f.startsWith(`${config}/`)))!;
        t.is(readJsonLines(join(out, file)).length, count, `${format} ${config} ${split}`);
        t.true(card.includes(`- name: ${split}\n    num_examples: ${count}`), `card counts ${format} ${config} ${split}`);
      }
    if (format === 'trl') {
      const perception = readJsonLines<{ id: string; images: string[]; completion: { content: string }[] }>(join(out, 'perception', 'train.jsonl'));
      for (const row of perception) await checkBoxes(out, row.images[0]!, JSON.parse(row.completion[0]!.content), byId.get(row.id)!);
      const understanding = readJsonLines<{ id: string; images: string[]; modality: string }>(join(out, 'understanding', 'train.jsonl'));
      const video = understanding.find((r) => r.modality === 'video')!;
      t.is(video.images.length, byId.get(video.id)!.media.images.length, 'video questions carry their frames as images');
    } else if (format === 'vlm-r1') {
      const grounding = readJsonLines<{ image: string[]; conversations: { value: string }[] }>(join(out, 'grounding', 'train.jsonl'));
      const train = localization.filter((s) => s.split === 'train');
      for (const [i, row] of grounding.entries()) await checkBoxes(out, row.image[0]!, JSON.parse(row.conversations[1]!.value), train[i]!);
    } else {
      const grounding = readJsonLines<{ image: string[]; answer: { bbox_2d: number[] }[] }>(join(out, 'train', 'spld_grounding_data.jsonl'));
      const train = localization.filter((s) => s.split === 'train');
      t.is(grounding.length, train.length);
      for (const [i, row] of grounding.entries()) await checkBoxes(out, row.image[0]!, row.answer, train[i]!);
      // the colour frame (160x120 here) and the image the model sees (resized to the budget) differ, so the fix is visible
      const facts = train[0]!.facts as { objects: { box2d: number[] }[] };
      t.notDeepEqual(grounding[0]!.answer[0]!.bbox_2d, facts.objects[0]!.box2d.map(Math.round));
    }
  }
});
