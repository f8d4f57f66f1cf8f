/** numbers.ts: number tokens that start from their value. */
import test from 'ava';
import { ConfigError } from '../../../core/index.ts';
import { tinyVlmBackend } from '../../../plugins/model-tiny-vlm/index.ts';
import { paramSpecs, initialValues } from '../../../plugins/model-tiny-vlm/model.ts';
import { encodeNumberValues, valueCode } from '../../../plugins/model-tiny-vlm/numbers.ts';
import { Tokenizer } from '../../../plugins/model-tiny-vlm/tokenizer.ts';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, i) => s + x * b[i]!, 0);

test('the value code is unit length and nearer for nearer values, on a linear and a relative scale', (t) => {
  for (const v of [0, 7, 138, 1000]) t.true(Math.abs(dot(valueCode(v), valueCode(v)) - 1) < 1e-6);
  const near = (a: number, b: number) => dot(valueCode(a), valueCode(b));
  // pixels: 138 is nearer 140 than 150, and 150 than 300
  t.true(near(138, 140) > near(138, 150) && near(138, 150) > near(138, 300));
  t.true(near(138, 140) > 0.8, `${near(138, 140)}`);
  // relative: 10 and 12 (20% apart) nearer than 10 and 30
  t.true(near(10, 12) > near(10, 30));
});

test('encodeNumberValues codes the number tokens only, at the length of the other rows', (t) => {
  const tokenizer = Tokenizer.build(['[138,44,190,84] 138 cm, 140 cm, 300 cm, a chair 44'], { minCount: 1, numbers: true });
  const config = { dim: 128, layers: 1, heads: 2, ffn: 64, visionDim: 16, maxLength: 64, image: { width: 28, height: 28, patch: 14 }, maxImages: 2, initStd: 0.02 };
  const specs = paramSpecs(config, tokenizer.size);
  const values = specs.map((s) => initialValues(s, 1));
  const before = values.map((v) => v.slice());
  const id = (token: string) => tokenizer.tokens.indexOf(token);
  encodeNumberValues(specs, values, tokenizer, Tokenizer.build([]).size);
  const e = specs.findIndex((s) => s.name === 'embed');
  const row = (v: Float32Array, token: string) => v.subarray(id(token) * 128, (id(token) + 1) * 128);
  t.deepEqual(row(values[e]!, ' chair'), row(before[e]!, ' chair'));
  t.deepEqual(row(values[e]!, '['), row(before[e]!, '['));
  const cos = (a: string, b: string) => dot(row(values[e]!, a), row(values[e]!, b)) / Math.sqrt(dot(row(values[e]!, a), row(values[e]!, a)) * dot(row(values[e]!, b), row(values[e]!, b)));
  t.true(cos(' 138', ' 140') > 0.3 && cos(' 138', ' 140') > cos(' 138', ' 300') + 0.3, `${cos(' 138', ' 140')} ${cos(' 138', ' 300')}`);
  // the head's columns too; everything else untouched
  const h = specs.findIndex((s) => s.name === 'head');
  t.notDeepEqual(values[h], before[h]);
  for (const [i, spec] of specs.entries()) if (spec.name !== 'embed' && spec.name !== 'head') t.deepEqual(values[i], before[i], spec.name);
});

test('numberEmbedding "value" without numberTokens is an error that names both options, not a silent no-op', async (t) => {
  const ctx = { seed: 1, dataset: { dir: '.', manifest: {}, samples: [] }, log: () => {} };
  await t.throwsAsync(tinyVlmBackend().create({ base: 'none', numberEmbedding: 'value', workers: 1 }, ctx), {
    instanceOf: ConfigError,
    message: /model\.options\.numberEmbedding "value" .* needs model\.options\.numberTokens true/,
  });
});

test('a model created with numberEmbedding "value" starts as "random" plus each number token\'s value code', async (t) => {
  const samples = [{ question: 'How long is the door, in centimeters?', answer: '138' }, { question: 'And the bed?', answer: '140' }];
  const ctx = { seed: 1, dataset: { dir: '.', manifest: {}, samples: [...samples, ...samples] as never[] }, log: () => {} };
  const small = { base: 'none', dim: 64, layers: 1, heads: 2, ffn: 64, visionDim: 16, imageWidth: 28, imageHeight: 28, workers: 1, numberTokens: true };
  const embedding = async (numberEmbedding: string) => {
    const policy = (await tinyVlmBackend().create({ ...small, numberEmbedding }, ctx)) as unknown as { values: Float32Array; model: { tokenizer: Tokenizer }; dispose(): Promise<void> };
    const tokens = policy.model.tokenizer.tokens;
    const rows = new Map(['138', '140', ' door'].map((token) => [token, policy.values.slice(tokens.indexOf(token) * 64, (tokens.indexOf(token) + 1) * 64)]));
    await policy.dispose();
    return rows;
  };
  const [value, random] = [await embedding('value'), await embedding('random')];
  t.deepEqual(value.get(' door'), random.get(' door'));
  for (const n of ['138', '140']) {
    const added = value.get(n)!.map((x, d) => x - random.get(n)![d]!);
    const code = valueCode(Number(n));
    t.true(dot(added, code) / Math.sqrt(dot(added, added)) > 0.999, n);
  }
});
