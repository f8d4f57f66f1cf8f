import test from 'ava';
import { MRA_THRESHOLDS, meanRelativeAccuracy as mra } from '../../../lib/scoring/index.ts';

test('thresholds are numpy.linspace(0.5, 0.95, 10), bit for bit', (t) => {
  // printed by numpy 2.4: np.linspace(.5, .95, int((.95 - .5) / .05 + 2)).tolist()
  t.deepEqual(MRA_THRESHOLDS, [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.8999999999999999, 0.95]);
  t.is(1 - MRA_THRESHOLDS[1]!, 0.44999999999999996);
  t.is(1 - MRA_THRESHOLDS[8]!, 0.10000000000000009);
});

test('a relative error exactly at 1 - t counts (<=, as VSI-Bench computes; the paper writes <)', (t) => {
  // pred = t_i against truth 1: |t_i - 1| is computed exactly and equals the 1 - t_i it is compared with,
  // so thresholds 0..i all hold: (i + 1) / 10. With "<" it would be i / 10.
  MRA_THRESHOLDS.forEach((threshold, i) => t.is(mra(threshold, 1), (i + 1) / 10, `pred ${threshold}`));
});

// (prediction, truth, expected): expected values printed by lmms-eval's mean_relative_accuracy under numpy 2.4
const PAIRS: [number, number, number][] = [
  [11, 10, 0.9], // error 0.1 <= 1 - 0.8999999999999999; literal 0.9 thresholds would give 0.8
  [9, 10, 0.9],
  [12, 10, 0.6], // error 0.2 > 1 - 0.8 = 0.19999999999999996
  [8, 10, 0.6],
  [1.45, 1, 0.2],
  [0.55, 1, 0.2],
  [1.5, 1, 0.1],
  [2, 1, 0],
  [3.3, 3, 0.9],
  [4.5, 3, 0.1],
  [2.05, 2, 1],
  [1.95, 2, 1],
  [10.5, 10, 1],
  [10.49, 10, 1],
  [0.5, 1, 0.1],
  [0.9, 1, 0.9],
  [1.1, 1, 0.9],
  [1.15, 1, 0.8],
  [1.05, 1, 1],
  [100, 100, 1],
  [130, 100, 0.5],
  [70, 100, 0.5],
  [57.5, 50, 0.8],
  [42.5, 50, 0.8],
  [7, 5, 0.3],
  [3, 5, 0.3],
  [0.2, 0.1, 0],
  [0.13, 0.1, 0.5],
  [1.6, 2, 0.7],
  [2.4, 2, 0.7],
];

test('MRA on many (prediction, truth) pairs matches the reference implementation', (t) => {
  for (const [prediction, truth, expected] of PAIRS) t.is(mra(prediction, truth), expected, `mra(${prediction}, ${truth})`);
});

test('zero, negative and huge predictions score 0', (t) => {
  t.is(mra(0, 1), 0);
  t.is(mra(-1, 1), 0);
  t.is(mra(-3, 2), 0);
  t.is(mra(1e300, 1), 0);
  t.is(mra(1e-300, 1), 0);
  t.is(mra(Number.MAX_VALUE, 3), 0);
});

test('non-numeric predictions score 0: null, undefined, NaN, infinities', (t) => {
  t.is(mra(null, 5), 0);
  t.is(mra(undefined, 5), 0);
  t.is(mra(Number.NaN, 5), 0);
  t.is(mra(Infinity, 5), 0);
  t.is(mra(-Infinity, 5), 0);
});

test('a zero truth scores 0 for any prediction (the ratio is not finite)', (t) => {
  t.is(mra(0, 0), 0);
  t.is(mra(1, 0), 0);
});

test('a negative truth is not guarded: the formula as written (benchmarks reject such rows)', (t) => {
  // |p - g| / g is negative, below every 1 - t
  t.is(mra(123, -2), 1);
});
