import test from 'ava';
import { aggregateScores, VSI_LAYOUT, type ScoredRow } from '../../../lib/scoring/index.ts';

const row = (type: string, kind: ScoredRow['kind'], score: number, modality?: string): ScoredRow => ({ type, kind, score, modality });

test('per-type means, rel-direction levels averaged first, macro average (by hand)', (t) => {
  const rows = [
    row('object_counting', 'NQ', 1),
    row('object_counting', 'NQ', 0.5),
    row('object_abs_distance', 'NQ', 0.25),
    row('object_rel_direction_easy', 'MCQ', 1),
    row('object_rel_direction_easy', 'MCQ', 0),
    row('object_rel_direction_medium', 'MCQ', 1),
    row('object_rel_direction_hard', 'MCQ', 0),
    row('object_rel_direction_hard', 'MCQ', 0),
    row('object_rel_direction_hard', 'MCQ', 0),
    row('route_planning', 'MCQ', 1),
    row('route_planning', 'MCQ', 0),
  ];
  const report = aggregateScores(rows, VSI_LAYOUT);
  // rel direction: (0.5 + 1 + 0) / 3 = 0.5 over 6 rows (a plain mean of the 6 rows would be 2/6)
  t.deepEqual(report.scores, [
    { type: 'object_counting', kind: 'NQ', count: 2, score: 75 },
    { type: 'object_abs_distance', kind: 'NQ', count: 1, score: 25 },
    { type: 'object_rel_direction', kind: 'MCQ', count: 6, score: 50, levels: ['object_rel_direction_easy', 'object_rel_direction_medium', 'object_rel_direction_hard'] },
    { type: 'route_planning', kind: 'MCQ', count: 2, score: 50 },
  ]);
  t.is(report.nq, 50); // (0.75 + 0.25) / 2
  t.is(report.mcq, 50);
  t.is(report.avg, 50); // (0.25 + 0.75 + 0.5 + 0.5) / 4, types not rows
  t.is(report.byModality, undefined);
});

test('bit-identical to lmms-eval vsibench_aggregate_results on 2,000 rows', (t) => {
  // The same rows fed to lmms-eval's aggregation (numpy 2.4) gave overall 0.4378340863011087.
  const types = ['object_counting', 'object_abs_distance', 'object_size_estimation', 'room_size_estimation', 'object_rel_distance',
    'object_rel_direction_easy', 'object_rel_direction_medium', 'object_rel_direction_hard', 'route_planning', 'obj_appearance_order'];
  const rows = Array.from({ length: 2000 }, (_, i) => {
    const type = types[(i * 3 + Math.floor(i / 7)) % 10]!;
    const numeric = types.indexOf(type) < 4;
    return row(type, numeric ? 'NQ' : 'MCQ', numeric ? ((i * 7) % 11) / 10 : (i * 13) % 5 < 2 ? 1 : 0);
  });
  const report = aggregateScores(rows, VSI_LAYOUT);
  t.is(report.avg, 100 * 0.4378340863011087);
  t.is(report.avg, 43.78340863011087);
  t.is(report.nq, 50.08797429620563);
  t.is(report.mcq, 37.47884296401611);
  const byType = Object.fromEntries(report.scores.map((s) => [s.type, [s.score, s.count]]));
  t.deepEqual(byType.object_counting, [100 * 0.49606986899563316, 229]);
  t.deepEqual(byType.room_size_estimation, [100 * 0.49825581395348845, 172]);
  t.deepEqual(byType.object_rel_direction, [100 * 0.4177583697234352, 571]);
  t.deepEqual(report.scores.map((s) => s.type), VSI_LAYOUT.order);
});

test('a missing rel-direction level: the present ones are averaged', (t) => {
  const report = aggregateScores([row('object_rel_direction_easy', 'MCQ', 1), row('object_rel_direction_hard', 'MCQ', 0)], VSI_LAYOUT);
  t.deepEqual(report.scores, [{ type: 'object_rel_direction', kind: 'MCQ', count: 2, score: 50, levels: ['object_rel_direction_easy', 'object_rel_direction_hard'] }]);
  t.true(Number.isNaN(report.nq), 'no numeric type: NQ is NaN (null in JSON)');
});

test('per-modality cells; localization (IoU, with its share of valid JSON) and free text (F1) reported there and kept out of the averages', (t) => {
  const report = aggregateScores(
    [
      row('relative-direction', 'MCQ', 1, 'video'),
      row('relative-direction', 'MCQ', 0, 'single-image'),
      row('relative-direction', 'MCQ', 1, 'single-image'),
      row('object-size', 'NQ', 0.6, 'multi-view'),
      { ...row('localization', 'IoU', 0.25, 'single-image'), valid: true },
      { ...row('localization', 'IoU', 0, 'single-image'), valid: false },
      row('caption', 'F1', 0.5, 'single-image'),
    ],
    { order: ['object-size', 'relative-direction', 'localization'] },
  );
  t.deepEqual(report.scores.map((s) => [s.type, s.score]), [['object-size', 60], ['relative-direction', 100 * (2 / 3)]]);
  t.is(report.avg, 100 * ((0.6 + 2 / 3) / 2));
  t.deepEqual(report.byModality, [
    { type: 'object-size', modality: 'multi-view', kind: 'NQ', count: 1, score: 60 },
    { type: 'relative-direction', modality: 'single-image', kind: 'MCQ', count: 2, score: 50 },
    { type: 'relative-direction', modality: 'video', kind: 'MCQ', count: 1, score: 100 },
    { type: 'localization', modality: 'single-image', kind: 'IoU', count: 2, score: 12.5, valid: 50 },
    { type: 'caption', modality: 'single-image', kind: 'F1', count: 1, score: 50 },
  ]);
});

test('a type mixing numeric and multiple-choice rows is an error', (t) => {
  t.throws(() => aggregateScores([row('x', 'NQ', 1), row('x', 'MCQ', 1)]), { message: /question type "x" mixes NQ and MCQ rows/ });
});
