import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tinyVlmBackend, type TinyVlmPolicy } from '../../../plugins/model-tiny-vlm/index.ts';
import { samplePrompt } from '../../../lib/prompts/index.ts';
import { sftStage } from '../../../plugins/stage-sft/index.ts';
import { tempDir } from '../../helpers/temp.ts';
import { stageContext } from '../../helpers/stage-context.ts';
import { writeToyDataset } from '../../helpers/toy-dataset.ts';

const MODEL = { dim: 64, layers: 2, heads: 2, ffn: 128, visionDim: 32, imageWidth: 56, imageHeight: 56, maxLength: 256 };

test('SFT drives a 10-sample set to zero answer error (greedy decode reproduces every answer)', async (t) => {
  const dir = tempDir(t);
  const dataset = await writeToyDataset(dir, { count: 10, images: [1, 2] });
  const policy = (await tinyVlmBackend().create(MODEL, { seed: 3, dataset, log: () => {} })) as TinyVlmPolicy;
  const { ctx, emitted } = stageContext({ policy, dataset, dir, kind: 'sft', options: { epochs: 60, batchSize: 10, lr: 1e-2, warmupRatio: 0.05, checkpointEvery: 0 } });
  const result = await sftStage.run(ctx);
  const losses = emitted.map((e) => e.loss as number);
  t.true(losses[0]! > 2, `first loss ${losses[0]}`);
  t.true(losses.at(-1)! < 0.2, `last loss ${losses.at(-1)}`);
  t.is(result.metrics.steps, 60);
  const outputs = await policy.generate(dataset.samples.map((s) => samplePrompt(s, dataset.dir, 'direct')), { maxTokens: 48, temperature: 0, topP: 1, seed: 0 });
  t.deepEqual(outputs.map((o) => o[0]!.text), dataset.samples.map((s) => s.answer));
});

test('mirror adds a flipped twin of each localization sample to the stage (its image under the stage directory)', async (t) => {
  const dir = tempDir(t);
  const dataset = await writeToyDataset(dir, { count: 8, images: [1, 1] });
  const policy = (await tinyVlmBackend().create({ ...MODEL, dim: 32, layers: 1, imageWidth: 28, imageHeight: 28 }, { seed: 3, dataset, log: () => {} })) as TinyVlmPolicy;
  const { ctx, emitted, logs } = stageContext({ policy, dataset, dir, kind: 'sft', options: { epochs: 1, batchSize: 2, checkpointEvery: 0, mirror: true } });
  const result = await sftStage.run(ctx);
  t.true(logs.includes('sft: 2 mirrored localization samples added'), logs.join('\n'));
  t.is(result.metrics.examples, 10);
  t.is(emitted.length, 5);
  t.deepEqual(readdirSync(join(ctx.dir, 'mirrored', 'media')).sort(), ['s0-v0.jpg', 's4-v0.jpg']);
});

test('every step emits the metrics of the issue; bad options name the stage and key', async (t) => {
  const dir = tempDir(t);
  const dataset = await writeToyDataset(dir, { count: 4, images: [1, 1] });
  const policy = (await tinyVlmBackend().create({ ...MODEL, dim: 32, layers: 1, imageWidth: 28, imageHeight: 28 }, { seed: 3, dataset, log: () => {} })) as TinyVlmPolicy;
  const { ctx, emitted } = stageContext({ policy, dataset, dir, kind: 'sft', options: { epochs: 1, batchSize: 2, checkpointEvery: 1 } });
  const result = await sftStage.run(ctx);
  t.deepEqual(emitted.map((e) => e.step), [1, 2]);
  for (const e of emitted) for (const key of ['loss', 'lr', 'grad_norm', 'completion_length', 'tokens_per_s', 'backend']) t.true(key in e, key);
  t.is(emitted[0]!.lr, 0); // warmup starts at 0, as Hugging Face's cosine schedule
  t.is(result.checkpoint, `${ctx.dir}/final`);
  t.deepEqual(readdirSync(ctx.dir).sort(), ['final', 'loss.png']);
  // the style it trained with (mixed tasks: direct) is in the result and the checkpoint's policy.json, also when resumed finished
  t.is(result.promptStyle, 'direct');
  t.is(JSON.parse(readFileSync(join(ctx.dir, 'final', 'policy.json'), 'utf8')).promptStyle, 'direct');
  const resumed = await sftStage.run({ ...ctx, resume: true });
  t.deepEqual(resumed, result);

  const bad = stageContext({ policy, dataset, dir, kind: 'sft', name: 'understanding', options: { batchsize: 2, lr: -1 } });
  const error = await t.throwsAsync(sftStage.run(bad.ctx));
  t.regex(error!.message, /curriculum stage "understanding" \(sft\): options\.batchsize: unknown key \(did you mean "batchSize"\?\); expected one of .*batchSize/);
  t.regex(error!.message, /curriculum stage "understanding" \(sft\): options\.lr: Too small/);
});

test('with `grounding`, each step also emits the grounding loss, which falls; without grounded samples or a model that grounds it stops, naming the option', async (t) => {
  const dir = tempDir(t);
  const dataset = await writeToyDataset(dir, { count: 8, images: [1, 2] });
  const policy = (await tinyVlmBackend().create(MODEL, { seed: 3, dataset, log: () => {} })) as TinyVlmPolicy;
  t.teardown(() => policy.dispose());
  const { ctx, emitted } = stageContext({ policy, dataset, dir, kind: 'sft', options: { epochs: 30, batchSize: 8, lr: 3e-3, grounding: 1, checkpointEvery: 0 } });
  await sftStage.run(ctx);
  const losses = emitted.map((e) => e.grounding_loss as number);
  t.true(losses.every(Number.isFinite), 'every step has one');
  t.true(losses.at(-1)! < 0.5 * losses[0]!, `grounding loss ${losses[0]} -> ${losses.at(-1)}`);

  const bare = { ...dataset, samples: dataset.samples.map(({ grounding: _g, ...s }) => s) };
  const stale = stageContext({ policy, dataset: bare, dir, kind: 'sft', name: 'perception', options: { grounding: 1 } });
  const error = await t.throwsAsync(sftStage.run(stale.ctx));
  t.regex(error!.message, /curriculum stage "perception" \(sft\): options\.grounding: no sample of .* has grounding .*ladder data build --force/);

  const other = { ...policy, id: 'other-model', trainer: { ...policy.trainer!, grounds: false } } as unknown as typeof policy;
  const unsupported = stageContext({ policy: other, dataset, dir, kind: 'sft', options: { grounding: 1 } });
  t.regex((await t.throwsAsync(sftStage.run(unsupported.ctx)))!.message, /options\.grounding: model "other-model" has no grounding loss/);
});
