import test from 'ava';
import { samplePrompt } from '../../../lib/prompts/index.ts';
import { tinyVlmBackend, type TinyVlmPolicy } from '../../../plugins/model-tiny-vlm/index.ts';
import { Engine } from '../../../plugins/model-tiny-vlm/engine.ts';
import { jsKernels } from '../../../plugins/model-tiny-vlm/kernels.ts';
import { patchify } from '../../../plugins/model-tiny-vlm/vision.ts';
import { tempDir } from '../../helpers/temp.ts';
import { writeToyDataset } from '../../helpers/toy-dataset.ts';

const TINY = { dim: 16, layers: 2, heads: 2, ffn: 32, visionDim: 8, imageWidth: 56, imageHeight: 28, maxLength: 512, initStd: 0.2, maxImages: 2 };
const log = () => {};

test('attention: the softmax rows of the positions that produced the completion, at the image tokens, averaged', async (t) => {
  const dir = tempDir(t);
  const dataset = await writeToyDataset(dir, { count: 6, images: [1, 3] });
  const policy = (await tinyVlmBackend().create({ ...TINY, workers: 1 }, { seed: 3, dataset, log })) as TinyVlmPolicy;
  t.teardown(() => policy.dispose());
  const inputs = dataset.samples.map((s) => samplePrompt(s, dir, 'direct'));
  const completions = dataset.samples.map((s, i) => (i % 2 ? s.answer : `${s.answer} and more words`));
  const maps = await policy.attention(inputs, completions);
  const engine = new Engine(policy.model.config, policy.model.vocab, policy.model.specs, Float32Array.from(policy.values), jsKernels(policy.model.config));
  for (const [i, input] of inputs.entries()) {
    const map = maps[i]!;
    const prompt = policy.model.encode(input);
    const ids = policy.completionIds(completions[i]!);
    // image tokens: where the encoded prompt has -1; producing positions: the last prompt one, then each completion token but the last
    const visual = prompt.ids.flatMap((id, p) => (id < 0 ? [p] : []));
    const producing = ids.map((_, k) => prompt.ids.length - 1 + k);
    t.is(map.positions, ids.length);
    t.deepEqual(map.grids, prompt.images.map((path) => ({ image: input.images.indexOf(path), rows: 1, cols: 2 })), 'a 56 x 28 image is 1 x 2 merged tokens');
    t.true(map.grids.length <= 2 && map.grids.every((g) => g.image >= 0), 'at most maxImages, indices into the input\'s images');
    const { tape } = engine.forward(await policy.model.batch([{ prompt, completions: [ids] }]), true);
    const S = prompt.ids.length + ids.length;
    for (let l = 0; l < 2; l++)
      for (let h = 0; h < 2; h++) {
        const w = tape!.layers[l]!.weights[0]!;
        for (const p of producing) {
          let total = 0;
          for (let j = 0; j < S; j++) total += w[(h * S + p) * S + j]!;
          t.true(Math.abs(total - 1) < 1e-5, 'a softmax row');
        }
        visual.forEach((v, k) => {
          const expected = producing.reduce((s, p) => s + w[(h * S + p) * S + v]!, 0) / producing.length;
          t.true(Math.abs(map.weights[(l * 2 + h) * visual.length + k]! - expected) < 1e-6);
        });
      }
  }
});

test('image tokens follow the grid row by row: token k of a 2 x 2 grid is block (k / 2, k % 2)', (t) => {
  // 56 x 56 RGB, patch 14: the 28 x 28 block at row 0, column 1 is white, the rest black
  const rgb = new Uint8Array(56 * 56 * 3);
  for (let y = 0; y < 28; y++) for (let x = 28; x < 56; x++) rgb.fill(255, (y * 56 + x) * 3, (y * 56 + x) * 3 + 3);
  const rows = patchify(rgb, { width: 56, height: 56, patch: 14 });
  const token = (k: number) => rows.subarray(k * 4 * 14 * 14 * 3, (k + 1) * 4 * 14 * 14 * 3);
  t.deepEqual([0, 1, 2, 3].map((k) => token(k).every((v) => v === 255)), [false, true, false, false]);
});
