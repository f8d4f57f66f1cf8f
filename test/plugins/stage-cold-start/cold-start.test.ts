import test, { type ExecutionContext } from 'ava';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, createLadder, hash32, LadderError, readJsonLines, z } from '../../../core/index.ts';
import { coldStartData, teacherSchema } from '../../../lib/training/index.ts';
import { imageDataUrl } from '../../../lib/media/index.ts';
import { samplePrompt } from '../../../lib/prompts/index.ts';
import coldStartPlugin, { coldStartStage } from '../../../plugins/stage-cold-start/index.ts';
import teacherPlugin from '../../../plugins/teacher-metadata/index.ts';
import { tinyVlmBackend, type TinyVlmPolicy } from '../../../plugins/model-tiny-vlm/index.ts';
import { tempDir } from '../../helpers/temp.ts';
import { REWARDS, accuracyReward, formatReward } from '../../helpers/rewards.ts';
import { stageContext } from '../../helpers/stage-context.ts';
import { writeToyDataset } from '../../helpers/toy-dataset.ts';
import { reply, server } from '../model-openai/chat-server.ts';

const teacherOptionsSchema = z.strictObject(teacherSchema);

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

test('with `copy`, each step also emits the copy loss, which falls; without grounded samples or a model that copies it stops, naming the option', async (t) => {
  const dir = tempDir(t);
  const dataset = await writeToyDataset(dir, { count: 8, images: [1, 1] });
  const ladder = await createLadder({ presets: [], plugins: [teacherPlugin(), coldStartPlugin()] }, { defaults: [] });
  const policy = (await tinyVlmBackend().create({ dim: 32, layers: 2, heads: 2, ffn: 64, visionDim: 16, imageWidth: 28, imageHeight: 28, maxLength: 512 }, { seed: 1, dataset, log: () => {} })) as TinyVlmPolicy;
  t.teardown(() => policy.dispose());
  const options = { generations: 1, lambda: 0.5, teacherOptions: { errorRate: 0, formatErrorRate: 0 }, epochs: 40, batchSize: 8, lr: 3e-3, copy: 1, checkpointEvery: 0 };
  const { ctx, emitted } = stageContext({ policy, dataset, dir, kind: 'cold-start', options, rewards: REWARDS });
  await coldStartStage(ladder).run(ctx);
  const losses = emitted.filter((e) => typeof e.loss === 'number').map((e) => e.copy_loss as number);
  t.is(losses.length, 40);
  t.true(losses.every(Number.isFinite), 'every step copies: the teacher names the question\'s box');
  t.true(losses.at(-1)! < 0.5 * losses[0]!, `copy loss ${losses[0]} -> ${losses.at(-1)}`);

  const bare = { ...dataset, samples: dataset.samples.map(({ grounding: _g, ...s }) => s) };
  const stale = stageContext({ policy, dataset: bare, dir: join(dir, 'stale'), kind: 'cold-start', name: 'cold', options: { copy: 1 }, rewards: REWARDS });
  t.regex((await t.throwsAsync(coldStartStage(ladder).run(stale.ctx)))!.message, /curriculum stage "cold" \(cold-start\): options\.copy: no sample of .* has grounding/);
  const other = { ...policy, id: 'other-model', trainer: { ...policy.trainer!, copies: false } } as unknown as typeof policy;
  const unsupported = stageContext({ policy: other, dataset, dir: join(dir, 'other'), kind: 'cold-start', options: { copy: 1 }, rewards: REWARDS });
  t.regex((await t.throwsAsync(coldStartStage(ladder).run(unsupported.ctx)))!.message, /options\.copy: model "other-model" has no copy loss/);
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

/**
 * A served teacher (model-openai against the test server) over 8 toy questions: it answers with the
 * thinking in `reasoning_content` (a vLLM reasoning parser) and the answer in `content`, right or
 * wrong by the request's seed; question `fail` gets vLLM's 400 for a prompt over the context length.
 */
async function servedTeacher(t: ExecutionContext, dir: string, fail: string[] = []) {
  const dataset = await writeToyDataset(dir, { count: 8, images: [1, 1] });
  // questions repeat; the views do not
  const byImage = new Map(await Promise.all(dataset.samples.map(async (s) => [await imageDataUrl(samplePrompt(s, dataset.dir, 'think').images[0]!), s] as const)));
  const chat = await server(t, (body, _req, res) => {
    const sample = byImage.get((body.messages.at(-1)!.content as { image_url?: { url: string } }[])[0]!.image_url!.url)!;
    if (fail.includes(sample.id)) {
      res.writeHead(400, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ object: 'error', message: "This model's maximum context length is 32768 tokens. However, you requested 40960 tokens.", type: 'BadRequestError', param: null, code: 400 }));
    }
    const choices = Array.from({ length: body.n }, (_, i) => ({
      content: `<answer>${(body.seed + i) % 3 ? sample.answer : 'wrong'}</answer>`,
      reasoning_content: `Seed ${body.seed}, choice ${i}: the answer to ${sample.id} is in the facts.`,
    }));
    reply(res, body, choices);
  });
  const ladder = await createLadder({ presets: [], plugins: [['model-openai', { baseURL: chat.baseURL, model: 'teacher-vl', retryBaseMs: 10 }], coldStartPlugin()] }, { defaults: [] });
  const options = teacherOptionsSchema.parse({ teacher: 'openai', teacherOptions: { reasoning: 'think' }, generations: 2, keepPerQuestion: 2, teacherBatch: 2 });
  assert.equal(new Set(byImage.values()).size, 8);
  const context = (name: string, extra: { resume?: boolean } = {}) =>
    stageContext({ policy: { id: 'unused', generate: async () => [] }, dataset, dir: join(dir, name), kind: 'cold-start', rewards: REWARDS, ...extra });
  return { dataset, chat, ladder, options, context };
}

test('a question the teacher fails on (a 400) is counted and logged with its id and the server\'s message; the others are kept, reasoning_content back in <think>', async (t) => {
  const dir = tempDir(t);
  const { ladder, options, context, chat } = await servedTeacher(t, dir, ['toy-5']);
  const { ctx, logs } = context('run');
  const { kept, summary } = await coldStartData(ladder, ctx, options);
  t.is(chat.requests.length, 8, 'one request per question: the 400 is not retried');
  t.like(summary, { candidates: 14, failed: 1 });
  t.false(kept.some((k) => k.id === 'toy-5'));
  t.true(kept.length > 0 && kept.every((k) => /^<think>Seed \d+, choice \d: the answer to toy-\d is in the facts\.<\/think><answer>/.test(k.completion)), kept[0]?.completion);
  t.true(logs.includes("cold-start: the teacher failed on question toy-5: POST " + chat.baseURL + "chat/completions: HTTP 400: This model's maximum context length is 32768 tokens. However, you requested 40960 tokens."), logs.join('\n'));
  t.true(logs.some((l) => /kept \d+ of 14 teacher completions .*; the teacher failed on 1 questions$/.test(l)), logs.join('\n'));
  t.deepEqual(readJsonLines(join(ctx.dir, 'cold-start.jsonl')), kept);
  t.false(existsSync(join(ctx.dir, 'cold-start.progress.jsonl')), 'the progress file is gone once the kept set is written');
});

test('a batch the teacher fails entirely, or failures on more than half of the questions, stop the stage naming the first messages', async (t) => {
  const dir = tempDir(t);
  const down = await servedTeacher(t, join(dir, 'down'), ['toy-2', 'toy-3']);
  const { ctx } = down.context('run');
  const error = await t.throwsAsync(coldStartData(down.ladder, ctx, down.options), { instanceOf: LadderError });
  t.regex(error!.message, /^stage "cold-start": the teacher "openai" failed on all 2 questions of the batch from question 2 \(nothing of it is saved: --resume asks it again\); question toy-2: POST \S+: HTTP 400: This model's maximum context length is 32768 tokens\. .*; question toy-3: /);
  t.deepEqual(readJsonLines<{ start: number }>(join(ctx.dir, 'cold-start.progress.jsonl')).map((b) => b.start), [0], 'the batch before it is saved');

  const most = await servedTeacher(t, join(dir, 'most'), ['toy-0', 'toy-2']);
  const run = most.context('run');
  const share = await t.throwsAsync(coldStartData(most.ladder, run.ctx, { ...most.options, teacherBatch: 3 }), { instanceOf: LadderError });
  t.regex(
    share!.message,
    /^stage "cold-start": the teacher "openai" failed on 2 of the 3 questions asked, more than half \(the batches so far are saved in \S+cold-start\.progress\.jsonl: --resume continues after them, their failures included; remove the file to ask them again\); question toy-0: POST \S+: HTTP 400: This model's maximum context length is 32768 tokens\. .*; question toy-2: /,
  );
});

test('killed after two teacher batches (and mid-write of the third), --resume asks only the rest and keeps what an uninterrupted run keeps', async (t) => {
  const dir = tempDir(t);
  const { ladder, options, context, chat } = await servedTeacher(t, dir, ['toy-1']);
  const whole = context('whole');
  const expected = await coldStartData(ladder, whole.ctx, options);
  const asked = chat.requests.length;

  const killed = context('killed');
  const controller = new AbortController();
  let batches = 0;
  Object.assign(killed.ctx, { signal: controller.signal, progress: () => ({ tick: () => ++batches === 2 && controller.abort(), done: () => {} }) });
  await t.throwsAsync(coldStartData(ladder, killed.ctx, options), { any: true, name: 'AbortError' });
  const progressFile = join(killed.ctx.dir, 'cold-start.progress.jsonl');
  t.is(readJsonLines(progressFile).length, 2);
  appendFileSync(progressFile, '{"start":4,"ids":["toy-4","toy-5"],"kept":[{"id":"toy-4","comp'); // a kill mid-append
  t.false(existsSync(join(killed.ctx.dir, 'cold-start.json')));

  const before = chat.requests.length;
  const resumed = context('killed', { resume: true });
  const result = await coldStartData(ladder, resumed.ctx, options);
  t.is(chat.requests.length - before, 4, 'questions 4-7 only');
  t.true(resumed.logs.includes(`cold-start: resumed 2 teacher batches (4 of 8 questions) from ${progressFile}`), resumed.logs.join('\n'));
  t.deepEqual(result, expected);
  t.is(readFileSync(join(killed.ctx.dir, 'cold-start.jsonl'), 'utf8'), readFileSync(join(whole.ctx.dir, 'cold-start.jsonl'), 'utf8'));
  t.is(readFileSync(join(killed.ctx.dir, 'cold-start.json'), 'utf8'), readFileSync(join(whole.ctx.dir, 'cold-start.json'), 'utf8'));
  t.is(expected.summary.failed, 1);
  t.true(asked === 8 && expected.kept.length > 0 && expected.kept.length < 14, `${expected.kept.length} kept: the seed decides which`);
});
