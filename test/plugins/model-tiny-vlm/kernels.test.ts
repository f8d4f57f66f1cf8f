import test from 'ava';
import { createRandom } from '../../../core/index.ts';
import { jsKernels, ortKernels, type DecodeCache, type Segment } from '../../../plugins/model-tiny-vlm/kernels.ts';

const SHAPE = { dim: 16, heads: 4, ffn: 24 };
const js = jsKernels(SHAPE);
const ort = ortKernels(SHAPE);

function normals(n: number, label: string): Float32Array {
  const r = createRandom(3, label);
  return Float32Array.from({ length: n }, () => r.next() * 2 - 1);
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

test('onnxruntime gemm equals the plain loops for every transpose flag, into a given array', (t) => {
  const [m, k, n] = [7, 5, 9];
  for (const transA of [false, true])
    for (const transB of [false, true]) {
      const a = normals(m * k, `a${transA}`);
      const b = normals(k * n, `b${transB}`);
      const out = new Float32Array(m * n + 3).fill(7);
      ort.gemm(a, b, m, k, n, { transA, transB, out });
      const expected = js.gemm(a, b, m, k, n, { transA, transB });
      t.true(maxDiff(out.subarray(0, m * n), expected) < 1e-5, `transA ${transA} transB ${transB}`);
      t.deepEqual([...out.subarray(m * n)], [7, 7, 7]);
    }
});

test('onnxruntime attention (forward with and without weights, backward, with and without a shared prefix) equals the plain loops', (t) => {
  const { dim, heads } = SHAPE;
  // a prompt of 5 rows, a plain sequence of 4 rows, two completions (3 and 2 rows) continuing the prompt, an open segment (an image's patches)
  const segments: Segment[] = [
    { offset: 0, length: 5 },
    { offset: 5, length: 4 },
    { offset: 9, length: 3, prefix: { offset: 0, length: 5 } },
    { offset: 12, length: 2, prefix: { offset: 0, length: 5 } },
    { offset: 14, length: 3, open: true },
  ];
  const N = 17;
  const qkv = normals(N * 3 * dim, 'qkv');
  const dOut = normals(N * dim, 'dout');
  const outs = [js, ort].map((kernels) => {
    const out = new Float32Array(N * dim);
    const dQkv = new Float32Array(N * 3 * dim);
    const weights = segments.map((seg) => kernels.attend(qkv, seg, out));
    segments.forEach((seg, i) => kernels.attendBackward(qkv, seg, weights[i]!, dOut, dQkv));
    const value = new Float32Array(N * dim);
    for (const seg of segments) kernels.attendValue(qkv, seg, value);
    return { out, dQkv, weights, value };
  });
  t.true(maxDiff(outs[0]!.out, outs[1]!.out) < 1e-5);
  // without the weights (no backward pass to come): the same output, bit for bit
  for (const o of outs) t.deepEqual([...o.value], [...o.out]);
  outs[0]!.weights.forEach((w, i) => t.true(maxDiff(w, outs[1]!.weights[i]!) < 1e-5, `weights of segment ${i}`));
  t.true(maxDiff(outs[0]!.dQkv, outs[1]!.dQkv) < 1e-5);
  // the prefix rows received key/value gradients from both completions, and no query gradient from them
  t.true(outs[1]!.dQkv.subarray(dim, 3 * dim).some((x) => x !== 0));
  // the open segment's first row attends to its last (a causal one's weight there is 0)
  for (const o of outs) t.true(o.weights[4]![2]! > 0.01 && o.weights[0]![4]! < 1e-6);
  t.is(heads, 4);
});

function layerWeights(label: string) {
  const { dim, ffn } = SHAPE;
  return {
    norm1: normals(dim, `${label}g1`).map((x) => 1 + x / 4),
    qkv: normals(dim * 3 * dim, `${label}wqkv`),
    out: normals(dim * dim, `${label}wout`),
    norm2: normals(dim, `${label}g2`).map((x) => 1 + x / 4),
    up: normals(dim * ffn, `${label}wup`),
    down: normals(ffn * dim, `${label}wdown`),
  };
}

test('onnxruntime decoding layer (attention to padded prompts and a partly filled own cache, dense part, next layer) equals the plain loops', (t) => {
  const { dim, heads } = SHAPE;
  const dh = dim / heads;
  const prompts = 2;
  const R = 3;
  const P = 6;
  const width = 5;
  const filled = 3;
  const n = prompts * R;
  const promptMask = new Float32Array(prompts * P);
  promptMask.fill(-1e9, P + 4, 2 * P); // the second prompt has 4 positions
  const cache: DecodeCache = {
    prompts,
    rowsPerPrompt: R,
    promptLength: P,
    width,
    promptMask,
    promptKeys: [normals(prompts * heads * dh * P, 'pk')],
    promptValues: [normals(prompts * heads * P * dh, 'pv')],
    ownKeys: [normals(width * n * dim, 'ok')],
    ownValues: [normals(width * n * dim, 'ov')],
    ownMask: new Float32Array(width).fill(-1e9).fill(0, 0, filled),
  };
  const h = normals(n * dim, 'h');
  const qkv = normals(n * 3 * dim, 'q');
  const [w, next] = [layerWeights('this'), layerWeights('next')];
  const a = js.decodeLayer(h, qkv, cache, 0, w, next);
  const b = ort.decodeLayer(h, qkv, cache, 0, w, next);
  t.true(maxDiff(a.out, b.out) < 1e-4, `out: ${maxDiff(a.out, b.out)}`);
  t.true(maxDiff(a.qkv!, b.qkv!) < 1e-4, `next qkv: ${maxDiff(a.qkv!, b.qkv!)}`);
  const last = ort.decodeLayer(h, qkv, cache, 0, w);
  t.is(last.qkv, undefined);
  t.deepEqual([...last.out], [...b.out]);
  // the steps the mask hides are not attended to: changing them changes nothing
  cache.ownKeys[0]!.forEach((_, i, keys) => i % width >= filled && (keys[i] = 99));
  cache.ownValues[0]!.forEach((_, i, values) => Math.floor(i / dh) % width >= filled && (values[i] = 99));
  t.deepEqual([...ort.decodeLayer(h, qkv, cache, 0, w).out], [...b.out]);
  t.deepEqual([...js.decodeLayer(h, qkv, cache, 0, w).out], [...a.out]);
});

test('onnxruntime layer blocks (norm + qkv; output projection + norm + MLP, with and without the tape) and their backward passes equal the plain loops', (t) => {
  const { dim, ffn } = SHAPE;
  const N = 6;
  const w = layerWeights('');
  const h = normals(N * dim, 'h');
  const attended = normals(N * dim, 'att');
  const dOut = normals(N * dim, 'dout');
  const dQkv = normals(N * 3 * dim, 'dqkv');
  const [a, b] = [js, ort].map((k) => {
    const kept = k.layerOut(h, attended, w);
    const back = k.layerOutBackward(dOut, attended, kept, w);
    return { qkv: k.layerIn(h, w), kept, back, front: k.layerInBackward(dQkv, h, back.dMid, w) };
  });
  const close = (x: Float32Array, y: Float32Array, what: string) => t.true(maxDiff(x, y) < 1e-4 * Math.max(1, ...y.map(Math.abs)), `${what}: ${maxDiff(x, y)}`);
  close(a!.qkv, b!.qkv, 'qkv');
  for (const key of ['out', 'mid', 'hidden'] as const) close(a!.kept[key], b!.kept[key], key);
  for (const k of [js, ort]) t.deepEqual([...k.layerOutValue(h, attended, w)], [...k.layerOut(h, attended, w).out], `${k.name}: layerOutValue is layerOut's out`);
  close(a!.back.dMid, b!.back.dMid, 'dMid');
  close(a!.back.dAttended, b!.back.dAttended, 'dAttended');
  for (const key of ['out', 'norm2', 'up', 'down'] as const) close(a!.back.grads[key], b!.back.grads[key], `grad ${key}`);
  close(a!.front.dh, b!.front.dh, 'dh');
  for (const key of ['norm1', 'qkv'] as const) close(a!.front.grads[key], b!.front.grads[key], `grad ${key}`);
});
