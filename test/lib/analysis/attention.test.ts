import test from 'ava';
import { attentionEntropy, attentionIoU, boxCoverage, meanAttention, uniformIoU } from '../../../lib/analysis/index.ts';
import type { AttentionMap } from '../../../core/index.ts';

const close = (a: number, b: number, tolerance = 1e-12) => Math.abs(a - b) < tolerance;

test('attention IoU and entropy of a constructed 2x2 map equal the hand-computed values', (t) => {
  // one image 56 x 56 in 2 x 2 tokens of 28 px; attention 0.1 0.4 / 0.2 0.3 (row-major)
  const weights = [0.1, 0.4, 0.2, 0.3];
  const coverage = boxCoverage([{ image: 0, rows: 2, cols: 2 }], [{ image: 0, box: [28, 0, 55, 55], width: 56, height: 56 }]);
  t.deepEqual([...coverage], [0, 1, 0, 1], 'the right column lies inside the box');
  // min-max: 0, 1, 1/3, 2/3; inside = 1 + 2/3; total = 2
  t.true(close(attentionIoU(weights, coverage), 5 / 6));
  // p = weights (they sum to 1): H = -(0.1 ln 0.1 + 0.4 ln 0.4 + 0.2 ln 0.2 + 0.3 ln 0.3) / ln 4
  const h = -(0.1 * Math.log(0.1) + 0.4 * Math.log(0.4) + 0.2 * Math.log(0.2) + 0.3 * Math.log(0.3)) / Math.log(4);
  t.true(close(attentionEntropy(weights), h));
  t.true(close(h, 0.9232196723355077));
  t.is(uniformIoU(coverage), 0.5, 'attention spread evenly would put half inside');
  t.is(attentionEntropy([0.25, 0.25, 0.25, 0.25]), 1, 'uniform attention: entropy 1');
  t.is(attentionEntropy([0, 0.7, 0, 0]), 0, 'all on one token: entropy 0');
  t.true(Number.isNaN(attentionIoU([0.2, 0.2, 0.2, 0.2], coverage)), 'no token stands out: no IoU');
});

test('a box covering part of a cell counts that fraction; boxes on other images count nothing', (t) => {
  // two images of 3 x 2 tokens (84 x 56 px); a box over x in [14, 41], y in [0, 27] on image 1
  const grids = [
    { image: 0, rows: 2, cols: 3 },
    { image: 1, rows: 2, cols: 3 },
  ];
  const coverage = boxCoverage(grids, [{ image: 1, box: [14, 0, 41, 27], width: 84, height: 56 }]);
  t.deepEqual([...coverage], [0, 0, 0, 0, 0, 0, 0.5, 0.5, 0, 0, 0, 0]);
  // attention 1 on token 6 (half in the box), 0 elsewhere: IoU 0.5
  t.is(attentionIoU([0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0], coverage), 0.5);
});

test('meanAttention averages layers and heads per visual token, and checks the shape', (t) => {
  const map: AttentionMap = {
    layers: 2,
    heads: 2,
    grids: [{ image: 0, rows: 1, cols: 2 }],
    weights: Float32Array.from([0.5, 0.1, 0.3, 0.3, 0.1, 0.5, 0.1, 0.1]),
    positions: 1,
  };
  const mean = meanAttention(map);
  // float32 weights: equal to 1e-7
  t.true(close(mean[0]!, (0.5 + 0.3 + 0.1 + 0.1) / 4, 1e-7) && close(mean[1]!, (0.1 + 0.3 + 0.5 + 0.1) / 4, 1e-7));
  t.throws(() => meanAttention({ ...map, heads: 3 }), { message: /8 weights for 2 layers x 3 heads x 2 visual tokens/ });
});

test('two boxes in one cell count their union, not the larger one', (t) => {
  // one 10 x 10 cell; boxes 0..3 x 0..9 and 6..9 x 0..9 (inclusive pixels): 40 + 40 of 100 pixels
  const grid = [{ image: 0, rows: 1, cols: 1 }];
  const box = (box: [number, number, number, number]) => ({ image: 0, box, width: 10, height: 10 });
  t.deepEqual([...boxCoverage(grid, [box([0, 0, 3, 9]), box([6, 0, 9, 9])])], [0.8]);
  t.deepEqual([...boxCoverage(grid, [box([0, 0, 5, 9]), box([4, 0, 9, 9])])], [1], 'overlapping boxes are not counted twice');
});
