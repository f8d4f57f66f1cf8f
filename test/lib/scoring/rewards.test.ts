import test from 'ava';
import { createLadder, type Sample } from '../../../core/index.ts';
import { accuracyReward, formatReward, iouReward, scoreAnswer, totalReward } from '../../../lib/scoring/index.ts';

const sample = (id: string, answerKind: Sample['answerKind'], answer: string, extra: Partial<Sample> = {}): Sample => ({
  id,
  task: answerKind === 'boxes' ? 'localization' : 'object-size',
  modality: 'single-image',
  scene: 'scene0000_00',
  question: 'q',
  answer,
  answerKind,
  media: { images: [] },
  ...extra,
});
const CHOICE = sample('c', 'choice', 'B', { options: ['A. left', 'B. right'] });
const NUMBER = sample('n', 'number', '10');
const BOXES = sample('b', 'boxes', '[{"bbox_2d":[0,0,10,10],"label":"chair"}]', { facts: { image: { width: 200, height: 200, resizedWidth: 100, resizedHeight: 100 } } });

test('accuracy: choice exact match, number MRA, boxes IoU; answers read from <answer>', async (t) => {
  const completions = ['<think>x</think><answer>B</answer>', '<think>x</think><answer>11</answer>', '[{"bbox_2d":[0,0,10,5],"label":"chair"}]'];
  t.deepEqual(await accuracyReward(completions, [CHOICE, NUMBER, BOXES]), [1, 0.9, 0.5]);
  t.deepEqual(await accuracyReward(['A', 'twelve', '[]'], [CHOICE, NUMBER, BOXES]), [0, 0, 0]);
});

test('accuracy: a multiple-choice answer must be the letter alone (exact match), where a benchmark reads the first token', async (t) => {
  const answers = ['<answer> b. </answer>', 'B', '<answer>B. right</answer>', '<answer>B C</answer>', 'B is right', '<answer>B..</answer>'];
  t.deepEqual(await accuracyReward(answers, answers.map(() => CHOICE)), [1, 1, 0, 0, 0, 0]);
  t.deepEqual(answers.map((a) => scoreAnswer(a, CHOICE).score), [1, 1, 1, 1, 1, 0]);
});

test('iou: localization samples only', async (t) => {
  t.deepEqual(await iouReward(['B', '10', '[{"bbox_2d":[0,0,10,5],"label":"chair"}]'], [CHOICE, NUMBER, BOXES]), [0, 0, 0.5]);
});

test('rewards check that completions and samples pair up', async (t) => {
  t.throws(() => formatReward(['a', 'b'], [CHOICE]), { message: /reward "format": 2 completions for 1 samples/ });
});

test('a malformed ground truth is an error naming the sample', (t) => {
  t.throws(() => accuracyReward(['3'], [sample('bad', 'number', 'three')]), { message: /sample bad: ground truth "three" is not a number/ });
});

test('total R = sum of weight x reward, from the registered reward plugins', async (t) => {
  const ladder = await createLadder({ plugins: ['reward-format', 'reward-accuracy', 'reward-iou'] }, { defaults: [] });
  const rewards = {
    format: { reward: ladder.get('rewards', 'format'), weight: 1 },
    accuracy: { reward: ladder.get('rewards', 'accuracy'), weight: 2 },
  };
  const completions = ['<think>x</think><answer>B</answer>', '<think>x</think><answer>11</answer>', 'B', '<think>x</think> <answer>A</answer>'];
  const { total, parts } = await totalReward(completions, [CHOICE, NUMBER, CHOICE, CHOICE], rewards);
  t.deepEqual(parts, { format: [1, 1, 0, 1], accuracy: [1, 0.9, 1, 0] });
  t.deepEqual(total, [3, 1 + 2 * 0.9, 2, 1]);
  t.deepEqual(await ladder.get('rewards', 'iou')(['B'], [CHOICE]), [0]);
});
