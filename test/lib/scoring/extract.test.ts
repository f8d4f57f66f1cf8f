import test from 'ava';
import { answerText, choiceCorrect, extractChoice, extractNumber, vsiBenchToken } from '../../../lib/scoring/index.ts';

test('answerText: the last complete <answer> block, else the whole text', (t) => {
  t.is(answerText('<think>x</think><answer> B </answer>'), ' B ');
  t.is(answerText('<answer>A</answer> then <answer>C</answer>'), 'C');
  t.is(answerText('<answer>\n3.5\n</answer>'), '\n3.5\n');
  t.is(answerText('no tags: D'), 'no tags: D');
  t.is(answerText('<answer>unclosed'), '<answer>unclosed');
});

test('spec choice: the first token when it is an option letter, optionally with "."', (t) => {
  const cases: [string, string | null][] = [
    ['B', 'B'],
    ['b', 'B'],
    ['B.', 'B'],
    ['  B. sofa', 'B'],
    ['B.\nbecause the sofa is closer', 'B'],
    ['<think>A or C?</think>\n<answer>C</answer>', 'C'],
    ['<answer> d. </answer>', 'D'],
    ['The answer is B', null],
    ['(B)', null],
    ['B)', null],
    ['B..', null],
    ['E', null], // not among four options
    ['', null],
    ['<answer></answer>', null],
  ];
  for (const [text, expected] of cases) t.is(extractChoice(text, 'spec'), expected, JSON.stringify(text));
  t.is(extractChoice('C', 'spec', ['A', 'B']), null, 'C is not an option of a two-option question');
  t.is(extractChoice('E.', 'spec', ['A', 'B', 'C', 'D', 'E']), 'E');
});

test('spec numbers: the first number of the answer text', (t) => {
  const cases: [string, number | null][] = [
    ['3.5', 3.5],
    ['about 3.5 meters', 3.5],
    ['3.5m', 3.5],
    ['<think>maybe 2 or 4</think><answer>4.25</answer>', 4.25],
    ['-2', -2],
    ['+7', 7],
    ['.5', 0.5],
    ['3.', 3],
    ['1e3', 1000],
    ['2.5E-1 m', 0.25],
    ['1,234.5 cm', 1234.5],
    ['1,2,3', 1],
    ['12,34', 12],
    ['5-6 meters', 5],
    ['three', null],
    ['', null],
  ];
  for (const [text, expected] of cases) t.is(extractNumber(text, 'spec'), expected, JSON.stringify(text));
});

test('vsi-bench mode: lmms-eval fuzzy_matching, exactly (outputs checked against Python)', (t) => {
  // pred.split(" ")[0].rstrip(".").strip(), then float() for numbers
  const cases: [string, string, number | null][] = [
    ['B', 'B', null],
    ['B.', 'B', null],
    [' B', '', null], // split(" ") of a leading space gives an empty first piece
    ['B. sofa', 'B', null],
    ['B.\nsofa', 'B.\nsofa', null], // only spaces split
    ['The answer is B', 'The', null],
    ['3.5 meters', '3.5', 3.5],
    ['3.5m', '3.5m', null],
    ['  3.5', '', null],
    ['\n3.5', '3.5', 3.5],
    ['3.5.', '3.5', 3.5],
    ['3...', '3', 3],
    ['1,234', '1,234', null],
    ['<answer>3.5</answer>', '<answer>3.5</answer>', null], // tags are not removed
    ['4\n\nbecause', '4\n\nbecause', null],
    ['1e3', '1e3', 1000],
    ['B..', 'B', null],
  ];
  for (const [text, token, number] of cases) {
    t.is(vsiBenchToken(text), token, JSON.stringify(text));
    t.is(extractNumber(text, 'vsi-bench'), number, JSON.stringify(text));
  }
  t.is(extractChoice(' B', 'vsi-bench'), null);
  t.is(extractChoice('b.', 'vsi-bench'), 'b');
});

test('choiceCorrect: spec compares letters; vsi-bench compares the token with the ground truth, lower-cased', (t) => {
  t.true(choiceCorrect('B', 'B', 'spec'));
  t.true(choiceCorrect('B', 'b.', 'spec'));
  t.false(choiceCorrect(null, 'B', 'spec'));
  t.true(choiceCorrect('b', 'B', 'vsi-bench'));
  t.false(choiceCorrect('B)', 'B', 'vsi-bench'));
  t.false(choiceCorrect('The', 'B', 'vsi-bench'));
});
