import test from 'ava';
import { generate, tinyScene } from '../../helpers/tiny-scene.ts';

// chair 1 in views 0-3, chair 2 in views 4-5, chair 3 only in view 8, table everywhere, chair 4 never visible
const scene = tinyScene({
  objects: [
    { id: 1, category: 'chair', center: [0, 0, 0.5] },
    { id: 2, category: 'chair', center: [2, 0, 0.5] },
    { id: 3, category: 'chair', center: [4, 0, 0.5] },
    { id: 4, category: 'chair', center: [6, 0, 0.5] },
    { id: 5, category: 'table', center: [0, 3, 0.5] },
  ],
  views: Array.from({ length: 9 }, (_, i) => ({
    frame: i,
    shows: { ...(i < 4 ? { 1: 0.8 } : {}), ...(i === 4 || i === 5 ? { 2: 0.6 } : {}), ...(i === 8 ? { 3: 0.9 } : {}), 4: 0, 5: 0.7 },
  })),
});

const answers = (candidates: { question: string; answer: string }[]) => Object.fromEntries(candidates.map((c) => [c.question, c.answer]));

test('multi-view: distinct instances present in any of the 8 views', async (t) => {
  // 9 views, 8 per set: the set leaving out view 8 sees 2 chairs; a set with view 8 sees 3
  const candidates = await generate('object-counting', scene, 'multi-view', { views: 8, viewSets: 9 });
  for (const c of candidates) {
    const chairs = [1, 2, 3].filter((id) => c.refs.some((r) => r.objectId === id));
    if (c.question === 'How many chair(s) appear?') t.is(c.answer, String(c.frames.includes(8) ? 3 : 2));
    else t.is(c.answer, '1');
    if (c.question.includes('chair')) t.deepEqual(chairs, c.frames.includes(8) ? [1, 2, 3] : [1, 2], 'every counted instance is a reference');
  }
  t.true(candidates.some((c) => !c.frames.includes(8)));
  t.true(candidates.some((c) => c.frames.includes(8)));
});

test('video: instances present anywhere in the capture; facts say which frames show each', async (t) => {
  const [chair] = (await generate('object-counting', scene, 'video', { frames: 3 })).filter((c) => c.question.includes('chair'));
  t.is(chair!.answer, '3', 'chair 4 (never visible) is not counted');
  t.deepEqual(chair!.frames, [0, 4, 8]);
  t.deepEqual((chair!.facts!.instances as { id: number; shownIn: number[] }[]).map((i) => [i.id, i.shownIn]), [[1, [1]], [2, [2]], [3, [3]]]);
  t.deepEqual(answers(await generate('object-counting', scene, 'video')), { 'How many chair(s) appear?': '3', 'How many table(s) appear?': '1' });
});

test('minCount and maxCount bound the counts asked about', async (t) => {
  t.deepEqual(answers(await generate('object-counting', scene, 'video', {}, { minCount: 2 })), { 'How many chair(s) appear?': '3' });
  t.deepEqual(answers(await generate('object-counting', scene, 'video', {}, { maxCount: 2 })), { 'How many table(s) appear?': '1' });
});

test('no single-image counting (the task x modality table)', async (t) => {
  t.deepEqual(await generate('object-counting', scene, 'single-image'), []);
});

test('data.taskOptions override the plugin options per call, validated', async (t) => {
  t.deepEqual(answers(await generate('object-counting', scene, 'video', { minCount: 2 })), { 'How many chair(s) appear?': '3' });
  t.deepEqual(await generate('object-counting', scene, 'video', { modalities: ['multi-view'] }), []);
  await t.throwsAsync(() => generate('object-counting', scene, 'video', { minCount: 0 }), { message: /^data\.taskOptions\.object-counting\.minCount: / });
});
