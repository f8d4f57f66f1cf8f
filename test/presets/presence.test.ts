import test from 'ava';
import { fileURLToPath } from 'node:url';
import { createRandom } from '../../core/index.ts';
import { taskLadder, tinyScene } from '../helpers/tiny-scene.ts';

const plugin = fileURLToPath(new URL('../../presets/spatial-ladder/tuning/task-presence.ts', import.meta.url));

// two views of one room: the first shows a bed clearly and a lamp barely, the second the sofa alone
const scene = tinyScene({
  objects: [
    { id: 1, category: 'bed', center: [0, 0, 0.5] },
    { id: 2, category: 'lamp', center: [1, 0, 0.5] },
    { id: 3, category: 'sofa', center: [2, 0, 0.5] },
    { id: 4, category: 'wall', center: [3, 0, 1.5] },
  ],
  views: [
    { frame: 0, shows: { 1: { visibility: 0.9, box: [0, 300, 400, 900] }, 2: { visibility: 0.1, box: [600, 400, 680, 500] }, 4: { visibility: 1, box: [0, 0, 1296, 968] } } },
    { frame: 1, shows: { 3: { visibility: 0.8, box: [100, 300, 500, 700] } } },
  ],
});

async function questions(perFrame: number) {
  const ladder = await taskLadder([[plugin, { perFrame }]]);
  return [...ladder.get('tasks', 'presence').generate(scene, 'single-image', { seed: 1, random: createRandom(1, 'presence'), options: {} })];
}

test('tuning/task-presence.ts: per view a clearly shown category answered yes, a category of the room the view does not show answered no', async (t) => {
  const asked = await questions(1);
  const byFrame = (frame: number) => asked.filter((c) => c.frames[0] === frame).map((c) => [c.question, c.answer]);
  // view 0: the bed is the one clear category; the lamp is barely shown (never asked either way), the wall is structure
  t.deepEqual(byFrame(0), [
    ['Is there a bed in the image?', 'yes.'],
    ['Is there a sofa in the image?', 'no.'],
  ]);
  t.is(byFrame(1)[0]![0], 'Is there a sofa in the image?');
  t.is(byFrame(1)[0]![1], 'yes.');
  t.regex(byFrame(1)[1]![0]!, /^Is there a (bed|lamp) in the image\?$/);
  t.is(byFrame(1)[1]![1], 'no.');
  t.true(asked.every((c) => c.answerKind === 'text' && c.modality === 'single-image'));
  const twice = await questions(2);
  t.is(twice.length, 8, 'perFrame 2: two of each answer per view');
});
