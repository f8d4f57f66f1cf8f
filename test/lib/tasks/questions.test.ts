import test from 'ava';
import { createRandom, type Sample } from '../../../core/index.ts';
import { balanceLetters, lettered, optionTexts, placeAnswer, shuffledOptions, TEMPLATES } from '../../../lib/tasks/index.ts';

test('templates are the paper Table 5 text', (t) => {
  t.is(TEMPLATES.counting('chair'), 'How many chair(s) appear?');
  t.is(
    TEMPLATES.relativeDistance('sofa', 'lamp', 'tv'),
    'Measuring from the closest point of each object, which of these two objects (sofa, lamp) is closer to the tv?',
  );
  t.is(
    TEMPLATES.directionSingle('chair', 'table', ['left-front', 'left-back', 'right-front', 'right-back']),
    "From the camera's perspective, is the chair to the table's left-front, left-back, right-front or right-back?",
  );
  t.true(TEMPLATES.directionMulti('bed', 'door', 'lamp', ['front-left', 'front-right', 'back-left', 'back-right']).startsWith(
    'If I am standing by the bed and facing the door, is the lamp to my front-left, front-right, back-left or back-right? The directions refer',
  ));
  t.is(
    TEMPLATES.localization('Q?'),
    'Q? Please carefully observe the image first to identify the object(s) referred to in the question. Note that each object type appears only once in the image. Then provide the 2D bounding box coordinates and labels of the related objects in JSON format.',
  );
});

test('options are lettered "A. text" and the answer is the letter', (t) => {
  t.deepEqual(lettered(['x', 'y', 'z'], 2), { options: ['A. x', 'B. y', 'C. z'], answer: 'C' });
  t.deepEqual(optionTexts(['A. left-front', 'B. right-back']), ['left-front', 'right-back']);
  t.throws(() => lettered(['x'], 1));
});

test('shuffled options keep the correct text under the answer letter', (t) => {
  const random = createRandom(3, 'x');
  for (let i = 0; i < 20; i++) {
    const { options, answer } = shuffledOptions(['a', 'b', 'c', 'd'], 2, random);
    t.is(optionTexts(options)['ABCD'.indexOf(answer)], 'c');
    t.deepEqual([...optionTexts(options)].sort(), ['a', 'b', 'c', 'd']);
  }
});

test('placeAnswer moves the correct option to the position asked', (t) => {
  const placed = placeAnswer({ options: ['A. a', 'B. b', 'C. c', 'D. d'], answer: 'B' }, 3, createRandom(1));
  t.is(placed.answer, 'D');
  t.is(placed.options[3], 'D. b');
  t.deepEqual(optionTexts(placed.options).sort(), ['a', 'b', 'c', 'd']);
});

const choice = (i: number, task = 'relative-direction', n = 4): Sample => ({
  id: `s${i}`,
  task,
  modality: 'single-image',
  scene: 'x',
  question: 'q',
  options: Array.from({ length: n }, (_, j) => `${'ABCD'[j]}. t${j}`),
  answer: 'A',
  answerKind: 'choice',
  media: { images: [] },
});

test('balanceLetters: every letter within one of even in every prefix, answers keep their text', (t) => {
  const samples = Array.from({ length: 103 }, (_, i) => choice(i));
  const balanced = balanceLetters(samples, createRandom(9));
  for (let k = 4; k <= balanced.length; k++) {
    const counts = [...'ABCD'].map((l) => balanced.slice(0, k).filter((s) => s.answer === l).length);
    t.true(Math.max(...counts) - Math.min(...counts) <= 1, `prefix ${k}: ${counts}`);
  }
  for (const s of balanced) t.is(optionTexts(s.options!)['ABCD'.indexOf(s.answer)], 't0');
  // two-option tasks balance on their own
  const two = balanceLetters(Array.from({ length: 10 }, (_, i) => choice(i, 'relative-distance', 2)), createRandom(9));
  t.is(two.filter((s) => s.answer === 'A').length, 5);
});

test('balanceLetters leaves numeric samples alone and is deterministic', (t) => {
  const numeric: Sample = { ...choice(0), answerKind: 'number', options: undefined, answer: '3.2' };
  const input = [numeric, choice(1), choice(2)];
  t.deepEqual(balanceLetters(input, createRandom(5)), balanceLetters(input, createRandom(5)));
  t.is(balanceLetters(input, createRandom(5))[0], numeric);
});
