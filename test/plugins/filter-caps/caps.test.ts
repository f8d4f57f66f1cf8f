import test from 'ava';
import type { Candidate } from '../../../core/index.ts';
import { applyCaps } from '../../../plugins/filter-caps/index.ts';
import { candidate, kept, tinyScene } from '../../helpers/tiny-scene.ts';

const scene = tinyScene({
  objects: ['chair', 'table', 'sofa', 'lamp'].map((category, i) => ({ id: i + 1, category, center: [i, 0, 0.5] as [number, number, number] })),
  views: [{ frame: 0, shows: { 1: 1, 2: 1, 3: 1, 4: 1 } }],
});

const many = (task: string, n: number, ids: number[]): Candidate[] =>
  Array.from({ length: n }, (_, i) => candidate(scene, task, 'single-image', ids, [0], i));

test('per scene: the cap is shared out one (task, modality) cell at a time, so small cells survive', (t) => {
  const candidates = [...many('object-size', 20, [1]), ...many('absolute-distance', 20, [2, 3]), ...many('room-size', 1, [])];
  const out = applyCaps(candidates, { perScene: 7, perCategory: 100 }, 1, 'tiny');
  t.is(out.length, 7);
  const byTask = (task: string) => out.filter((c) => c.task === task).length;
  t.deepEqual([byTask('absolute-distance'), byTask('object-size'), byTask('room-size')], [3, 3, 1]);
  t.deepEqual(out, candidates.filter((c) => out.includes(c)), 'survivors keep their order');
});

test('per (scene, category): a question counts towards every category it names', (t) => {
  const candidates = [...many('object-size', 5, [1]), ...many('absolute-distance', 5, [1, 2]), ...many('object-size', 5, [2])];
  const out = applyCaps(candidates, { perScene: 100, perCategory: 3 }, 1, 'tiny');
  const names = (c: Candidate) => c.refs.map((r) => r.category);
  const chairs = out.filter((c) => names(c).includes('chair')).length;
  const tables = out.filter((c) => names(c).includes('table')).length;
  t.true(chairs <= 3 && tables <= 3);
  t.is(chairs, 3);
  t.is(tables, 3);
});

test('per cell, and the same seed keeps the same candidates', (t) => {
  const candidates = [...many('object-size', 10, [1]), ...many('absolute-distance', 10, [2, 3])];
  const out = applyCaps(candidates, { perScene: 100, perCategory: 100, perCell: 2 }, 1, 'tiny');
  t.is(out.length, 4);
  t.deepEqual(applyCaps(candidates, { perScene: 5, perCategory: 100 }, 1, 'tiny'), applyCaps(candidates, { perScene: 5, perCategory: 100 }, 1, 'tiny'));
  t.notDeepEqual(
    applyCaps(candidates, { perScene: 5, perCategory: 100 }, 1, 'tiny').map((c) => c.id),
    applyCaps(candidates, { perScene: 5, perCategory: 100 }, 2, 'tiny').map((c) => c.id),
  );
});

test('caps run after the other filters whatever the plugin order', async (t) => {
  const s = tinyScene({ objects: scene.objects.map((o) => ({ id: o.id, category: o.category, center: o.centroid })), views: [{ frame: 0, shows: { 1: 0.1, 2: 1, 3: 1, 4: 1 } }] });
  const candidates = [candidate(s, 'object-size', 'single-image', [1], [0], 0), ...Array.from({ length: 3 }, (_, i) => candidate(s, 'object-size', 'single-image', [2 + i], [0], i + 1))];
  // caps listed first would keep 2 before visibility drops the chair; after it, 2 of the 3 visible remain
  const out = await kept([['filter-caps', { perScene: 2 }], 'filter-visibility'], s, candidates);
  t.is(out.length, 2);
  t.false(out.includes(candidates[0]!.id));
});
