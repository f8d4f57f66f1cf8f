import test from 'ava';
import { answerText, choiceCorrect, extractChoice, extractNumber, scoreAnswer, vsiBenchToken } from '../../../lib/scoring/index.ts';

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

test("spatialladder modes: SpatialLadder's released evaluator, exactly (outputs checked against its Python: eval_spld/data_utils/vsi_utils.py)", (t) => {
  // multiple choice: every "Answer:" removed, the first space-separated token when it is A-D with an optional ".", else the whole text stripped
  const choices: [string, string | null][] = [
    ['B', 'B'],
    ['B. sofa', 'B'],
    ['Answer: B', 'B'],
    ['Answer: B. sofa', 'B. sofa'],
    ['b', 'b'],
    ['The answer is B', 'The answer is B'],
    ['B\nbecause', 'B\nbecause'],
    [' C', 'C'],
    ['E', 'E'],
    ['', null],
    ['B..', 'B..'],
    ['(B)', '(B)'],
    ['Answer:C', 'C'],
    ['D.\n', 'D'],
  ];
  for (const [text, expected] of choices) t.is(extractChoice(text, 'spatialladder'), expected, JSON.stringify(text));
  // under the thinking prompt: the first complete <answer>, "None" when it never closes, the whole text without one
  const thinking: [string, string][] = [
    ['<think>A?</think><answer>C</answer>', 'C'],
    ['<answer>C', 'None'],
    ['<answer> A </answer><answer>B</answer>', 'A'],
    ['C', 'C'],
    ['<answer>Answer: D</answer>', 'D'],
  ];
  for (const [text, expected] of thinking) t.is(extractChoice(text, 'spatialladder-think'), expected, JSON.stringify(text));
  // compared with the ground truth lower-cased: "b" is right, "B. sofa" is not
  t.deepEqual(['b', 'Answer: B. sofa', '<answer>C'].map((p) => scoreAnswer(p, { answer: 'B', answerKind: 'choice' }, 'spatialladder').score), [1, 0, 0]);

  // numbers: a number word of its list found as a whole word (in the list's order: "one" before "four"; "a" is 1),
  // else the first digits with an optional decimal part (Unicode digits too), else nothing
  const numbers: [string, number | null][] = [
    ['3.5', 3.5],
    ['about 2 meters', 2],
    ['It is a 3', 1],
    ['twenty one', 1],
    ['2,5', 2],
    ['-3', 3],
    ['1e3', 1],
    ['None', null],
    ['\u0663', 3],
    ['Ten', 10],
    ['an', 1],
    ['x_a', null],
    ['\u00e9a 4', 4],
    ['7.', 7],
    ['0.25m', 0.25],
    ['A', 1],
    ['3 or four', 4],
  ];
  for (const [text, expected] of numbers) t.is(extractNumber(text, 'spatialladder'), expected, JSON.stringify(text));
  const thoughtNumbers: [string, number | null][] = [
    ['<think>maybe 3</think><answer>4.5</answer>', 4.5],
    ['<answer>4.5', null],
    ['4.5', 4.5],
  ];
  for (const [text, expected] of thoughtNumbers) t.is(extractNumber(text, 'spatialladder-think'), expected, JSON.stringify(text));
  t.is(scoreAnswer('<answer>4.5', { answer: '4.5', answerKind: 'number' }, 'spatialladder-think').score, 0, 'an unclosed tag scores 0, as there');
});
