import test from 'ava';
import { aggregateScores, beyondRowNoise, intervalText, pairedDifference, scoreIntervals, VSI_LAYOUT, type RowScore, type ScoredRow } from '../../../lib/scoring/index.ts';

/** n rows of a type, the first `right` scoring 1, the rest 0. */
const rows = (type: string, n: number, right: number, prefix = type): RowScore[] =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}/${i}`, type, score: i < right ? 1 : 0 }));
const scores = (types: [string, 'NQ' | 'MCQ'][]) => types.map(([type, kind]) => ({ type, kind, count: 0, score: 0 }));

test('interval of one type of 400 rows at half right: about the normal approximation (1.96 x 2.5 points each side)', (t) => {
  const intervals = scoreIntervals(rows('a', 400, 200), scores([['a', 'MCQ']]));
  const avg = intervals.avg!;
  t.is(avg.estimate, 50);
  t.true(avg.high - 50 > 4 && avg.high - 50 < 6, `upper half-width ${avg.high - 50}`);
  t.true(50 - avg.low > 4 && 50 - avg.low < 6, `lower half-width ${50 - avg.low}`);
  t.deepEqual(intervals.mcq, avg);
  t.is(intervals.nq, undefined, 'no numeric type: no NQ interval');
  t.deepEqual(scoreIntervals(rows('a', 400, 200), scores([['a', 'MCQ']])), intervals, 'seeded: the same rows give the same interval');
});

test('a macro average: a type of 15 rows widens the Avg more than one of 400 (each weighs the same)', (t) => {
  const types = scores([['big', 'NQ'], ['small', 'NQ']]);
  const balanced = scoreIntervals([...rows('big', 400, 200), ...rows('small', 400, 200)], types).avg!;
  const lopsidedIntervals = scoreIntervals([...rows('big', 400, 200), ...rows('small', 15, 7)], types);
  const lopsided = lopsidedIntervals.avg!;
  t.true(lopsided.high - lopsided.low > 2 * (balanced.high - balanced.low), `${intervalText(lopsided)} against ${intervalText(balanced)}`);
  t.true(Math.abs(lopsided.estimate - (50 + 100 * (7 / 15)) / 2) < 1e-9);
  // each type's own interval: 15 rows about four times as wide as 400 (sqrt(400 / 15) = 5.2, bounded by 0 and 100)
  const { big, small } = lopsidedIntervals.types!;
  const width = (i: { low: number; high: number }) => i.high - i.low;
  t.is(small!.estimate, (100 * 7) / 15);
  t.true(width(small!) > 4 * width(big!), `${intervalText(small!)} against ${intervalText(big!)}`);
});

test('no row in the averages (none scored, or only localization rows): no interval', (t) => {
  t.deepEqual(scoreIntervals([], []), {});
  t.deepEqual(scoreIntervals([{ type: 'caption', score: 0.4 }], []), {});
  t.deepEqual(pairedDifference([], [], []), { rows: 0, unpaired: 0, difference: {} });
});

test('rows every score is right on: an interval of one point', (t) => {
  t.deepEqual(scoreIntervals(rows('a', 50, 50), scores([['a', 'NQ']])).avg, { estimate: 100, low: 100, high: 100 });
});

test('merged levels and rows outside the averages: the estimate is the report\'s Avg', (t) => {
  const scored: (ScoredRow & RowScore)[] = [
    ...rows('object_counting', 30, 12).map((r) => ({ ...r, kind: 'NQ' as const })),
    ...rows('object_rel_direction_easy', 10, 9).map((r) => ({ ...r, kind: 'MCQ' as const })),
    ...rows('object_rel_direction_hard', 40, 8).map((r) => ({ ...r, kind: 'MCQ' as const })),
    ...rows('localization', 20, 20).map((r) => ({ ...r, kind: 'IoU' as const })),
  ];
  const report = aggregateScores(scored, VSI_LAYOUT);
  t.deepEqual(report.scores.find((s) => s.type === 'object_rel_direction')?.levels, ['object_rel_direction_easy', 'object_rel_direction_hard']);
  const intervals = scoreIntervals(scored, report.scores);
  t.true(Math.abs(intervals.avg!.estimate - report.avg) < 1e-9, `${intervals.avg!.estimate} against ${report.avg}`);
  t.true(Math.abs(intervals.mcq!.estimate - report.mcq) < 1e-9);
  t.true(intervals.avg!.low < report.avg && report.avg < intervals.avg!.high);
});

test('paired: a checkpoint one row better on every type differs beyond row noise, where its own interval is 10 points wide', (t) => {
  const types = scores([['a', 'NQ'], ['b', 'MCQ']]);
  const before = [...rows('a', 200, 100), ...rows('b', 200, 60)];
  // the same answers, and one more right row of each type
  const after = [...rows('a', 200, 104), ...rows('b', 200, 64)];
  const alone = scoreIntervals(after, types).avg!;
  t.true(alone.high - alone.low > 6, `each alone: ${intervalText(alone)}`);
  const { rows: paired, unpaired, difference } = pairedDifference(after, before, types);
  t.deepEqual([paired, unpaired], [400, 0]);
  t.true(Math.abs(difference.avg!.estimate - 2) < 1e-9);
  t.true(beyondRowNoise(difference.avg!), intervalText(difference.avg!, { signed: true }));
  t.true(difference.avg!.high - difference.avg!.low < 3);
  // the same scores on other rows (no row answered alike): within noise
  const shuffled = [...rows('a', 200, 100, 'x').reverse(), ...rows('b', 200, 60, 'y').reverse()].map((r, i) => ({ ...r, id: before[i]!.id }));
  t.false(beyondRowNoise(pairedDifference(shuffled, before, types).difference.avg!));
  t.deepEqual(pairedDifference(before, before, types).difference.avg, { estimate: 0, low: 0, high: 0 });
});

test('paired: rows scored on one side only are left out and counted; a row of another type is refused', (t) => {
  const types = scores([['a', 'NQ']]);
  const result = pairedDifference(rows('a', 10, 5), rows('a', 8, 8), types);
  t.deepEqual([result.rows, result.unpaired], [8, 2]);
  t.is(result.difference.avg!.estimate, 100 * (5 / 8) - 100);
  const error = t.throws(() => pairedDifference([{ id: 'q1', type: 'a', score: 1 }], [{ id: 'q1', type: 'b', score: 1 }], scores([['a', 'NQ'], ['b', 'NQ']])));
  t.regex(error!.message, /row q1 is "a" in one evaluation and "b" in another/);
  t.deepEqual(pairedDifference(rows('a', 3, 1), rows('a', 3, 1, 'other'), types), { rows: 0, unpaired: 6, difference: {} });
});
