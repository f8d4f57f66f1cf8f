import test from 'ava';
import { optionTexts } from '../../../lib/tasks/index.ts';
import { generate, tinyScene } from '../../helpers/tiny-scene.ts';
import type { Candidate } from '../../../core/index.ts';

const chosen = (c: Candidate) => optionTexts(c.options!)['ABCD'.indexOf(c.answer)];
const named = (c: Candidate) => c.refs.map((r) => r.category).join(',');

test('single image: d = c1 - c2 in the camera frame; left/right by d.x, front/back by d.z', async (t) => {
  const scene = tinyScene({
    objects: [
      { id: 1, category: 'chair', center: [0, 0, 0.5] },
      { id: 2, category: 'table', center: [1, 0, 0.5] },
    ],
    views: [{ frame: 0, shows: { 1: { visibility: 1, camera: [-1, 0.3, 3] }, 2: { visibility: 1, camera: [0.5, 0, 2] } } }],
  });
  const candidates = await generate('relative-direction', scene, 'single-image');
  const byPair = Object.fromEntries(candidates.map((c) => [named(c), c]));
  t.is(chosen(byPair['chair,table']!), 'left-front'); // d = (-1.5, 0.3, 1)
  t.is(chosen(byPair['table,chair']!), 'right-back'); // d = (1.5, -0.3, -1)
  t.is(byPair['chair,table']!.question, "From the camera's perspective, is the chair to the table's left-front, left-back, right-front or right-back?");
  t.deepEqual(optionTexts(byPair['chair,table']!.options!).sort(), ['left-back', 'left-front', 'right-back', 'right-front']);
  t.deepEqual(byPair['chair,table']!.facts!.delta, [-1.5, 0.3, 1]);
});

// P = bed at (0, 0), O = door at (0, 1); lamp (-1, 1), sofa (1, -1), plant (-1, 0) on the 90-degree boundary
const multi = tinyScene({
  objects: [
    { id: 1, category: 'bed', center: [0, 0, 0.5] },
    { id: 2, category: 'door', center: [0, 1, 1] },
    { id: 3, category: 'lamp', center: [-1, 1, 0.5] },
    { id: 4, category: 'sofa', center: [1, -1, 0.5] },
    { id: 5, category: 'plant', center: [-1, 0, 0.5] },
    { id: 6, category: 'stool', center: [0, 0, 1.5] },
  ],
  views: Array.from({ length: 8 }, (_, i) => ({ frame: i, shows: { 1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1 } })),
});

for (const modality of ['multi-view', 'video'] as const)
  test(`${modality}: standing by P facing O, the quadrant of Q counter-clockwise from forward`, async (t) => {
    const candidates = await generate('relative-direction', multi, modality, { views: 8, viewSets: 1 });
    const byTriple = Object.fromEntries(candidates.map((c) => [named(c), c]));
    t.is(chosen(byTriple['bed,door,lamp']!), 'front-left');
    t.is(chosen(byTriple['bed,door,sofa']!), 'back-right');
    t.is(chosen(byTriple['bed,door,plant']!), 'back-left', 'exactly 90 degrees opens back-left (the margin filter drops it)');
    t.is(chosen(byTriple['door,bed,sofa']!), 'front-left'); // facing -y from (0, 1): the sofa at (1, -2) relative, 26.6 degrees to the left
    t.is((byTriple['bed,door,lamp']!.facts as { angle: number }).angle, 45);
    t.true(byTriple['bed,door,lamp']!.question.startsWith('If I am standing by the bed and facing the door, is the lamp to my front-left, front-right, back-left or back-right?'));
    t.false(candidates.some((c) => named(c).startsWith('bed,stool') || named(c).startsWith('stool,bed')), 'P above O on the floor plane has no forward direction');
    t.is(candidates[0]!.frames.length, 8);
  });
