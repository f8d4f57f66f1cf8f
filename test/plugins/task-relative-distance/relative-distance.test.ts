import test from 'ava';
import { optionTexts } from '../../../lib/tasks/index.ts';
import { generate, tinyScene } from '../../helpers/tiny-scene.ts';
import type { Candidate } from '../../../core/index.ts';

const cube = (id: number, category: string, x: number, y: number) => ({ id, category, center: [x, y, 0.5] as [number, number, number], size: [1, 1, 1] as [number, number, number] });

// gaps from the lamp's box: chair 1.0, table 3.0, bed 1.0 (a tie with the chair)
const scene = tinyScene({
  objects: [cube(1, 'lamp', 0, 0), cube(2, 'chair', 2, 0), cube(3, 'table', 0, 4), cube(4, 'bed', -2, 0)],
  views: [
    { frame: 0, shows: { 1: 1, 2: 1, 3: 1 } },
    { frame: 1, shows: { 1: 1, 2: 1, 4: 1 } },
  ],
});

const chosen = (c: Candidate) => optionTexts(c.options!)['AB'.indexOf(c.answer)];

test('the answer letter names the candidate whose box is closer to the target', async (t) => {
  const candidates = await generate('relative-distance', scene, 'single-image');
  t.is(candidates.length, 6, 'three targets per view, each with the other two as candidates');
  const lamp = candidates.find((c) => c.frames[0] === 0 && c.refs[0]!.category === 'lamp')!;
  t.is(chosen(lamp), 'chair');
  t.is(lamp.answerKind, 'choice');
  t.is(lamp.options!.length, 2);
  const [first, second] = lamp.refs.slice(1).map((r) => r.category);
  t.is(lamp.question, `Measuring from the closest point of each object, which of these two objects (${first}, ${second}) is closer to the lamp?`);
  const facts = lamp.facts as { choices: { category: string; distance: number }[]; closer: string };
  t.deepEqual(Object.fromEntries(facts.choices.map((c) => [c.category, c.distance])), { chair: 1, table: 3 });
  t.is(facts.closer, 'chair');
  // the table as target: the lamp (gap 3.0) against the chair (corner gap sqrt(1^2 + 3^2) = 3.162)
  t.is(chosen(candidates.find((c) => c.frames[0] === 0 && c.refs[0]!.category === 'table')!), 'lamp');
});

test('an exact tie names the first-listed candidate (the distance filter drops ties)', async (t) => {
  const tie = (await generate('relative-distance', scene, 'single-image')).find((c) => c.frames[0] === 1 && c.refs[0]!.category === 'lamp')!;
  const facts = tie.facts as { choices: { distance: number }[] };
  t.deepEqual(facts.choices.map((c) => c.distance), [1, 1]);
  t.is(chosen(tie), tie.refs[1]!.category);
});
