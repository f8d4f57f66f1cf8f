import test from 'ava';
import { AdamW, clipGradients, cosineWithWarmup, readTensorFile, writeTensorFile } from '../../../lib/training/index.ts';
import type { TrainableParameter } from '../../../core/index.ts';
import { tempDir } from '../../helpers/temp.ts';

const param = (name: string, value: number[], decay: boolean): TrainableParameter => ({
  name,
  shape: [value.length],
  decay,
  value: Float32Array.from(value),
  grad: new Float32Array(value.length),
});

test('AdamW: two steps match the hand-computed update (bias correction, decoupled decay only on decay params)', (t) => {
  const w = param('w', [1], true);
  const g = param('g', [1], false);
  const adam = new AdamW([w, g], { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 });
  w.grad[0] = g.grad[0] = 0.5;
  adam.step(0.1);
  t.true(Math.abs(w.value[0]! - 0.899) < 1e-6, String(w.value[0]));
  t.true(Math.abs(g.value[0]! - 0.9) < 1e-6, String(g.value[0]));
  w.grad[0] = -0.5;
  adam.step(0.1);
  // m = -0.005, v = 0.00049975; m^ = -0.0263158, v^ = 0.25
  t.true(Math.abs(w.value[0]! - 0.9033642) < 1e-6, String(w.value[0]));
  t.is(adam.steps, 2);
});

test('AdamW state round-trips through its file', async (t) => {
  const dir = tempDir(t);
  const w = param('w', [1, 2, 3], true);
  const adam = new AdamW([w], { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  w.grad.set([0.1, -0.2, 0.3]);
  adam.step(0.01);
  await adam.save(`${dir}/opt.bin`);
  const copy = param('w', Array.from(w.value), true);
  const restored = new AdamW([copy], { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  await restored.load(`${dir}/opt.bin`);
  for (const a of [adam, restored]) {
    const p = a === adam ? w : copy;
    p.grad.set([0.3, 0.2, 0.1]);
    a.step(0.01);
  }
  t.deepEqual(Array.from(copy.value), Array.from(w.value));
  t.is(restored.steps, 2);
});

test('gradient clipping scales to the max norm and reports the norm before', (t) => {
  const a = param('a', [0, 0], true);
  a.grad.set([3, 4]);
  t.is(clipGradients([a], 1), 5);
  t.true(Math.abs(Math.hypot(a.grad[0]!, a.grad[1]!) - 1) < 1e-6);
  a.grad.set([0.3, 0.4]);
  t.true(Math.abs(clipGradients([a], 1) - 0.5) < 1e-7);
  t.true(Math.abs(a.grad[0]! - 0.3) < 1e-7);
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
