import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, createLadder, hash32, readJsonLines } from '../../../core/index.ts';
import { samplePrompt } from '../../../lib/prompts/index.ts';
import coldStartPlugin, { coldStartStage } from '../../../plugins/stage-cold-start/index.ts';
import teacherPlugin from '../../../plugins/teacher-metadata/index.ts';
import { tinyVlmBackend, type TinyVlmPolicy } from '../../../plugins/model-tiny-vlm/index.ts';
import { tempDir } from '../../helpers/temp.ts';
import { REWARDS, accuracyReward, formatReward } from '../../helpers/rewards.ts';
import { stageContext } from '../../helpers/stage-context.ts';
import { writeToyDataset } from '../../helpers/toy-dataset.ts';

test('cold start keeps exactly the teacher completions with R > 1 + lambda (default weights), then fine-tunes on them', async (t) => {
  const dir = tempDir(t);
  const dataset = await writeToyDataset(dir, { count: 8, images: [1, 1] });
  const ladder = await createLadder({ presets: [], plugins: [teacherPlugin(), coldStartPlugin()] }, { defaults: [] });
  const policy = (await tinyVlmBackend().create({ dim: 32, layers: 1, heads: 2, ffn: 64, visionDim: 16, imageWidth: 28, imageHeight: 28, maxLength: 512 }, { seed: 1, dataset, log: () => {} })) as TinyVlmPolicy;
  const teacherOptions = { errorRate: 0.4, formatErrorRate: 0.2 };
  const options = { generations: 3, lambda: 0.5, keepPerQuestion: 3, teacherOptions, epochs: 1, batchSize: 4, checkpointEvery: 0 };
  const { ctx, emitted } = stageContext({ policy, dataset, dir, kind: 'cold-start', options, rewards: REWARDS });
  const result = await coldStartStage(ladder).run(ctx);

  // regenerate the teacher's completions (one batch: seeded by stage seed, name, batch start) and score each independently
  const teacher = await ladder.get('models', 'metadata-teacher').create(teacherOptions, { seed: 7, log: () => {} });
  const inputs = dataset.samples.map((s) => samplePrompt(s, dataset.dir, 'think'));
  const all = await teacher.generate(inputs, { maxTokens: 512, temperature: 1, topP: 1, seed: hash32('7:cold-start:teacher-0'), n: 3 });
  const passing = all.flatMap((g, q) =>
    g.filter((o) => (formatReward([o.text], [dataset.samples[q]!]) as number[])[0]! + (accuracyReward([o.text], [dataset.samples[q]!]) as number[])[0]! > 1.5).map((o) => o.text),
  );
  const kept = readJsonLines<{ id: string; completion: string; reward: number }>(join(ctx.dir, 'cold-start.jsonl'));
  const summary = JSON.parse(readFileSync(join(ctx.dir, 'cold-start.json'), 'utf8'));
  t.is(summary.candidates, 24);
  t.is(kept.length, summary.kept);
  t.true(kept.length > 0 && kept.length < 24, `kept ${kept.length}`);
  for (const k of kept) {
    const sample = dataset.samples.find((s) => s.id === k.id)!;
    const R = (formatReward([k.completion], [sample]) as number[])[0]! + (accuracyReward([k.completion], [sample]) as number[])[0]!;
    t.true(R > 1.5, `${k.id}: R ${R}`);
  }
  t.deepEqual(kept.map((k) => k.completion), passing);
  t.is(emitted[0]!.phase, 'rejection-sampling');
  t.is(result.metrics.kept, kept.length);
  t.is(result.metrics.steps, Math.ceil(kept.length / 4));
  t.is(result.promptStyle, 'think');
  t.is(JSON.parse(readFileSync(join(ctx.dir, 'final', 'policy.json'), 'utf8')).promptStyle, 'think');
  t.true(emitted.slice(1).every((e) => typeof e.loss === 'number' && typeof e.step === 'number'));
});

test('the keep rule follows the weights: with accuracy weighed 3, format = 1 and accuracy > lambda, never a broken format paid for by accuracy', async (t) => {
  const dir = tempDir(t);
  const dataset = await writeToyDataset(dir, { count: 8, images: [1, 1] });
  const ladder = await createLadder({ presets: [], plugins: [teacherPlugin(), coldStartPlugin()] }, { defaults: [] });
  const policy = await tinyVlmBackend().create({ dim: 32, layers: 1, heads: 2, ffn: 64, visionDim: 16, imageWidth: 28, imageHeight: 28, maxLength: 512 }, { seed: 1, dataset, log: () => {} });
  const teacherOptions = { errorRate: 0.3, formatErrorRate: 0.5 };
  const options = { generations: 4, lambda: 0.5, keepPerQuestion: 4, teacherOptions, epochs: 1, batchSize: 4, checkpointEvery: 0, maxSteps: 1 };
  const weights = { format: 1, accuracy: 3 };
  const rewards = { format: { reward: formatReward, weight: weights.format }, accuracy: { reward: accuracyReward, weight: weights.accuracy } };
  const { ctx, logs } = stageContext({ policy, dataset, dir, kind: 'cold-start', options, rewards });
  await coldStartStage(ladder).run(ctx);

  const teacher = await ladder.get('models', 'metadata-teacher').create(teacherOptions, { seed: 7, log: () => {} });
  const inputs = dataset.samples.map((s) => samplePrompt(s, dataset.dir, 'think'));
  const all = await teacher.generate(inputs, { maxTokens: 512, temperature: 1, topP: 1, seed: hash32('7:cold-start:teacher-0'), n: 4 });
  const scored = all.flatMap((g, q) =>
    g.map((o) => {
      const sample = dataset.samples[q]!;
      const format = (formatReward([o.text], [sample]) as number[])[0]!;
      const accuracy = (accuracyReward([o.text], [sample]) as number[])[0]!;
      return { id: sample.id, text: o.text, format, accuracy, R: weights.format * format + weights.accuracy * accuracy };
    }),
  );
  // the case the old rule got wrong: a broken format with a right answer has R = 3 > 1 + lambda
  t.true(scored.some((c) => c.format === 0 && c.R > 1 + 0.5), 'the teacher wrote broken formats with right answers');
  t.true(scored.some((c) => c.format === 1 && c.accuracy <= 0.5), 'and well-formed wrong answers');
  const kept = readJsonLines<{ id: string; completion: string; reward: number }>(join(ctx.dir, 'cold-start.jsonl'));
  t.deepEqual(
    kept.map((k) => k.completion),
    scored.filter((c) => c.format === 1 && c.accuracy > 0.5).map((c) => c.text),
  );
  t.deepEqual(kept.map((k) => k.reward), scored.filter((c) => c.format === 1 && c.accuracy > 0.5).map((c) => c.R), 'R is weighed 1 x format + 3 x accuracy');
  t.true(kept.every((k) => k.reward > weights.format + 0.5 * weights.accuracy));
  t.true(logs.some((l) => /kept \d+ of 32 teacher completions \(format = 1 and accuracy > 0\.5\)/.test(l)), logs.join('\n'));
});

test('the keep rule needs the format and accuracy rewards with positive weights, and says where to set them', async (t) => {
  const dir = tempDir(t);
  const dataset = await writeToyDataset(dir, { count: 2, images: [1, 1] });
  const ladder = await createLadder({ presets: [], plugins: [teacherPlugin(), coldStartPlugin()] }, { defaults: [] });
  const policy = await tinyVlmBackend().create({ dim: 32, layers: 1, heads: 2, ffn: 64, visionDim: 16, imageWidth: 28, imageHeight: 28, maxLength: 512 }, { seed: 1, dataset, log: () => {} });
  const { ctx } = stageContext({ policy, dataset, dir, kind: 'cold-start', name: 'cold', rewards: { format: { reward: formatReward, weight: 1 }, accuracy: { reward: accuracyReward, weight: 0 } } });
  const error = await t.throwsAsync(coldStartStage(ladder).run(ctx), { instanceOf: ConfigError });
  t.is(
    error!.message,
    'curriculum stage "cold" (cold-start): the keep rule needs the "accuracy" reward with a positive weight; the stage\'s rewards are {"format":1,"accuracy":0} (set `rewards` on the curriculum entry or in the config)',
  );
});
