import test from 'ava';
import { createRandom, hash32 } from '../../core/index.ts';

test('the same seed and label give the same stream; forks are independent of siblings', (t) => {
  const a = createRandom(42, 'data');
  const b = createRandom(42, 'data');
  const xs = Array.from({ length: 5 }, () => a.next());
  t.deepEqual(xs, Array.from({ length: 5 }, () => b.next()));
  t.notDeepEqual(xs, Array.from({ length: 5 }, () => createRandom(43, 'data').next()));
  const fork1 = createRandom(42).fork('scene0001');
  createRandom(42).fork('scene0000').next();
  t.is(fork1.next(), createRandom(42, 'scene0001').next(), 'a fork is defined by seed and label alone');
});

test('uniform enough: mean near 1/2 and every int bucket hit evenly', (t) => {
  const r = createRandom(7);
  const counts = new Array(10).fill(0);
  let sum = 0;
  for (let i = 0; i < 100_000; i++) {
    const x = r.next();
    t.true(x >= 0 && x < 1) || t.fail();
    sum += x;
    counts[r.int(10)]++;
  }
  t.true(Math.abs(sum / 100_000 - 0.5) < 0.005);
  for (const c of counts) t.true(Math.abs(c - 10_000) < 400, `bucket count ${c}`);
});

test('shuffle is a seeded permutation', (t) => {
  const items = Array.from({ length: 20 }, (_, i) => i);
  const s1 = createRandom(1).shuffle([...items]);
  t.deepEqual([...s1].sort((x, y) => x - y), items);
  t.deepEqual(s1, createRandom(1).shuffle([...items]));
  t.notDeepEqual(s1, items);
});

test('hash32 is FNV-1a then the murmur3 finaliser (values computed independently in Python)', (t) => {
  t.is(hash32(''), 2872998923);
  t.is(hash32('scene0000_00'), 4020700327);
  t.not(hash32('scene0000_00'), hash32('scene0000_01'));
});
