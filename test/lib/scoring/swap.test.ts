import test from 'ava';
import { ControlUnavailable } from '../../../core/index.ts';
import { swapPartners, type SwappableRow } from '../../../lib/scoring/index.ts';

const row = (id: string, scene: string, modality = 'single-image', media = 1): SwappableRow => ({
  id,
  scene,
  modality,
  media: Array.from({ length: media }, (_, i) => `${scene}/${id}-${i}.jpg`),
});

test('every row is paired with a row of the same modality and media count from another scene, half the group away', (t) => {
  const rows = [
    row('a1', 'A'),
    row('a2', 'A'),
    row('b1', 'B'),
    row('b2', 'B'),
    row('c1', 'C'),
    row('c2', 'C'),
    row('mv-a', 'A', 'multi-view', 2),
    row('mv-b', 'B', 'multi-view', 2),
    row('mv3-b', 'B', 'multi-view', 3),
    row('mv3-c', 'C', 'multi-view', 3),
  ];
  const partners = swapPartners(rows, 'held-out');
  const of = (id: string) => partners.get(id)!.id;
  // single images, 6 in the group: position i takes position i + 3 (cyclic), the first of another scene from there on
  t.deepEqual(['a1', 'a2', 'b1', 'b2', 'c1', 'c2'].map(of), ['b2', 'c1', 'c2', 'a1', 'a2', 'b1']);
  // multi-view rows only with multi-view rows of as many views
  t.deepEqual(['mv-a', 'mv-b', 'mv3-b', 'mv3-c'].map(of), ['mv-b', 'mv-a', 'mv3-c', 'mv3-b']);
  for (const r of rows) t.not(partners.get(r.id)!.scene, r.scene, `${r.id} is given another room's frames`);
  t.deepEqual(swapPartners(rows, 'held-out'), partners, 'the same pairing on every call');
});

test('the shift skips rows of the same scene', (t) => {
  // 4 rows, shift 2: a1 -> a3 is the same scene, so the next row on, b1
  const partners = swapPartners([row('a1', 'A'), row('a2', 'A'), row('a3', 'A'), row('b1', 'B')], 'validation');
  t.deepEqual([...partners].map(([id, p]) => `${id}->${p.id}`), ['a1->b1', 'a2->b1', 'a3->b1', 'b1->a2']);
});

test('a row whose media count only its own scene has takes another room\'s row of its modality', (t) => {
  const partners = swapPartners([row('mv-a', 'A', 'multi-view', 2), row('mv-a3', 'A', 'multi-view', 3), row('mv-b', 'B', 'multi-view', 2)], 'held-out');
  t.is(partners.get('mv-a3')!.id, 'mv-b');
  t.is(partners.get('mv-a')!.id, 'mv-b');
});

test('a row without a scene, or with no row of another scene of its modality, is an error naming it', (t) => {
  t.throws(() => swapPartners([row('a1', 'A'), { id: 'x', modality: 'single-image', media: ['x.jpg'] }], 'held-out'), {
    message: /held-out row x: no scene/,
  });
  t.throws(() => swapPartners([row('a1', 'A'), row('b1', 'B'), row('mv-a', 'A', 'multi-view', 2)], 'held-out'), {
    instanceOf: ControlUnavailable,
    message: /held-out row mv-a: no multi-view row from a scene other than A/,
  });
});
