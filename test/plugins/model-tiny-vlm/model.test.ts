import test, { type ExecutionContext } from 'ava';
import { tinyVlmBackend, type TinyVlmPolicy } from '../../../plugins/model-tiny-vlm/index.ts';
import { Engine } from '../../../plugins/model-tiny-vlm/engine.ts';
import { jsKernels } from '../../../plugins/model-tiny-vlm/kernels.ts';
import { evenlySpaced } from '../../../plugins/model-tiny-vlm/model.ts';
import { samplePrompt } from '../../../lib/prompts/index.ts';
import type { AccumulateResult, Grounding, PolicyInput, TrainExample } from '../../../core/index.ts';
import { nllObjective, readTensorFile, writeTensorFile } from '../../../lib/training/index.ts';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tempDir } from '../../helpers/temp.ts';
import { writeToyDataset } from '../../helpers/toy-dataset.ts';

const TINY = { dim: 16, layers: 1, heads: 2, ffn: 32, visionDim: 8, imageWidth: 28, imageHeight: 28, maxLength: 512, initStd: 0.2 };
const log = () => {};

const TEXT_AND_MERGE = ['embed', 'pos', 'vision.patch', 'vision.pos', 'vision.merge1', 'l0.qkv', 'l0.out', 'l0.norm1', 'l0.up', 'l0.down', 'final.norm', 'head'];
const VISION_ENCODER = ['vision.patch', 'vision.pos', 'vision.l0.norm1', 'vision.l0.qkv', 'vision.l0.out', 'vision.l0.norm2', 'vision.l0.up', 'vision.l1.qkv', 'vision.l1.down', 'vision.norm', 'vision.merge1', 'l0.qkv'];

/** The analytic gradient of each named parameter's two largest entries against central differences of step `eps`. */
const gradientsMatchFiniteDifferences = (options: Record<string, unknown>, names: readonly string[], eps = 3e-3) => async (t: ExecutionContext) => {
  const dir = tempDir(t);
  const dataset = await writeToyDataset(dir, { count: 3, images: [1, 2] });
  const policy = (await tinyVlmBackend().create(options, { seed: 1, dataset, log })) as TinyVlmPolicy;
  const inputs = dataset.samples.map((s) => samplePrompt(s, dir, 'direct'));
  // sample 0 twice (two completions of one prompt: the prefix-shared path), sample 1 and 2 once
  const examples = [
    { input: inputs[0]!, completion: 'A 12' },
    { input: inputs[0]!, completion: 'B' },
    { input: inputs[1]!, completion: dataset.samples[1]!.answer },
    { input: inputs[2]!, completion: 'left' },
  ];
  const weights = examples.map((_, i) => (i + 1) / 4);
  const objective = (lp: number[][]) => ({ loss: lp.reduce((s, l, i) => s + weights[i]! * l.reduce((a, b) => a + b, 0), 0), grads: lp.map((l, i) => l.map(() => weights[i]!)) });
  const value = async () => {
    const lp = await policy.logProbs(examples.map((e) => e.input), examples.map((e) => e.completion));
    return objective(lp).loss;
  };
  await policy.accumulate(examples, objective);
  const analytic = policy.parameters().map((p) => Float32Array.from(p.grad));
  policy.parameters().forEach((p) => p.grad.fill(0));
  t.is(await matchFiniteDifferences(t, policy, analytic, names, value, 2, eps), 2 * names.length);
};

/**
 * Each named parameter's `top` entries of largest analytic gradient (well
 * above float32 noise) against central differences of `value`; returns how
 * many entries it checked.
 */
async function matchFiniteDifferences(t: ExecutionContext, policy: TinyVlmPolicy, analytic: Float32Array[], names: readonly string[], value: () => Promise<number>, top: number, eps: number): Promise<number> {
  const params = policy.parameters();
  let checked = 0;
  for (const name of names) {
    const i = params.findIndex((p) => p.name === name);
    const p = params[i]!;
    for (const j of [...analytic[i]!.keys()].sort((a, b) => Math.abs(analytic[i]![b]!) - Math.abs(analytic[i]![a]!)).slice(0, top)) {
      const original = p.value[j]!;
      p.value[j] = original + eps;
      policy.commit();
      const up = await value();
      p.value[j] = original - eps;
      policy.commit();
      const down = await value();
      p.value[j] = original;
      policy.commit();
      const numeric = (up - down) / (2 * eps);
      const exact = analytic[i]![j]!;
      t.true(Math.abs(numeric - exact) <= 0.03 * Math.abs(exact) + 2e-3, `${name}[${j}]: analytic ${exact}, numeric ${numeric}`);
      checked++;
    }
  }
  return checked;
}

test.serial('gradients of a per-token objective match finite differences (shared-prompt groups included)', gradientsMatchFiniteDifferences(TINY, TEXT_AND_MERGE));
test.serial('the same through 2 vision encoder layers', gradientsMatchFiniteDifferences({ ...TINY, visionLayers: 2 }, VISION_ENCODER));
test.serial('the same with rotary positions (no position table)', gradientsMatchFiniteDifferences({ ...TINY, positions: 'rotary' }, TEXT_AND_MERGE.filter((n) => n !== 'pos'), 1e-3)); // at 3e-3 a ReLU of the merge flips for vision.pos[16]

/** Two layers, two heads, rotary positions, a 2x2 token grid: a model whose grounding and copy heads differ, and three toy prompts (one with two images). */
async function attentionLossModel(t: ExecutionContext, style: 'direct' | 'think') {
  const dir = tempDir(t);
  const dataset = await writeToyDataset(dir, { count: 3, images: [1, 2] });
  const options = { ...TINY, imageWidth: 56, imageHeight: 56, heads: 2, layers: 2, positions: 'rotary' };
  const policy = (await tinyVlmBackend().create(options, { seed: 1, dataset, log })) as TinyVlmPolicy;
  t.teardown(() => policy.dispose());
  return { policy, inputs: dataset.samples.map((s) => samplePrompt(s, dir, style)) };
}

/** Every completion token's log-probability, weight 1. */
const sumLogProbs = (lp: number[][]) => ({ loss: lp.reduce((s, l) => s + l.reduce((a, b) => a + b, 0), 0), grads: lp.map((l) => l.map(() => 1)) });

/**
 * After one `accumulate` of `examples` (its gradients still in the
 * parameters): those gradients against finite differences of the objective
 * plus `extra` (the attention losses, weighted), and, with `strip` applied to
 * every example, `changed`'s gradient differs: the loss is in it.
 */
async function attentionLossMatches<E extends TrainExample>(t: ExecutionContext, policy: TinyVlmPolicy, examples: E[], extra: (r: AccumulateResult) => number, names: string[], strip: (e: E) => TrainExample, changed: string) {
  const params = policy.parameters();
  const analytic = params.map((p) => Float32Array.from(p.grad));
  const value = async () => {
    const r = await policy.accumulate(examples, sumLogProbs);
    params.forEach((p) => p.grad.fill(0));
    return r.loss + extra(r);
  };
  params.forEach((p) => p.grad.fill(0));
  t.is(await matchFiniteDifferences(t, policy, analytic, names, value, 3, 3e-3), 3 * names.length);
  await policy.accumulate(examples.map(strip), sumLogProbs);
  const param = params.find((p) => p.name === changed)!;
  const withLoss = analytic[params.indexOf(param)]!;
  t.true(param.grad.some((g, k) => Math.abs(g - withLoss[k]!) > 1e-3));
  params.forEach((p) => p.grad.fill(0));
}

test.serial("the grounding loss's gradients match finite differences (a 2x2 token grid, two images, a shared prompt)", async (t) => {
  const { policy, inputs } = await attentionLossModel(t, 'direct');
  const twoImages = inputs.findIndex((input) => input.images.length === 2);
  t.true(twoImages >= 0);
  const phrases: Grounding[] = [
    { phrase: 'box', regions: [{ image: 0, box: [0, 0, 0.4, 0.6] }, { image: 1, box: [0.5, 0.5, 1, 1] }] },
    { phrase: 'length', regions: [{ image: 0, box: [0.6, 0.1, 0.9, 0.3] }] },
    { phrase: 'not in the prompt', regions: [{ image: 0, box: [0, 0, 1, 1] }] },
  ];
  const grounding = { weight: 0.7, phrases };
  const examples = [
    { input: inputs[twoImages]!, completion: 'A 12', grounding },
    { input: inputs[twoImages]!, completion: 'B', grounding }, // the same prompt: one group of two completions
    { input: inputs[(twoImages + 1) % 3]!, completion: 'left', grounding },
  ];
  const first = await policy.accumulate(examples, sumLogProbs);
  t.truthy(first.grounding, 'grounded rows were found');
  const found = (input: PolicyInput) => ['box', 'length'].filter((phrase) => input.prompt.includes(phrase)).length;
  t.is(first.grounding!.phrases, found(examples[0]!.input) + found(examples[2]!.input), "each prompt's phrases once (the shared prompt once), none for a phrase not in it");
  // without grounding the same examples give other gradients at the grounded head's layer: the loss is in them
  const names = ['l0.qkv', 'l1.qkv', 'embed', 'vision.merge1', 'vision.patch'];
  await attentionLossMatches(t, policy, examples, (r) => grounding.weight * r.grounding!.loss, names, ({ grounding: _g, ...e }) => e, 'l0.qkv');
});

test.serial("the copy loss's gradients match finite differences (mentions in the completion attend to the prompt's, beside grounding)", async (t) => {
  const { policy, inputs } = await attentionLossModel(t, 'think');
  const copy = { weight: 0.8, phrases: ['box', 'length', 'not in the prompt'] };
  const grounding = { weight: 0.5, phrases: [{ phrase: 'box', regions: [{ image: 0, box: [0, 0, 0.4, 0.6] as [number, number, number, number] }] }] };
  const examples = [
    { input: inputs[0]!, completion: '<think>I see the box. I see the box.</think><answer>B</answer>', copy, grounding },
    { input: inputs[1]!, completion: '<think>the length of the box</think><answer>12</answer>', copy },
    { input: inputs[2]!, completion: '<think>nothing named</think><answer>A</answer>', copy },
  ];
  const first = await policy.accumulate(examples, sumLogProbs);
  // a mention is copied token by token: " box" twice, then " length" and " box" (the prompts write both)
  t.true(inputs[0]!.prompt.includes(' box') && inputs[1]!.prompt.includes(' length') && inputs[1]!.prompt.includes(' box'));
  t.is(first.copy?.tokens, 4);
  t.truthy(first.grounding);
  // the copy head is the last layer's: without copy, l1.qkv's gradient changes
  const names = ['l0.qkv', 'l1.qkv', 'embed', 'vision.merge1'];
  const extra = (r: AccumulateResult) => copy.weight * r.copy!.loss + grounding.weight * r.grounding!.loss;
  await attentionLossMatches(t, policy, examples, extra, names, ({ copy: _c, ...e }) => e, 'l1.qkv');
});

test.serial('shared-prompt scoring equals scoring each completion alone', async (t) => {
  const dir = tempDir(t);
  const dataset = await writeToyDataset(dir, { count: 2, images: [2, 2] });
  const policy = (await tinyVlmBackend().create(TINY, { seed: 2, dataset, log })) as TinyVlmPolicy;
  const input = samplePrompt(dataset.samples[1]!, dir, 'think');
  const completions = ['<think>the red box</think><answer>3</answer>', 'B', '12'];
  const together = await policy.logProbs(completions.map(() => input), completions);
  const alone = await Promise.all(completions.map(async (c) => (await policy.logProbs([input], [c]))[0]!));
  together.forEach((lp, i) => lp.forEach((x, k) => t.true(Math.abs(x - alone[i]![k]!) < 1e-4, `${i}/${k}: ${x} vs ${alone[i]![k]}`)));
});

test.serial('initial weights depend only on (seed, options, tokenizer); save/load keeps them exactly', async (t) => {
  const dir = tempDir(t);
  const dataset = await writeToyDataset(dir, { count: 6, images: [1, 2] });
  const make = (seed: number, data = dataset) => tinyVlmBackend().create(TINY, { seed, dataset: data, log }) as Promise<TinyVlmPolicy>;
  const bytes = (p: TinyVlmPolicy) => p.parameters().map((x) => Buffer.from(x.value.buffer).toString('base64')).join();
  const [a, b, c] = await Promise.all([make(5), make(5), make(6)]);
  t.is(bytes(a), bytes(b));
  t.not(bytes(a), bytes(c));
  // same dataset in another order -> same tokenizer -> same weights (stages see subsets; the model sees the whole set)
  const shuffled = { ...dataset, samples: [...dataset.samples].reverse() };
  t.is(bytes(await make(5, shuffled)), bytes(a));
  await a.save(`${dir}/ckpt`);
  const loaded = (await tinyVlmBackend().load!(`${dir}/ckpt`, { seed: 0, log })) as TinyVlmPolicy;
  t.is(bytes(loaded), bytes(a));
  t.deepEqual(loaded.tokenizer.tokens, a.tokenizer.tokens);
});

test.serial('a checkpoint records every model option and loading applies them, not the defaults', async (t) => {
  const dir = tempDir(t);
  const dataset = await writeToyDataset(dir, { count: 4, images: [1, 2] });
  // non-default runtime options (batching, decode rows, kernels, workers) beside the architecture
  const options = { ...TINY, batchTokens: 300, decodeRows: 3, maxImages: 5, backend: 'js', workers: 1 };
  const policy = (await tinyVlmBackend().create(options, { seed: 3, dataset, log })) as TinyVlmPolicy;
  await policy.save(`${dir}/ckpt`);
  const manifest = JSON.parse(readFileSync(`${dir}/ckpt/policy.json`, 'utf8'));
  t.is(manifest.format, 2);
  t.like(manifest.options, options);
  t.is(manifest.weights, 'model.safetensors');
  const loaded = (await tinyVlmBackend().load!(`${dir}/ckpt`, { seed: 0, log })) as TinyVlmPolicy;
  t.deepEqual(loaded.options, policy.options);
  t.deepEqual(loaded.limits, { batchTokens: 300, decodeRows: 3, workers: 1, kernels: 'js' });
  t.is(loaded.model.config.maxImages, 5);
  // the same generations as the saved policy (decodeRows 3 splits 4 inputs into chunks the same way)
  const inputs = dataset.samples.map((s) => samplePrompt(s, dir, 'direct'));
  const sampling = { maxTokens: 4, temperature: 1, topP: 0.9, seed: 5, n: 2 };
  t.deepEqual(await loaded.generate(inputs, sampling), await policy.generate(inputs, sampling));
  // a checkpoint saved with a TensorFlow.js backend (an earlier release) loads with the default kernels, and says so
  writeFileSync(`${dir}/ckpt/policy.json`, JSON.stringify({ ...manifest, options: { ...manifest.options, backend: 'wasm' } }));
  const logs: string[] = [];
  const old = (await tinyVlmBackend().load!(`${dir}/ckpt`, { seed: 0, log: (m) => void logs.push(m) })) as TinyVlmPolicy;
  t.is(old.options.backend, 'auto');
  t.regex(logs.join('\n'), /saved with the TensorFlow\.js backend "wasm", which this release no longer has/);
});

test.serial('a checkpoint of the earlier format (policy.json format 1, weights.bin) loads, with a warning that its runtime options are the defaults', async (t) => {
  const dir = tempDir(t);
  const dataset = await writeToyDataset(dir, { count: 2, images: [1, 1] });
  const policy = (await tinyVlmBackend().create(TINY, { seed: 3, dataset, log })) as TinyVlmPolicy;
  await policy.save(`${dir}/ckpt`);
  // rewrite it as the earlier release did: weights.bin (u32 header length, { meta, tensors }), policy.json format 1
  const { tensors } = await readTensorFile(`${dir}/ckpt/model.safetensors`);
  let offset = 0;
  const index = [...tensors].map(([name, data]) => ({ name, shape: policy.model.specs.find((s) => s.name === name)!.shape, offset: (offset += data.length) - data.length, length: data.length }));
  let header = Buffer.from(JSON.stringify({ meta: {}, tensors: index }));
  header = Buffer.concat([header, Buffer.alloc((4 - ((4 + header.length) % 4)) % 4, 0x20)]);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  writeFileSync(`${dir}/ckpt/weights.bin`, Buffer.concat([length, header, ...[...tensors.values()].map((d) => Buffer.from(d.buffer, d.byteOffset, d.byteLength))]));
  rmSync(`${dir}/ckpt/model.safetensors`);
  writeFileSync(`${dir}/ckpt/policy.json`, JSON.stringify({ backend: 'tiny-vlm', format: 1, config: policy.model.config, parameters: 1 }));
  const logs: string[] = [];
  const loaded = (await tinyVlmBackend().load!(`${dir}/ckpt`, { seed: 0, log: (m) => void logs.push(m) })) as TinyVlmPolicy;
  t.deepEqual(loaded.parameters().map((p) => Array.from(p.value)), policy.parameters().map((p) => Array.from(p.value)));
  t.regex(logs.join('\n'), /format 1, weights\.bin\) and records no runtime options: loading it with the defaults/);
  writeFileSync(`${dir}/ckpt/policy.json`, JSON.stringify({ backend: 'tiny-vlm', format: 7 }));
  await t.throwsAsync(tinyVlmBackend().load!(`${dir}/ckpt`, { seed: 0, log }), { message: /policy\.json: tiny-vlm checkpoint format 7; this release reads formats 1 and 2/ });
});

test.serial('a checkpoint from before vision.slot loads with the slot at zero (the model it was trained as)', async (t) => {
  const dir = tempDir(t);
  const dataset = await writeToyDataset(dir, { count: 2, images: [1, 1] });
  const policy = (await tinyVlmBackend().create(TINY, { seed: 3, dataset, log })) as TinyVlmPolicy;
  await policy.save(`${dir}/ckpt`);
  const { tensors } = await readTensorFile(`${dir}/ckpt/model.safetensors`);
  const kept = policy.model.specs.filter((s) => s.name !== 'vision.slot').map((s) => ({ name: s.name, shape: s.shape, data: tensors.get(s.name)! }));
  await writeTensorFile(`${dir}/ckpt/model.safetensors`, kept);
  const loaded = (await tinyVlmBackend().load!(`${dir}/ckpt`, { seed: 0, log })) as TinyVlmPolicy;
  for (const p of loaded.parameters()) {
    if (p.name === 'vision.slot') t.true(p.value.length > 0 && p.value.every((v) => v === 0), 'the slot is zero');
    else t.deepEqual(Array.from(p.value), Array.from(tensors.get(p.name)!), p.name);
  }
});

test.serial('the fingerprint is a content hash: the same for the policy in memory and its loaded checkpoint, another after a step', async (t) => {
  const dir = tempDir(t);
  const dataset = await writeToyDataset(dir, { count: 4, images: [1, 1] });
  const make = (seed: number) => tinyVlmBackend().create(TINY, { seed, dataset, log }) as Promise<TinyVlmPolicy>;
  const policy = await make(3);
  const before = policy.fingerprint();
  t.regex(before, /^sha256:[0-9a-f]{64}$/);
  t.is((await make(3)).fingerprint(), before, 'same seed, options and data: same weights, same fingerprint');
  t.not((await make(4)).fingerprint(), before);
  await policy.save(`${dir}/a`);
  const loaded = (await tinyVlmBackend().load!(`${dir}/a`, { seed: 0, log })) as TinyVlmPolicy;
  t.is(loaded.fingerprint(), before, 'trained in memory or loaded from its checkpoint: one identity');
  t.is((await policy.snapshot()).fingerprint!(), before);
  policy.parameters()[0]!.value[0]! += 1e-3; // one weight moves
  policy.commit();
  t.not(policy.fingerprint(), before);
  await policy.save(`${dir}/a`); // retrained in place: the same path, another checkpoint
  t.is(((await tinyVlmBackend().load!(`${dir}/a`, { seed: 0, log })) as TinyVlmPolicy).fingerprint(), policy.fingerprint());
});

const decodingMatchesRecomputation = (options: Record<string, unknown>) => async (t: ExecutionContext) => {
  const dir = tempDir(t);
  const dataset = await writeToyDataset(dir, { count: 3, images: [1, 3] });
  const policy = (await tinyVlmBackend().create({ ...TINY, initStd: 0.3, ...options }, { seed: 4, dataset, log })) as TinyVlmPolicy;
  const inputs = dataset.samples.map((s) => samplePrompt(s, dir, 'direct'));
  const batched = await policy.generate(inputs, { maxTokens: 6, temperature: 0, topP: 1, seed: 0 });
  const eos = policy.tokenizer.id('<eos>');
  for (const [i, input] of inputs.entries()) {
    // greedy by full recomputation on the plain path (JavaScript kernels, no cache): argmax of the last row at every step
    const plain = new Engine(policy.model.config, policy.model.vocab, policy.model.specs, policy.values, jsKernels(policy.model.config));
    const ids: number[] = [];
    for (let step = 0; step < 6; step++) {
      const prompt = policy.model.encode(input);
      const batch = await policy.model.batch([{ prompt: { ...prompt, ids: [...prompt.ids, ...ids] }, completions: [] }]);
      const logits = plain.prefill(batch, () => {});
      const next = logits.indexOf(Math.max(...logits));
      ids.push(next);
      if (next === eos) break;
    }
    t.deepEqual(batched[i]![0]!.tokenIds, ids, `input ${i}`);
  }
  const sampled = (seed: number) => policy.generate(inputs, { maxTokens: 6, temperature: 1, topP: 0.9, seed, n: 3 });
  t.deepEqual(await sampled(9), await sampled(9));
  t.notDeepEqual(await sampled(9), await sampled(10));
};

test.serial('KV-cache decoding matches recomputing the whole sequence, with batched prompts of different lengths', decodingMatchesRecomputation({}));
test.serial('the same with rotary positions', decodingMatchesRecomputation({ positions: 'rotary' }));

test.serial('same seed gives the same loss curve', async (t) => {
  const dir = tempDir(t);
  const dataset = await writeToyDataset(dir, { count: 6, images: [1, 2] });
  const curve = async () => {
    const policy = (await tinyVlmBackend().create(TINY, { seed: 8, dataset, log })) as TinyVlmPolicy;
    const examples = dataset.samples.map((s) => ({ input: samplePrompt(s, dir, 'direct'), completion: s.answer }));
    const losses: number[] = [];
    for (let step = 0; step < 3; step++) {
      const r = await policy.accumulate(examples.slice(step * 2, step * 2 + 2), nllObjective);
      for (const p of policy.parameters()) for (let j = 0; j < p.value.length; j++) p.value[j]! -= 0.05 * p.grad[j]!;
      policy.commit();
      losses.push(r.loss);
    }
    return losses;
  };
  const a = await curve();
  t.deepEqual(await curve(), a);
  t.true(a.every(Number.isFinite));
});

test('more images than maxImages are subsampled evenly, in order', (t) => {
  t.deepEqual(evenlySpaced([0, 1, 2, 3, 4, 5, 6, 7, 8], 3), [0, 4, 8]);
  t.deepEqual(evenlySpaced([0, 1, 2, 3], 4), [0, 1, 2, 3]);
  t.deepEqual(evenlySpaced(['a', 'b'], 1), ['a']);
});

test.serial('bad model options and over-long sequences fail with messages naming the option', async (t) => {
  const dir = tempDir(t);
  const dataset = await writeToyDataset(dir, { count: 2, images: [1, 1] });
  await t.throwsAsync(tinyVlmBackend().create({ dim: 30, heads: 4 }, { seed: 1, dataset, log }), { message: /model\.options: dim: dim must be a multiple of heads/ });
  await t.throwsAsync(tinyVlmBackend().create({ imageWidth: 50 }, { seed: 1, dataset, log }), { message: /model\.options: imageWidth: image width 50 must be a multiple of 2 x patch \(28\)/ });
  await t.throwsAsync(tinyVlmBackend().create({ depth: 3 }, { seed: 1, dataset, log }), { message: /model\.options: .*depth/ });
  await t.throwsAsync(tinyVlmBackend().create({}, { seed: 1, log }), { message: /builds its tokenizer from the dataset/ });
  const policy = (await tinyVlmBackend().create({ ...TINY, maxLength: 40 }, { seed: 1, dataset, log })) as TinyVlmPolicy;
  await t.throwsAsync(policy.logProbs([samplePrompt(dataset.samples[0]!, dir, 'think')], ['A']), { message: /exceeds the model's maxLength 40 \(raise model\.options\.maxLength/ });
});
