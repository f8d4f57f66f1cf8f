import test from 'ava';
import { ConfigError } from '../../../core/index.ts';
import { generate, taskLadder, tinyScene } from '../../helpers/tiny-scene.ts';

const scene = tinyScene({
  objects: [
    { id: 1, category: 'chair', center: [0, 0, 0.45], size: [0.5, 0.5, 0.9] },
    { id: 2, category: 'table', center: [3, 0, 0.375], size: [1.2, 0.8, 0.75], yaw: 0.7 },
    { id: 3, category: 'cup', center: [3, 0, 0.8], size: [0.08, 0.08, 0.125] },
    { id: 4, category: 'lamp', center: [1, 1, 0.5] },
  ],
  views: [
    { frame: 0, shows: { 1: 0.9, 2: 0.8 } },
    { frame: 1, shows: { 3: 0.7, 4: 0 } },
  ],
});

test('single image: one question per object per view, the longest box side in whole centimetres', async (t) => {
  const candidates = await generate('object-size', scene, 'single-image');
  const byObject = Object.fromEntries(candidates.map((c) => [c.refs[0]!.category, c]));
  t.deepEqual(Object.keys(byObject).sort(), ['chair', 'cup', 'table'], 'the lamp at visibility 0 is not shown');
  t.is(byObject.chair!.answer, '90');
  t.is(byObject.table!.answer, '120', 'yaw does not change the box sides');
  t.is(byObject.cup!.answer, '13', '12.5 cm rounds half up');
  t.is(byObject.chair!.question, 'What is the length of the longest dimension (length, width, or height) of the chair, measured in centimeters?');
  t.deepEqual(byObject.cup!.frames, [1]);
  t.deepEqual(byObject.cup!.media.images, ['/tiny/color/1.jpg']);
  t.is(byObject.cup!.answerKind, 'number');
  t.like(byObject.table!.facts, { longestCm: 120, object: { category: 'table', size: [1.2, 0.8, 0.75], longest: 1.2 } });
});

test('video: each object of the capture once, over the frame list', async (t) => {
  const candidates = await generate('object-size', scene, 'video');
  t.deepEqual(candidates.map((c) => c.refs[0]!.objectId).sort(), [1, 2, 3]);
  t.deepEqual(candidates[0]!.frames, [0, 1]);
});

test('multi-view needs 8 views that show something', async (t) => {
  t.deepEqual(await generate('object-size', scene, 'multi-view'), []);
});

test('the modalities option narrows what the plugin generates; an unsupported one is a config error', async (t) => {
  t.deepEqual(await generate('object-size', scene, 'single-image', {}, { modalities: ['video'] }), []);
  await t.throwsAsync(() => taskLadder([['task-object-counting', { modalities: ['single-image'] }]]), {
    instanceOf: ConfigError,
    message: /options\.modalities\[0\]/,
  });
});
