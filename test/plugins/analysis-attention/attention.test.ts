import test from 'ava';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Plugin, Policy } from '../../../core/index.ts';
import type { PointAttention } from '../../../plugins/analysis-attention/index.ts';
import { analyze, findSample, shrunkLadder } from '../../helpers/analysis-ladder.ts';
import { tempDir } from '../../helpers/temp.ts';

/** Answers right, and looks only at the left half of the image: a 1 x 2 token grid with attention 1, 0 (one layer, one head). */
function leftLooker(): Plugin {
  const policy: Policy = {
    id: 'left-looker',
    fingerprint: () => 'left-looker-1',
    generate: async (inputs) => inputs.map((input) => [{ text: input.reference!.answer }]),
    attention: async (inputs) => inputs.map(() => ({ layers: 1, heads: 1, grids: [{ image: 0, rows: 1, cols: 2 }], weights: Float32Array.from([0.6, 0.1]), positions: 2 })),
  };
  return { name: 'left-looker', apply: (l) => l.hooks.models.for('left-looker').tap('left-looker', () => ({ id: 'left-looker', create: async () => policy })) };
}


test('IoU and entropy per question from a constructed attention map equal pixel counts of the objects\' boxes', async (t) => {
  const dir = tempDir(t);
  const ladder = await shrunkLadder(dir, [leftLooker()]);
  const { result, markdown } = await analyze(ladder, 'attention', { model: 'left-looker', options: { questions: 0 } });
  const [point] = (result as { points: PointAttention[] }).points;
  t.true(point!.perQuestion.length >= 10, `${point!.perQuestion.length} questions`);
  t.deepEqual([...new Set(point!.perQuestion.map((q) => q.task))].sort(), ['absolute-distance', 'object-size', 'relative-direction', 'relative-distance']);
  for (const q of point!.perQuestion) {
    const { sample, datasetDir, byId } = findSample(dir, q.id);
    const boxes = (byId.get(sample.pairedWith!)!.facts!.objects as { bbox_2d: [number, number, number, number] }[]).map((o) => o.bbox_2d);
    const { width, height } = await sharp(join(datasetDir, sample.media.images[0]!)).metadata();
    // count the pixels of each half inside any box
    const inside = [0, 0];
    for (let y = 0; y < height!; y++)
      for (let x = 0; x < width!; x++)
        if (boxes.some(([x1, y1, x2, y2]) => x >= x1 && x <= x2 && y >= y1 && y <= y2)) inside[x < width! / 2 ? 0 : 1]!++;
    const half = (width! / 2) * height!;
    // min-max of (0.6, 0.1) is (1, 0): IoU = the left half's covered share
    t.true(Math.abs(q.iou - inside[0]! / half) < 1e-9, `${q.id}: IoU ${q.iou} vs ${inside[0]! / half}`);
    t.true(Math.abs(q.uniformIoU - (inside[0]! + inside[1]!) / (2 * half)) < 1e-9, `${q.id}: even attention`);
    // p = (6/7, 1/7): H = -(6/7 ln 6/7 + 1/7 ln 1/7) / ln 2
    t.true(Math.abs(q.entropy - -((6 / 7) * Math.log(6 / 7) + (1 / 7) * Math.log(1 / 7)) / Math.log(2)) < 1e-7);
    t.true(Math.abs(q.visualShare - 0.7) < 1e-7);
    t.is(q.score, 1);
  }
  t.regex(markdown, /\| left-looker \| all /);
});

test('a policy without attention is refused by name, and nothing is measured', async (t) => {
  const dir = tempDir(t);
  const ladder = await shrunkLadder(dir);
  const error = await t.throwsAsync(analyze(ladder, 'attention', { model: 'oracle' }));
  t.is((error as { exitCode?: number }).exitCode, 2);
  t.regex(error!.message, /policy "oracle" \(oracle\) does not expose its attention \(Policy\.attention\); the attention analysis needs a backend that does, such as tiny-vlm\. Nothing was measured/);
});
