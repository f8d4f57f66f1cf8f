/**
 * The fast paths against the plain ones: worker threads against the main
 * thread (the optimizer's passes on them against plain loops), onnxruntime
 * kernels against plain JavaScript, the heap top-p against a full sort.
 */
import test from 'ava';
import { createRandom } from '../../../core/index.ts';
import { samplePrompt } from '../../../lib/prompts/index.ts';
import { AdamW, nllObjective, readTensorFile } from '../../../lib/training/index.ts';
import { tinyVlmBackend, type TinyVlmPolicy } from '../../../plugins/model-tiny-vlm/index.ts';
import { sampleToken, sampleTokenBySort } from '../../../plugins/model-tiny-vlm/generate.ts';
import { sumSlots } from '../../../plugins/model-tiny-vlm/loops.ts';
import { ranges } from '../../../plugins/model-tiny-vlm/pool.ts';
import { ReferenceAdamW } from '../../helpers/reference-adamw.ts';
import { tempDir } from '../../helpers/temp.ts';
import { writeToyDataset } from '../../helpers/toy-dataset.ts';

const TINY = { dim: 16, layers: 2, heads: 2, ffn: 32, visionDim: 8, imageWidth: 28, imageHeight: 28, maxLength: 512, initStd: 0.2 };
const log = () => {};
const OPTIMIZER = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
type Samples = Awaited<ReturnType<typeof writeToyDataset>>['samples'];

/**
 * Four optimizer steps on batches of 3 (one prompt shared by two
 * completions), `step` taking each (it gets the step's completion tokens and
 * max norm); the weights after.
 */
async function train(policy: TinyVlmPolicy, dir: string, samples: Samples, step?: (tokens: number, maxNorm: number) => Promise<unknown>): Promise<Float32Array> {
  const examples = samples.map((s) => ({ input: samplePrompt(s, dir, 'direct'), completion: s.answer }));
  examples.push({ input: examples[0]!.input, completion: 'B' });
  const optimizer = new AdamW(policy.parameters(), OPTIMIZER, policy.threads);
  step ??= (tokens, maxNorm) => optimizer.step(3e-3, { scale: 1 / tokens, maxGradNorm: maxNorm });
  for (let k = 0; k < 4; k++) {
    const batch = [examples[(k * 3) % examples.length]!, examples[(k * 3 + 1) % examples.length]!, examples.at(-1)!];
    const r = await policy.accumulate(batch, nllObjective);
    await step(r.completionTokens, [1, 0.5, 100, 0][k]!); // clipped, clipped, not clipped, no clipping
    policy.commit();
  }
  return Float32Array.from(policy.values);
}

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function maxDiff(a: Float32Array | number[], b: Float32Array | number[]): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

test.serial('the same seed gives the same weights with 1 worker and with 2 workers, each bit for bit; the two agree to float rounding', async (t) => {
  const dir = tempDir(t);
  const dataset = await writeToyDataset(dir, { count: 6, images: [1, 3] });
  const weights = async (workers: number) => {
    const policy = (await tinyVlmBackend().create({ ...TINY, workers }, { seed: 3, dataset, log })) as TinyVlmPolicy;
    const w = await train(policy, dir, dataset.samples);
    await policy.dispose();
    return w;
  };
  const [one, oneAgain, two, twoAgain] = [await weights(1), await weights(1), await weights(2), await weights(2)];
  t.deepEqual(Buffer.from(oneAgain.buffer), Buffer.from(one.buffer));
  t.deepEqual(Buffer.from(twoAgain.buffer), Buffer.from(two.buffer));
  // the two worker counts sum the gradient in a different order: equal up to rounding, and training moved the weights
  t.true(maxDiff(one, two) < 1e-4, `1 vs 2 workers: ${maxDiff(one, two)}`);
  const initial = (await tinyVlmBackend().create({ ...TINY, workers: 1 }, { seed: 3, dataset, log })) as TinyVlmPolicy;
  t.true(maxDiff(one, initial.values) > 1e-3);
});

test.serial('the optimizer step on the worker threads gives the bits of plain loops on the main thread, with 1 and 2 workers', async (t) => {
  const dir = tempDir(t);
  const dataset = await writeToyDataset(dir, { count: 6, images: [1, 3] });
  const make = (workers: number) => tinyVlmBackend().create({ ...TINY, workers }, { seed: 3, dataset, log }) as Promise<TinyVlmPolicy>;
  for (const workers of [1, 2]) {
    const [fast, plain] = [await make(workers), await make(workers)];
    t.is(!!fast.threads, workers > 1, 'threads lent only with worker threads');
    const [optimizer, reference] = [new AdamW(fast.parameters(), OPTIMIZER, fast.threads), new ReferenceAdamW(plain.parameters(), OPTIMIZER)];
    const norms: number[] = [];
    await train(fast, dir, dataset.samples, (tokens, maxNorm) => optimizer.step(3e-3, { scale: 1 / tokens, maxGradNorm: maxNorm }));
    await train(plain, dir, dataset.samples, async (tokens, maxNorm) => norms.push(reference.step(3e-3, 1 / tokens, maxNorm)));
    t.true(norms[0]! > 1 && norms[1]! > 0.5 && norms[2]! < 100, `norms ${norms}`);
    t.deepEqual(bytes(fast.values), bytes(plain.values), `${workers} workers: weights`);
    // the moments too, as the checkpoint stores them
    await optimizer.save(`${dir}/optimizer-${workers}.safetensors`);
    const { tensors } = await readTensorFile(`${dir}/optimizer-${workers}.safetensors`);
    plain.parameters().forEach((p, i) => {
      t.deepEqual(bytes(tensors.get(`m/${p.name}`)!), bytes(reference.m[i]!), `${workers} workers: m/${p.name}`);
      t.deepEqual(bytes(tensors.get(`v/${p.name}`)!), bytes(reference.v[i]!), `${workers} workers: v/${p.name}`);
    });
    await fast.dispose();
    await plain.dispose();
  }
});

test('the replicas\' ranges cover the parameters once, in order, cut at multiples of 16 floats', (t) => {
  for (const [length, parts] of [[1063360, 2], [1000, 3], [17, 2], [5, 4], [0, 2]] as const) {
    const cuts = ranges(length, parts);
    t.is(cuts.length, parts);
    t.is(cuts[0]![0], 0);
    t.is(cuts.at(-1)![1], length);
    cuts.forEach(([from, to], w) => {
      t.true(from <= to);
      if (w > 0) t.is(from, cuts[w - 1]![1]);
      t.true(from % 16 === 0 || from === length);
    });
  }
  t.deepEqual(ranges(1000, 2), [[0, 512], [512, 1000]]);
});

test('the slots summed range by range give the bits of one sum in slot order, and are zeroed', (t) => {
  const random = createRandom(7, 'slots');
  const floats = (n: number) => Float32Array.from({ length: n }, () => (random.next() - 0.5) * 2 ** Math.floor(random.next() * 40 - 20));
  for (const count of [1, 2, 3]) {
    const n = 1000;
    const [grads, slots] = [floats(n), Array.from({ length: count }, () => floats(n))];
    // 1 + half an ulp + a little: rounded once it is 1 + an ulp, rounded after each addition 1
    if (count > 1) [grads[0], slots[0]![0], slots[1]![0]] = [1, 2 ** -24, 2 ** -30];
    // in double, in slot order, rounded once: what the release before range sums computed
    const expected = grads.map((g, j) => slots.reduce((sum, slot) => sum + slot[j]!, g));
    for (const [from, to] of ranges(n, 3)) sumSlots(grads, slots, from, to);
    t.deepEqual(bytes(grads), bytes(expected), `${count} slots`);
    t.true(slots.every((slot) => slot.every((x) => x === 0)));
  }
});

test.serial('onnxruntime kernels give the plain JavaScript path\'s log-probabilities, gradients and greedy completions', async (t) => {
  const dir = tempDir(t);
  const dataset = await writeToyDataset(dir, { count: 4, images: [1, 3] });
  const make = (backend: string) => tinyVlmBackend().create({ ...TINY, initStd: 0.3, backend, workers: 1 }, { seed: 5, dataset, log }) as Promise<TinyVlmPolicy>;
  const [fast, plain] = [await make('onnxruntime'), await make('js')];
  t.is(fast.device, 'onnxruntime');
  t.is(plain.device, 'js');
  const inputs = dataset.samples.map((s) => samplePrompt(s, dir, 'think'));
  const completions = ['<think>the red box</think><answer>3</answer>', 'B', '12', 'left'];
  const [a, b] = [await fast.logProbs(inputs, completions), await plain.logProbs(inputs, completions)];
  t.true(maxDiff(a.flat(), b.flat()) < 1e-4, `log-probs: ${maxDiff(a.flat(), b.flat())}`);
  const examples = inputs.map((input, i) => ({ input, completion: completions[i]! }));
  await fast.accumulate(examples, nllObjective);
  await plain.accumulate(examples, nllObjective);
  fast.parameters().forEach((p, i) => {
    const q = plain.parameters()[i]!;
    const scale = Math.max(1e-3, ...q.grad.map(Math.abs));
    t.true(maxDiff(p.grad, q.grad) < 1e-3 * scale, `${p.name}: ${maxDiff(p.grad, q.grad)} (largest ${scale})`);
  });
  const sampling = { maxTokens: 8, temperature: 0, topP: 1, seed: 0, n: 2 };
  t.deepEqual(
    (await fast.generate(inputs, sampling)).map((g) => g.map((x) => x.tokenIds)),
    (await plain.generate(inputs, sampling)).map((g) => g.map((x) => x.tokenIds)),
  );
});

test.serial('sampled completions do not depend on the worker count or on how inputs are batched', async (t) => {
  const dir = tempDir(t);
  const dataset = await writeToyDataset(dir, { count: 5, images: [1, 3] });
  const inputs = dataset.samples.map((s) => samplePrompt(s, dir, 'direct'));
  const sampling = { maxTokens: 6, temperature: 1, topP: 0.9, seed: 11, n: 3 };
  const run = async (workers: number, decodeRows: number) => {
    const policy = (await tinyVlmBackend().create({ ...TINY, initStd: 0.3, workers, decodeRows }, { seed: 6, dataset, log })) as TinyVlmPolicy;
    return (await policy.generate(inputs, sampling)).map((g) => g.map((x) => x.text));
  };
  const reference = await run(1, 32);
  t.deepEqual(await run(2, 32), reference);
  t.deepEqual(await run(2, 3), reference);
});

test('heap top-p picks exactly the tokens a full sort picks, at every temperature and top-p', (t) => {
  const random = createRandom(1, 'logits');
  for (let trial = 0; trial < 400; trial++) {
    const logits = Float32Array.from({ length: 50 }, () => Math.round(random.next() * 8) / 2); // many ties
    const options = { maxTokens: 1, temperature: [0, 0.5, 1, 2][trial % 4]!, topP: [1, 0.95, 0.5, 0.01][Math.floor(trial / 4) % 4]! };
    const seed = `draw-${trial}`;
    t.is(sampleToken(logits, options, createRandom(2, seed)), sampleTokenBySort(logits, options, createRandom(2, seed)), `trial ${trial}`);
  }
});

test('top-p sampling keeps only the nucleus and draws from it in proportion', (t) => {
  // probabilities 0.5, 0.3, 0.15, 0.05 at temperature 1: top-p 0.75 keeps the first two
  const logits = Float32Array.from([0.5, 0.3, 0.15, 0.05].map(Math.log));
  const counts = [0, 0, 0, 0];
  const random = createRandom(4, 'nucleus');
  for (let i = 0; i < 4000; i++) counts[sampleToken(logits, { maxTokens: 1, temperature: 1, topP: 0.75 }, random)]! += 1;
  t.deepEqual(counts.slice(2), [0, 0]);
  t.true(Math.abs(counts[0]! / 4000 - 0.625) < 0.03, `${counts}`);
});
