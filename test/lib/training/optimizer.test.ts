import test from 'ava';
import { AdamW, cosineWithWarmup, readTensorFile, writeTensorFile } from '../../../lib/training/index.ts';
import { createRandom, type ParameterThreads, type TrainableParameter } from '../../../core/index.ts';
import { ReferenceAdamW } from '../../helpers/reference-adamw.ts';
import { tempDir } from '../../helpers/temp.ts';

const param = (name: string, value: number[], decay: boolean): TrainableParameter => ({
  name,
  shape: [value.length],
  decay,
  value: Float32Array.from(value),
  grad: new Float32Array(value.length),
});

test('AdamW: two steps match the hand-computed update (bias correction, decoupled decay only on decay params)', async (t) => {
  const w = param('w', [1], true);
  const g = param('g', [1], false);
  const adam = new AdamW([w, g], { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 });
  w.grad[0] = g.grad[0] = 0.5;
  await adam.step(0.1);
  t.true(Math.abs(w.value[0]! - 0.899) < 1e-6, String(w.value[0]));
  t.true(Math.abs(g.value[0]! - 0.9) < 1e-6, String(g.value[0]));
  w.grad[0] = -0.5;
  await adam.step(0.1);
  // m = -0.005, v = 0.00049975; m^ = -0.0263158, v^ = 0.25
  t.true(Math.abs(w.value[0]! - 0.9033642) < 1e-6, String(w.value[0]));
  t.is(adam.steps, 2);
});

test('AdamW state round-trips through its file', async (t) => {
  const dir = tempDir(t);
  const w = param('w', [1, 2, 3], true);
  const adam = new AdamW([w], { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  w.grad.set([0.1, -0.2, 0.3]);
  await adam.step(0.01);
  await adam.save(`${dir}/opt.bin`);
  const copy = param('w', Array.from(w.value), true);
  const restored = new AdamW([copy], { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  await restored.load(`${dir}/opt.bin`);
  for (const a of [adam, restored]) {
    const p = a === adam ? w : copy;
    p.grad.set([0.3, 0.2, 0.1]);
    await a.step(0.01);
  }
  t.deepEqual(Array.from(copy.value), Array.from(w.value));
  t.is(restored.steps, 2);
});

test('a step scales the gradients, clips them to the max norm and returns the norm before clipping', async (t) => {
  const dir = tempDir(t);
  const a = param('a', [0, 0], true);
  const adam = new AdamW([a], { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  a.grad.set([30, 40]);
  t.is(await adam.step(0.1, { scale: 0.1, maxGradNorm: 1 }), 5);
  await adam.save(`${dir}/opt.safetensors`);
  // the first moment is (1 - beta1) x the clipped gradient [0.6, 0.8]; the grad arrays are left as they were
  const m = (await readTensorFile(`${dir}/opt.safetensors`)).tensors.get('m/a')!;
  t.true(Math.abs(m[0]! - 0.06) < 1e-7 && Math.abs(m[1]! - 0.08) < 1e-7, String(m));
  t.deepEqual(Array.from(a.grad), [30, 40]);
  a.grad.set([0.3, 0.4]);
  t.true(Math.abs((await adam.step(0.1, { maxGradNorm: 1 })) - 0.5) < 1e-7);
});

/** Parameters of assorted sizes with random values and gradients, in shared memory; the same for the same seed. */
function randomParams(seed: number): TrainableParameter[] {
  const random = createRandom(seed, 'params');
  const shared = (n: number, scale: number) => {
    const a = new Float32Array(new SharedArrayBuffer(4 * n));
    for (let j = 0; j < n; j++) a[j] = (random.next() - 0.5) * scale;
    return a;
  };
  return [37, 1, 300, 64, 129].map((n, i) => ({ name: `p${i}`, shape: [n], decay: i % 2 === 0, value: shared(n, 2), grad: shared(n, 0.3) }));
}

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Threads in this thread: the pass runs over uneven ranges that cut parameters in the middle, as a backend's threads would. */
const inline = (cuts: number[]): ParameterThreads => ({
  shared: (length) => new Float32Array(new SharedArrayBuffer(4 * length)),
  async forRanges(module, name, args, length) {
    const pass = (await import(module))[name] as (args: unknown, from: number, to: number) => void;
    const edges = [0, ...cuts.filter((c) => c < length), length];
    for (let i = 1; i < edges.length; i++) pass(structuredClone(args), edges[i - 1]!, edges[i]!);
  },
});

test('AdamW steps give the bits of scaling, clipping and stepping in turn, in one pass or split over ranges', async (t) => {
  const options = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };
  const settings = [
    { lr: 1e-3, scale: 1 / 7, maxGradNorm: 1 },
    { lr: 2e-3, scale: 1, maxGradNorm: 0.5 },
    { lr: 2e-3, scale: 1 / 3, maxGradNorm: 100 }, // not clipped
    { lr: 5e-4, scale: 2, maxGradNorm: 0 }, // no clipping
    { lr: 1e-3, scale: 1 / 11, maxGradNorm: 0.2 },
  ];
  const reference = randomParams(1);
  const oracle = new ReferenceAdamW(reference, options);
  const runs = [undefined, inline([5, 38, 200, 400]), inline([16, 32, 48, 64, 80, 96, 112, 128, 144, 528])].map((threads) => ({
    params: randomParams(1),
    adam: undefined as AdamW | undefined,
    threads,
  }));
  for (const run of runs) run.adam = new AdamW(run.params, options, run.threads);
  const grads = randomParams(2).map((p) => p.grad);
  let clipped = 0;
  for (const [k, s] of settings.entries()) {
    // every run starts the step from the same gradients (the reference scales its own in place)
    for (const params of [reference, ...runs.map((r) => r.params)]) params.forEach((p, i) => p.grad.set(grads[i]!.map((g) => g * (k + 1))));
    const norm = oracle.step(s.lr, s.scale, s.maxGradNorm);
    if (s.maxGradNorm > 0 && norm > s.maxGradNorm) clipped += 1;
    for (const run of runs) t.is(await run.adam!.step(s.lr, { scale: s.scale, maxGradNorm: s.maxGradNorm }), norm, `step ${k}`);
  }
  t.true(clipped >= 2 && clipped < settings.length, `${clipped} steps clipped`);
  const dir = tempDir(t);
  for (const [r, run] of runs.entries()) {
    run.params.forEach((p, i) => t.deepEqual(bytes(p.value), bytes(reference[i]!.value), `run ${r}, ${p.name}`));
    await run.adam!.save(`${dir}/opt-${r}.safetensors`);
    const { tensors } = await readTensorFile(`${dir}/opt-${r}.safetensors`);
    reference.forEach((p, i) => {
      t.deepEqual(bytes(tensors.get(`m/${p.name}`)!), bytes(oracle.m[i]!), `run ${r}, m/${p.name}`);
      t.deepEqual(bytes(tensors.get(`v/${p.name}`)!), bytes(oracle.v[i]!), `run ${r}, v/${p.name}`);
    });
  }
});

test('AdamW refuses threads when a parameter is not in shared memory', (t) => {
  const error = t.throws(() => new AdamW([param('w', [1, 2], true)], undefined, inline([])));
  t.regex(error.message, /parameter "w" is not in shared memory/);
});

test('cosine schedule with warmup ratio matches Hugging Face get_cosine_schedule_with_warmup', (t) => {
  const lr = cosineWithWarmup(1, 10, 0.1); // warmup = ceil(1) = 1 step
  t.is(lr(0), 0);
  t.is(lr(1), 1);
  t.true(Math.abs(lr(5) - 0.5868240888334652) < 1e-12);
  t.is(lr(10), 0);
  const ramp = cosineWithWarmup(2e-3, 100, 0.1);
  t.true(Math.abs(ramp(5) - 1e-3) < 1e-15);
});

test('tensor files round-trip names, shapes, values and metadata', async (t) => {
  const dir = tempDir(t);
  await writeTensorFile(`${dir}/t.bin`, [{ name: 'a', shape: [2, 2], data: Float32Array.from([1, 2, 3, 4.5]) }, { name: 'b', shape: [1], data: Float32Array.from([-7]) }], { steps: '3' });
  const { tensors, shapes, metadata } = await readTensorFile(`${dir}/t.bin`);
  t.deepEqual(Array.from(tensors.get('a')!), [1, 2, 3, 4.5]);
  t.deepEqual(shapes.get('a'), [2, 2]);
  t.deepEqual(Array.from(tensors.get('b')!), [-7]);
  t.deepEqual(metadata, { steps: '3' });
});
