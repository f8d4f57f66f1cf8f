import test from 'ava';
import { optionTexts } from '../../../lib/tasks/index.ts';
import { generate, tinyScene } from '../../helpers/tiny-scene.ts';

const categories = ['chair', 'table', 'sofa', 'lamp', 'bed'];
// view i (time 2i) first shows object i+1; earlier objects stay in view
const scene = (count: number) =>
  tinyScene({
    objects: categories.slice(0, count).map((category, i) => ({ id: i + 1, category, center: [i, 0, 0.5] as [number, number, number] })),
    views: Array.from({ length: count }, (_, i) => ({
      frame: i * 10,
      time: 2 * i,
      shows: Object.fromEntries(Array.from({ length: i + 1 }, (_, j) => [j + 1, 0.8])),
    })),
  });

test('four categories ordered by first appearance; the options are four different orders', async (t) => {
  const candidates = await generate('appearance-order', scene(5), 'video');
  t.is(candidates.length, 5, 'C(5, 4) category sets');
  const noBed = candidates.find((c) => !c.refs.some((r) => r.category === 'bed'))!;
  t.is(optionTexts(noBed.options!)['ABCD'.indexOf(noBed.answer)], 'chair, table, sofa, lamp');
  t.is(new Set(noBed.options!.map((o) => o.slice(3))).size, 4);
  for (const option of optionTexts(noBed.options!)) t.deepEqual(option.split(', ').sort(), ['chair', 'lamp', 'sofa', 'table']);
  t.deepEqual(noBed.refs.map((r) => r.objectId), [1, 2, 3, 4], 'references in true order');
  t.regex(noBed.question, /^In what order do the following categories first appear in the video: \w+, \w+, \w+, \w+\?$/);
  t.deepEqual((noBed.facts!.order as { firstTime: number }[]).map((o) => o.firstTime), [0, 2, 4, 6]);
});

test('fewer than four categories in a video: no question', async (t) => {
  t.deepEqual(await generate('appearance-order', scene(3), 'video'), []);
});

test("the source's video first-seen times win over the views", async (t) => {
  const base = scene(4);
  const firstSeen = { 1: { frame: 30, time: 6 }, 2: { frame: 20, time: 4 }, 3: { frame: 10, time: 2 }, 4: { frame: 0, time: 0 } };
  const [c] = await generate('appearance-order', { ...base, id: 'reversed', video: { fps: 0.5, firstSeen } }, 'video');
  t.is(optionTexts(c!.options!)['ABCD'.indexOf(c!.answer)], 'lamp, sofa, table, chair');
});

test('a category with two instances appears when its first instance does', async (t) => {
  const twoLamps = tinyScene({
    objects: [...categories.slice(0, 4), 'lamp'].map((category, i) => ({ id: i + 1, category, center: [i, 0, 0.5] as [number, number, number] })),
    views: [
      { frame: 0, time: 0, shows: { 1: 1 } },
      { frame: 10, time: 2, shows: { 2: 1 } },
      { frame: 20, time: 3, shows: { 5: 1 } },
      { frame: 30, time: 4, shows: { 3: 1 } },
      { frame: 40, time: 6, shows: { 4: 1 } },
    ],
  });
  const [c] = await generate('appearance-order', twoLamps, 'video');
  t.is(optionTexts(c!.options!)['ABCD'.indexOf(c!.answer)], 'chair, table, lamp, sofa', 'the second lamp shows at t=3');
  t.is(c!.refs[2]!.objectId, 5);
});
