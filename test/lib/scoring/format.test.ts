import test from 'ava';
import { formatScore } from '../../../lib/scoring/index.ts';

test('exactly one think block then one answer block scores 1', (t) => {
  t.is(formatScore('<think>the sofa is left</think><answer>A</answer>'), 1);
  t.is(formatScore('<think>a\nb</think>\n\n  <answer>\n3.5\n</answer>'), 1);
  t.is(formatScore('<think></think><answer></answer>'), 1);
  t.is(formatScore('<think>x < y and y > z</think><answer>B</answer>'), 1, 'comparison signs are not tags');
  t.is(formatScore('<think>see <b>this</b></think><answer>B</answer>'), 1, 'other markup is not a think/answer tag');
});

test('missing tags score 0', (t) => {
  t.is(formatScore('A'), 0);
  t.is(formatScore('<answer>A</answer>'), 0);
  t.is(formatScore('<think>x</think>'), 0);
  t.is(formatScore('<think>x</think><answer>A'), 0);
  t.is(formatScore('<think>x<answer>A</answer>'), 0);
});

test('out-of-order tags score 0', (t) => {
  t.is(formatScore('<answer>A</answer><think>x</think>'), 0);
  t.is(formatScore('</think><think>x<answer>A</answer>'), 0);
  t.is(formatScore('<think>x</think><answer>A</think></answer>'), 0);
});

test('nested and extra tags score 0', (t) => {
  t.is(formatScore('<think>a<think>b</think>c</think><answer>A</answer>'), 0);
  t.is(formatScore('<think>a</think><think>b</think><answer>A</answer>'), 0);
  t.is(formatScore('<think>a</think><answer>A</answer><answer>B</answer>'), 0);
  t.is(formatScore('<think>I will write <answer> later</think><answer>A</answer>'), 0);
  t.is(formatScore('<think>a</think><answer>A <THINK></answer>'), 0, 'tags match in any case when counting extras');
  t.is(formatScore('<think>a</think><answer>A</ answer></answer>'), 0);
});

test('whitespace is allowed only between the two blocks', (t) => {
  t.is(formatScore('<think>a</think> \t\n <answer>A</answer>'), 1);
  t.is(formatScore(' <think>a</think><answer>A</answer>'), 0);
  t.is(formatScore('<think>a</think><answer>A</answer>\n'), 0);
  t.is(formatScore('<think>a</think> so <answer>A</answer>'), 0);
  t.is(formatScore('Sure! <think>a</think><answer>A</answer>'), 0);
  t.is(formatScore('<Think>a</Think><Answer>A</Answer>'), 0, 'the structure tags must be lower case');
  t.is(formatScore('<think >a</think><answer>A</answer>'), 0);
});
