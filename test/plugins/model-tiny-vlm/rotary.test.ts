import test from 'ava';
import { rotate, rotaryTable } from '../../../plugins/model-tiny-vlm/rotary.ts';

const DIM = 8; // two heads of 4
const rows = (n: number, seed: number) => Float32Array.from({ length: n * 3 * DIM }, (_, i) => Math.sin(seed * 7.1 + i * 1.3));

/** Per head, the product of row a's query with row b's key. */
const scores = (qkv: Float32Array, a: number, b: number) =>
  [0, 4].map((h) => {
    let s = 0;
    for (let c = 0; c < 4; c++) s += qkv[a * 3 * DIM + h + c]! * qkv[b * 3 * DIM + DIM + h + c]!;
    return s;
  });

test('a query-key product depends on the distance between the positions, not where they are', (t) => {
  const table = rotaryTable(600, 4);
  const at = (p: number, q: number) => {
    const qkv = rows(2, 1);
    rotate(qkv, [p, q], DIM, table);
    return scores(qkv, 0, 1);
  };
  const near = at(7, 3);
  for (const shift of [1, 100, 500]) at(7 + shift, 3 + shift).forEach((s, h) => t.true(Math.abs(s - near[h]!) < 1e-4, `shift ${shift}, head ${h}: ${s} vs ${near[h]}`));
  t.true(Math.abs(at(9, 3)[0]! - near[0]!) > 1e-3, 'another distance gives another product');
});

test('the inverse rotation restores queries and keys, and values are never rotated', (t) => {
  const table = rotaryTable(64, 4);
  const original = rows(3, 2);
  const qkv = Float32Array.from(original);
  rotate(qkv, [0, 5, 63], DIM, table);
  t.deepEqual(qkv.subarray(0, DIM), original.subarray(0, DIM), 'position 0 is the identity');
  t.notDeepEqual(qkv.subarray(3 * DIM, 5 * DIM), original.subarray(3 * DIM, 5 * DIM));
  for (let r = 0; r < 3; r++) t.deepEqual(qkv.subarray(r * 3 * DIM + 2 * DIM, (r + 1) * 3 * DIM), original.subarray(r * 3 * DIM + 2 * DIM, (r + 1) * 3 * DIM));
  rotate(qkv, [0, 5, 63], DIM, table, true);
  qkv.forEach((x, i) => t.true(Math.abs(x - original[i]!) < 1e-5, `${i}`));
});

test('an odd head size is refused', (t) => {
  t.throws(() => rotaryTable(16, 5), { message: /even head size, got 5/ });
});
