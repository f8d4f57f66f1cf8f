import test from 'ava';
import { numpyMean, numpySum, pythonFloat, pythonStrip, pythonSum } from '../../../lib/scoring/index.ts';

test('pythonFloat accepts what Python float() accepts', (t) => {
  const cases: [string, number][] = [
    ['3', 3],
    ['3.5', 3.5],
    ['  -2.25\n', -2.25],
    ['+7', 7],
    ['.5', 0.5],
    ['5.', 5],
    ['1e3', 1000],
    ['1.5E-2', 0.015],
    ['1_000.5', 1000.5],
    ['\u00a042\t', 42],
    ['\u0663\u0664', 34], // Arabic-Indic digits
    ['\uff11\uff12.5', 12.5], // full-width digits
    ['1e400', Infinity],
    ['-inf', -Infinity],
    ['Infinity', Infinity],
  ];
  for (const [text, value] of cases) t.is(pythonFloat(text), value, JSON.stringify(text));
  t.true(Number.isNaN(pythonFloat('nan')));
  t.true(Number.isNaN(pythonFloat('-NaN')));
});

test('pythonFloat rejects what Python float() rejects', (t) => {
  for (const text of ['', ' ', '3m', '3.5.', '1,000', '0x10', '1__0', '_1', '1_', '1_.5', '1._5', 'e5', '.', '--1', 'inf inity', '3 4', 'A', 'three', '1e', '\ufeff1'])
    t.is(pythonFloat(text), null, JSON.stringify(text));
});

test('pythonStrip strips what str.strip() strips', (t) => {
  t.is(pythonStrip('\x1c\x85 a b \u3000\t'), 'a b');
  t.is(pythonStrip('\ufeffa'), '\ufeffa'); // U+FEFF is not whitespace in Python
});

test('numpySum is numpy pairwise summation (bit-identical where naive summation is not)', (t) => {
  // expected values printed by numpy 2.4: np.array(a).sum() and Python sum(a)
  const a = (n: number) => Array.from({ length: n }, (_, i) => ((i * 37) % 1000) / 997);
  t.is(numpySum(a(9)), 1.3360080240722167);
  t.is(numpySum(a(100)), 48.29488465396189);
  t.is(pythonSum(a(100)), 48.294884653961944);
  t.is(numpySum(a(129)), 63.662988966900706);
  t.is(pythonSum(a(129)), 63.66298896690081);
  t.is(numpySum(a(300)), 152.90872617853563);
  t.is(numpySum(a(1000)), 501.00300902708125);
  t.is(pythonSum(a(1000)), 501.0030090270814);
  const tenths = (n: number) => Array.from({ length: n }, (_, i) => ((i * 7) % 11) / 10);
  t.is(numpySum(tenths(100)), 49.5);
  t.is(pythonSum(tenths(100)), 49.49999999999999);
  t.is(numpyMean(tenths(9)), 0.47777777777777775);
  t.is(numpyMean(tenths(5155)), 0.5000387972841901);
  t.is(numpySum([]), 0);
});
