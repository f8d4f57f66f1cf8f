import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLadder, evaluateBenchmark, type Dataset, type PolicyInput, type Sample } from '../../../core/index.ts';
import { createChance } from '../../../plugins/model-chance/index.ts';
import { MRA_THRESHOLDS, optionLetters, scoreAnswer } from '../../../lib/scoring/index.ts';
import { tempDir } from '../../helpers/temp.ts';
import { writeImage } from '../../lib/scoring/benchmark-files.ts';

/** Expected MRA of truth x u, u ~ U[0, 2): the relative error is U[0, 1), so P(hit t) = 1 - t. */
const NUMERIC_MEAN = MRA_THRESHOLDS.reduce((sum, t) => sum + (1 - t), 0) / MRA_THRESHOLDS.length;
/** Its variance: MRA = k/10 with probability 0.05 for k = 1..10, else 0. */
const NUMERIC_VAR = MRA_THRESHOLDS.reduce((sum, _, i) => sum + 0.05 * ((i + 1) / 10) ** 2, 0) - NUMERIC_MEAN ** 2;
const options = (k: number) => optionLetters(Array.from({ length: k })).map((l, i) => `${l}. option ${i}`);

test('analytic chance levels', (t) => {
  t.true(Math.abs(NUMERIC_MEAN - 0.275) < 1e-12);
  t.true(Math.abs(NUMERIC_VAR - (0.1925 - 0.275 ** 2)) < 1e-12);
});

test('chance lands on the analytic level per question kind (pure scoring, 6,000 rows each)', async (t) => {
  const n = 6000;
  const policy = createChance();
  const inputs: PolicyInput[] = Array.from({ length: 2 * n }, (_, i) => {
    const choice = i < n;
    const k = 2 + (i % 3);
    return {
      prompt: 'q',
      images: [],
      reference: choice
        ? { id: `c${i}`, task: 'mc', answer: 'ABCD'[i % k]!, answerKind: 'choice', options: options(k) }
        : { id: `n${i}`, task: 'num', answer: String(0.3 + (i % 97) * 1.7), answerKind: 'number' },
    };
  });
  const outputs = await policy.generate(inputs, { maxTokens: 8, temperature: 0, topP: 1, seed: 7 });
  const scores = outputs.map((o, i) => scoreAnswer(o[0]!.text, inputs[i]!.reference!).score);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const mc = mean(scores.slice(0, n));
  const mcExpected = mean(Array.from({ length: n }, (_, i) => 1 / (2 + (i % 3)))); // (1/2 + 1/3 + 1/4) / 3
  const mcSigma = Math.sqrt(mean(Array.from({ length: n }, (_, i) => (1 / (2 + (i % 3))) * (1 - 1 / (2 + (i % 3))))) / n);
  t.log(`multiple choice: ${mc.toFixed(4)} vs ${mcExpected.toFixed(4)} (sigma ${mcSigma.toFixed(4)})`);
  t.true(Math.abs(mc - mcExpected) < 4 * mcSigma);
  const num = mean(scores.slice(n));
  const numSigma = Math.sqrt(NUMERIC_VAR / n);
  t.log(`numeric MRA: ${num.toFixed(4)} vs ${NUMERIC_MEAN} (sigma ${numSigma.toFixed(4)})`);
  t.true(Math.abs(num - NUMERIC_MEAN) < 4 * numSigma);
  const letters = outputs.slice(0, n).map((o) => o[0]!.text);
  t.true(letters.every((l, i) => optionLetters(options(2 + (i % 3))).includes(l)), 'letters only among the row\'s options');
});

test('localization: one box per ground-truth label inside the frame; a box filling the frame scores 1/9 on average', async (t) => {
  const n = 4000;
  const frame = { width: 336, height: 252 };
  const inputs: PolicyInput[] = Array.from({ length: n }, (_, i) => ({
    prompt: 'q',
    images: [],
    reference: {
      id: `b${i}`,
      task: 'localization',
      answer: JSON.stringify([{ bbox_2d: [0, 0, 336, 252], label: 'floor' }, ...(i % 2 ? [{ bbox_2d: [10, 20, 60, 90], label: 'chair' }] : [])]),
      answerKind: 'boxes',
      facts: { image: { resizedWidth: frame.width, resizedHeight: frame.height } },
    },
  }));
  const outputs = await createChance().generate(inputs, { maxTokens: 8, temperature: 0, topP: 1, seed: 5 });
  const floor: number[] = [];
  outputs.forEach(([out], i) => {
    const boxes = JSON.parse(out!.text) as { bbox_2d: number[]; label: string }[];
    t.deepEqual(boxes.map((b) => b.label), i % 2 ? ['floor', 'chair'] : ['floor']);
    for (const { bbox_2d: [x1, y1, x2, y2] } of boxes) t.true(0 <= x1! && x1! <= x2! && x2! <= frame.width && 0 <= y1! && y1! <= y2! && y2! <= frame.height);
    const [x1, y1, x2, y2] = boxes[0]!.bbox_2d as [number, number, number, number];
    floor.push(((x2 - x1) * (y2 - y1)) / (frame.width * frame.height));
    if (i % 2 === 0) t.is(scoreAnswer(out!.text, inputs[i]!.reference!).score, floor.at(-1)!, 'IoU with the whole frame is the area share');
  });
  // E[|u - v|] = 1/3 for u, v ~ U[0, 1), independently in x and y; E[|u - v|^2] = 1/6, so the variance is 1/36 - 1/81
  const mean = floor.reduce((a, b) => a + b, 0) / n;
  const sigma = Math.sqrt((1 / 36 - 1 / 81) / n);
  t.log(`area share of a chance box: ${mean.toFixed(4)} vs ${(1 / 9).toFixed(4)} (sigma ${sigma.toFixed(4)})`);
  t.true(Math.abs(mean - 1 / 9) < 4 * sigma);
});

test('answers depend only on (seed, row id, completion): batching and order do not matter', async (t) => {
  const policy = createChance();
  const input = (id: string): PolicyInput => ({ prompt: 'q', images: [], reference: { id, task: 'n', answer: '10', answerKind: 'number' } });
  const sampling = { maxTokens: 8, temperature: 1, topP: 1, seed: 3, n: 3 };
  const together = await policy.generate([input('a'), input('b')], sampling);
  const [alone] = await policy.generate([input('b')], sampling);
  t.deepEqual(alone, together[1]);
  t.is(new Set(together[0]!.map((g) => g.text)).size, 3, 'n completions differ');
  t.notDeepEqual((await policy.generate([input('a')], { ...sampling, seed: 4 }))[0], together[0]);
});

test('through the held-out benchmark: per-type chance within 4 sigma; same seed, same bytes', async (t) => {
  const dir = tempDir(t);
  await writeImage(join(dir, 'data', 'img.jpg'), 1);
  const tasks: [string, Sample['answerKind'], number][] = [
    ['object-counting', 'number', 0],
    ['object-size', 'number', 0],
    ['relative-distance', 'choice', 2],
    ['relative-direction', 'choice', 4],
    ['appearance-order', 'choice', 4],
  ];
  const perTask = 1500;
  const samples: Sample[] = tasks.flatMap(([task, answerKind, k]) =>
    Array.from({ length: perTask }, (_, i) => ({
      id: `${task}-${i}`,
      task,
      modality: 'single-image' as const,
      scene: `scene${i % 5}`,
      question: 'q',
      options: k ? options(k) : undefined,
      answer: k ? 'ABCD'[i % k]! : String(1 + (i % 13)),
      answerKind,
      media: { images: ['img.jpg'] },
      split: 'held-out' as const,
    })),
  );
  const dataset: Dataset = { dir: join(dir, 'data'), manifest: {}, samples };
  const run = async (seed: number, out: string) => {
    const ladder = await createLadder({ seed, plugins: ['benchmark-held-out', 'model-chance'], evaluate: { batchSize: 64 } }, { defaults: [] });
    const policy = await ladder.get('models', 'chance').create({}, { seed, log: () => undefined });
    return evaluateBenchmark(ladder, policy, 'held-out', join(dir, out), { dataset });
  };
  const report = await run(11, 'a');
  for (const score of report.scores) {
    const [, , k] = tasks.find(([task]) => task === score.type)!;
    const expected = k ? 1 / k : NUMERIC_MEAN;
    const sigma = Math.sqrt((k ? expected * (1 - expected) : NUMERIC_VAR) / perTask);
    t.log(`${score.type}: ${score.score.toFixed(2)} vs ${(100 * expected).toFixed(2)} (4 sigma = ${(400 * sigma).toFixed(2)})`);
    t.true(Math.abs(score.score / 100 - expected) < 4 * sigma, score.type);
  }
  await run(11, 'b');
  const bytes = (out: string) => readFileSync(join(dir, out, 'predictions.jsonl'), 'utf8');
  t.is(bytes('a'), bytes('b'));
  await run(12, 'c');
  t.not(bytes('a'), bytes('c'));
});
