import test from 'ava';
import { boxIoU, imageSizeOf, localizationScore, parseBoxes, truthBoxes, type LabeledBox } from '../../../lib/scoring/index.ts';

const TRUTH: LabeledBox[] = [
  { label: 'chair', box: [0, 0, 10, 10] },
  { label: 'table', box: [20, 20, 40, 40] },
];
const SIZE = { width: 100, height: 100 };
const json = (boxes: unknown) => JSON.stringify(boxes);
const chair = (box: number[]) => ({ bbox_2d: box, label: 'chair' });
const table = { bbox_2d: [20, 20, 40, 40], label: 'table' };
const score = (text: string) => localizationScore(text, TRUTH, SIZE);

test('boxIoU by hand', (t) => {
  t.is(boxIoU([0, 0, 10, 10], [5, 5, 15, 15]), 25 / 175);
  t.is(boxIoU([0, 0, 10, 10], [0, 0, 10, 5]), 0.5);
  t.is(boxIoU([0, 0, 10, 10], [10, 0, 20, 10]), 0, 'touching edges');
  t.is(boxIoU([10, 10, 0, 0], [0, 0, 10, 10]), 0, 'degenerate');
});

test('boxes matched by label: perfect, partial, missing', (t) => {
  t.is(score(json([chair([0, 0, 10, 10]), table])), 1);
  t.is(score(json([chair([0, 0, 10, 10])])), 0.5, 'table missing: (1 + 0) / 2');
  t.is(score(json([chair([5, 5, 15, 15]), table])), (1 / 7 + 1) / 2);
  t.is(score(json([{ bbox_2d: [0, 0, 10, 10], label: ' Chair ' }, table])), 1, 'labels match case-insensitively, trimmed');
  t.is(score(json([])), 0);
});

test('extra and duplicate labels enlarge the denominator', (t) => {
  t.is(score(json([chair([0, 0, 10, 10]), table, { bbox_2d: [50, 50, 60, 60], label: 'lamp' }])), 2 / 3);
  t.is(score(json([chair([0, 0, 10, 10]), chair([5, 5, 15, 15]), table])), 2 / 3);
  t.is(score(json([chair([5, 5, 15, 15]), chair([0, 0, 10, 10]), table])), 2 / 3, 'the better duplicate is matched, wherever it is');
});

test('boxes outside the image score 0', (t) => {
  t.is(score(json([chair([-5, 0, 10, 10]), table])), 0.5);
  t.is(score(json([chair([0, 0, 10, 10]), { bbox_2d: [20, 20, 101, 40], label: 'table' }])), 0.5);
  // without a known image size only degenerate boxes are caught: IoU([-5,0,10,10], [0,0,10,10]) = 100/150
  t.is(localizationScore(json([chair([-5, 0, 10, 10]), table]), TRUTH), (100 / 150 + 1) / 2);
  t.is(score(json([chair([10, 10, 0, 0]), table])), 0.5, 'degenerate box');
});

test('invalid JSON and wrong shapes score 0; malformed entries count as unmatched', (t) => {
  t.is(score('[{"bbox_2d": [0, 0, 10, 10], "label": "chair"'), 0);
  t.is(score('the chair is at the left'), 0);
  t.is(score('5'), 0);
  t.is(score('[1, 2, 3]'), 0);
  t.is(score('null'), 0);
  t.is(score(json([{ bbox_2d: [0, 0, 10], label: 'chair' }, table])), 1 / 3, 'three coordinates');
  t.is(score(json([{ bbox_2d: [0, 0, 10, 10] }, table])), 1 / 3, 'no label');
  t.is(score(json([{ bbox_2d: [0, 0, '10', 10], label: 'chair' }, table])), 1 / 3, 'a string coordinate');
});

test('answers in <answer>, in code fences, or a lone object are read', (t) => {
  t.is(score(`<think>find them</think><answer>${json([chair([0, 0, 10, 10]), table])}</answer>`), 1);
  t.is(score(`\`\`\`json\n${json([chair([0, 0, 10, 10]), table])}\n\`\`\``), 1);
  t.is(score(json(chair([0, 0, 10, 10]))), 0.5);
  t.deepEqual(parseBoxes('[{"bbox_2d":[1,2,3,4],"label":"x"}, {"label":"y"}]'), [{ label: 'x', box: [1, 2, 3, 4] }, null]);
});

test('ground truth must be well formed', (t) => {
  t.throws(() => truthBoxes('[]', 'sample s1'), { message: /sample s1: the answer is not a JSON list/ });
  t.throws(() => truthBoxes('[{"label":"x"}]', 'sample s1'), { message: /sample s1/ });
  t.throws(() => localizationScore('[]', []), { message: /no boxes/ });
});

test('image size from sample facts', (t) => {
  // what the localization task writes: boxes are in pixels of the resized image
  t.deepEqual(imageSizeOf({ image: { width: 1296, height: 968, resizedWidth: 364, resizedHeight: 252 } }), { width: 364, height: 252 });
  t.deepEqual(imageSizeOf({ imageSize: [364, 252] }), { width: 364, height: 252 });
  t.deepEqual(imageSizeOf({ imageSize: { width: 364, height: 252 } }), { width: 364, height: 252 });
  t.is(imageSizeOf({ imageSize: [0, 252] }), undefined);
  t.is(imageSizeOf(undefined), undefined);
});
