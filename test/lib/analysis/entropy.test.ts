import test from 'ava';
import { expectedEntropy, semanticEntropy } from '../../../lib/analysis/index.ts';
import { chanceOutcomes, chanceScore, scoreAnswer, type AnswerKey } from '../../../lib/scoring/index.ts';

const choice: AnswerKey = { answer: 'B', answerKind: 'choice', options: ['A. left-front', 'B. left-back', 'C. right-front', 'D. right-back'] };
const number: AnswerKey = { answer: '3', answerKind: 'number' };
const rewardsOf = (completions: string[], key: AnswerKey) => completions.map((c) => scoreAnswer(c, key).score);

test('semantic entropy of hand-built completions: clusters are distinct accuracy rewards, -sum p ln p', (t) => {
  // 5 right (letters and tags alike), 3 wrong: p = 5/8, 3/8
  const letters = ['B', '<think>hm</think><answer>B</answer>', 'B.', 'b', 'B', 'A', 'C', 'D'];
  t.deepEqual(rewardsOf(letters, choice), [1, 1, 1, 1, 1, 0, 0, 0]);
  t.is(semanticEntropy(rewardsOf(letters, choice)), 0.6615632381579821);
  // numbers cluster by MRA: 3 -> 1 (x4), 3.24 (8% off) -> 0.9 (x2), 6 and "none" -> 0 (x2): p = 1/2, 1/4, 1/4
  const numbers = ['3', '3.0', '<answer>3</answer>', 'about 3 meters', '3.24', '3.24', '6', 'none'];
  t.deepEqual(rewardsOf(numbers, number), [1, 1, 1, 1, 0.9, 0.9, 0, 0]);
  t.is(semanticEntropy(rewardsOf(numbers, number)), 1.0397207708399179);
  t.is(semanticEntropy([1, 1, 1, 1, 1, 1, 1, 1]), 0, 'one cluster: no uncertainty (and not -0)');
  t.is(semanticEntropy([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]), Math.log(8), 'eight clusters: ln 8');
  t.true(Number.isNaN(semanticEntropy([])));
});

test('the chance level of semantic entropy is exact: the multinomial expectation', (t) => {
  // two answers, outcomes 1/4 and 3/4: they differ with probability 2 * 1/4 * 3/4 = 3/8, then entropy ln 2
  t.is(expectedEntropy([{ reward: 1, p: 0.25 }, { reward: 0, p: 0.75 }], 2), (3 / 8) * Math.log(2));
  t.is(expectedEntropy([{ reward: 0, p: 1 }], 8), 0);
  // four options, eight answers: right with 1/4; sum over k right of C(8,k) (1/4)^k (3/4)^(8-k) H(k/8)
  let expected = 0;
  const binomial = (n: number, k: number): number => (k === 0 ? 1 : (binomial(n, k - 1) * (n - k + 1)) / k);
  for (let k = 1; k < 8; k++) expected += binomial(8, k) * 0.25 ** k * 0.75 ** (8 - k) * -((k / 8) * Math.log(k / 8) + ((8 - k) / 8) * Math.log((8 - k) / 8));
  t.true(Math.abs(expectedEntropy(chanceOutcomes(choice), 8) - expected) < 1e-12);
  t.true(Math.abs(expectedEntropy(chanceOutcomes(choice), 8) - 0.4906324) < 1e-7);
  // numbers: eleven MRA values (0 with 1/2, each tenth with 1/20)
  t.true(Math.abs(expectedEntropy(chanceOutcomes(number), 8) - 1.2383751) < 1e-7);
});

test('chance levels: 1 / options for multiple choice, 27.5% MRA for numbers, about 1/9 for a box filling the frame', (t) => {
  t.is(chanceScore(choice), 0.25);
  t.is(chanceScore({ ...choice, options: ['A. x', 'B. y'] }), 0.5);
  t.true(Math.abs(chanceScore(number) - 0.275) < 1e-12);
  const outcomes = chanceOutcomes(number);
  t.is(outcomes.length, 11);
  t.true(Math.abs(outcomes.reduce((s, o) => s + o.p, 0) - 1) < 1e-12);
  t.is(outcomes.find((o) => o.reward === 0)!.p, 0.5);
  const frame: AnswerKey = { answer: '[{"bbox_2d":[0,0,300,200],"label":"wall"}]', answerKind: 'boxes', facts: { imageSize: [300, 200] } };
  const boxes = chanceOutcomes(frame);
  t.is(boxes.length, 256);
  const sd = Math.sqrt(boxes.reduce((s, o) => s + o.p * (o.reward - chanceScore(frame)) ** 2, 0));
  t.true(Math.abs(chanceScore(frame) - 1 / 9) < (4 * sd) / 16, `${chanceScore(frame)} vs 1/9`);
  t.deepEqual(chanceOutcomes(frame), boxes, 'seeded: the same estimate every call');
  t.throws(() => chanceScore({ answer: '[]', answerKind: 'boxes' }), { message: /chance: the answer is not a JSON list/ });
});
