import test from 'ava';
import { captionText } from '../../../plugins/task-caption/index.ts';
import { generate, tinyScene } from '../../helpers/tiny-scene.ts';

// one view 1296 pixels wide: a large bed centred at x 200 (left third), a small lamp at 640 (middle),
// a window at 1100 (right) and a second, larger window at 300 (left): a category is placed by its largest box
const scene = tinyScene({
  objects: [
    { id: 1, category: 'bed', center: [0, 0, 0.5] },
    { id: 2, category: 'lamp', center: [1, 0, 0.5] },
    { id: 3, category: 'window', center: [2, 0, 1.5] },
    { id: 4, category: 'window', center: [3, 0, 1.5] },
    { id: 5, category: 'wall', center: [4, 0, 1.5] },
  ],
  views: [
    {
      frame: 0,
      shows: {
        1: { visibility: 0.9, box: [0, 300, 400, 900] },
        2: { visibility: 0.9, box: [600, 400, 680, 500] },
        3: { visibility: 0.9, box: [1050, 100, 1150, 300] },
        4: { visibility: 0.9, box: [200, 100, 400, 400] },
        5: { visibility: 1, box: [0, 0, 1296, 968] },
      },
    },
  ],
});

test('captions name the categories a view shows, the largest first, once each; structure is never named', async (t) => {
  const [caption] = await generate('caption', scene, 'single-image');
  t.is(caption!.question, 'Describe the image.');
  t.is(caption!.answer, 'a bed, a window and a lamp.');
  t.deepEqual(caption!.facts, { categories: ['bed', 'window', 'lamp'] });
});

test('positions: each category placed in the third of the image its largest box is centred in', async (t) => {
  const [caption] = await generate('caption', scene, 'single-image', {}, { positions: true });
  t.is(caption!.answer, 'a bed on the left, a window on the left and a lamp in the middle.');
  t.deepEqual(caption!.facts, { categories: ['bed', 'window', 'lamp'], where: ['on the left', 'on the left', 'in the middle'] });
  t.is(captionText(['armchair'], ['on the right']), 'an armchair on the right.');
  t.is(captionText([]), 'nothing.');
});
