/**
 * The fast paths against the plain ones: worker threads against the main
 * thread, onnxruntime kernels against plain JavaScript, the heap top-p
 * against a full sort.
 */
import test from 'ava';
import { createRandom } from '../../../core/index.ts';
import { samplePrompt } from '../../../lib/prompts/index.ts';
import { AdamW, clipGradients, nllObjective, scaleGradients } from '../../../lib/training/index.ts';
import { tinyVlmBackend, type TinyVlmPolicy } from '../../../plugins/model-tiny-vlm/index.ts';
import { sampleToken, sampleTokenBySort } from '../../../plugins/model-tiny-vlm/generate.ts';
import { tempDir } from '../../helpers/temp.ts';
import { writeToyDataset } from '../../helpers/toy-dataset.ts';

const TINY = { dim: 16, layers: 2, heads: 2, ffn: 32, visionDim: 8, imageWidth: 28, imageHeight: 28, maxLength: 512, initStd: 0.2 };
const log = () => {};

/** Four AdamW steps on batches of 3 (one prompt shared by two completions); the weights after. */
async function train(policy: TinyVlmPolicy, dir: string, samples: Awaited<ReturnType<typeof writeToyDataset>>['samples']): Promise<Float32Array> {
  const examples = samples.map((s) => ({ input: samplePrompt(s, dir, 'direct'), completion: s.answer }));
  examples.push({ input: examples[0]!.input, completion: 'B' });
  const optimizer = new AdamW(policy.parameters(), { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 });
  for (let step = 0; step < 4; step++) {
    const batch = [examples[(step * 3) % examples.length]!, examples[(step * 3 + 1) % examples.length]!, examples.at(-1)!];
    const r = await policy.accumulate(batch, nllObjective);
    scaleGradients(policy.parameters(), 1 / r.completionTokens);
    clipGradients(policy.parameters(), 1);
    optimizer.step(3e-3);
    policy.commit();
  }
  return Float32Array.from(policy.values);
}

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
