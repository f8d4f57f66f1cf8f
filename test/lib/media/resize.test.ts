import test from 'ava';
import { PAPER_BUDGET, roundHalfEven, smartResize } from '../../../lib/media/index.ts';

test('round half to even, as Python 3 round()', (t) => {
  t.deepEqual([0.5, 1.5, 2.5, 3.5, 2.4, 2.6, -1.5].map(roundHalfEven), [0, 2, 2, 4, 2, 3, -2]);
});

test('ScanNet colour frames fit the paper budget at 364x252', (t) => {
  // 968/3.5357 = 273.8 -> 252; 1296/3.5357 = 366.5 -> 364 (floors to multiples of 28)
  t.deepEqual(smartResize(1296, 968, PAPER_BUDGET), { width: 364, height: 252 });
  t.true(364 * 252 <= PAPER_BUDGET.maxPixels);
});

test('small images are scaled up to the minimum pixel count', (t) => {
  // 64x48: beta = sqrt(12544/3072) = 2.0207; 129.3 -> 140, 97.0 -> 112
  t.deepEqual(smartResize(64, 48, PAPER_BUDGET), { width: 140, height: 112 });
});

test('sizes already inside the budget round to multiples of 28', (t) => {
  // 300/28 = 10.71 -> 11 -> 308; 200/28 = 7.14 -> 7 -> 196
  t.deepEqual(smartResize(300, 200, PAPER_BUDGET), { width: 308, height: 196 });
  // exact half: 42/28 = 1.5 rounds to 2 (even) -> 56; 98/28 = 3.5 rounds to 4 -> 112
  t.deepEqual(smartResize(42 * 4, 98, { factor: 28, minPixels: 1, maxPixels: 1e9 }), { width: 168, height: 112 });
});

test('extreme aspect ratios are rejected', (t) => {
  t.throws(() => smartResize(20_100, 100), { message: /aspect ratio/ });
});
