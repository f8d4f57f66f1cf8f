import test from 'ava';
import { createLadder, type Dataset, type PolicyInput, type Sample } from '../../../core/index.ts';
import { answerPrior, bestNumber, createPrior, keyLevels } from '../../../plugins/model-prior/index.ts';
import { meanRelativeAccuracy } from '../../../lib/scoring/index.ts';

let counter = 0;
function sample(task: string, question: string, answer: string, extra: Partial<Sample> = {}): Sample {
  return {
    id: `s${counter++}`,
    task,
    modality: 'single-image',
    scene: 'scene0000_00',
    question,
    answer,
    answerKind: 'number',
    media: { images: [] },
    split: 'train',
    ...extra,
  };
}
const CHAIR = 'How big is the chair?';
const choice = (answer: string, options: string[], extra: Partial<Sample> = {}) =>
  sample('relative-distance', 'Which is closer to the bed: lamp or door?', answer, { answerKind: 'choice', options, ...extra });

test('bestNumber: the training answer with the best total MRA against all of them, not the mean', (t) => {
  const answers = [100, 100, 104, 300];
  const best = bestNumber(answers);
  t.is(best, 100);
  const total = (c: number) => answers.reduce((s, a) => s + meanRelativeAccuracy(c, a), 0);
  for (const c of answers) t.true(total(best) >= total(c));
  t.true(total(best) > total(answers.reduce((a, b) => a + b) / answers.length), 'the mean (151) scores worse');
});

test('numbers: the same question in the same modality first, then the same question, then the task', (t) => {
  const train = [
    sample('object-size', CHAIR, '50'),
    sample('object-size', CHAIR, '52'),
    sample('object-size', CHAIR, '90', { modality: 'video' }),
    sample('object-size', 'How big is the bed?', '200'),
    sample('object-size', 'How big is the bed?', '200'),
    sample('object-size', 'How big is the bed?', '200'),
  ];
  const prior = answerPrior(train);
  t.is(prior(sample('object-size', CHAIR, '1', { split: 'held-out' })), '50');
  t.is(prior(sample('object-size', CHAIR, '1', { split: 'held-out', modality: 'video' })), '90');
  t.is(prior(sample('object-size', CHAIR, '1', { split: 'held-out', modality: 'multi-view' })), '50', 'no multi-view chair: the question in any modality');
  t.is(prior(sample('object-size', 'How big is the sofa?', '1', { split: 'held-out' })), '200', 'no sofa at all: the task');
  t.throws(() => prior(sample('room-size', 'How big is the room?', '1')), { message: /no training answers to a room-size question/ });
});

test('choices: the option text most often right for the question, whatever its letter; else the task\'s most frequent letter', (t) => {
  const train = [
    choice('A', ['A. lamp', 'B. door']),
    choice('B', ['A. door', 'B. lamp']),
    choice('A', ['A. door', 'B. lamp']),
    choice('B', ['A. sofa', 'B. desk'], { question: 'Which is closer to the tv: sofa or desk?' }),
    choice('B', ['A. sofa', 'B. desk'], { question: 'Which is closer to the tv: sofa or desk?' }),
  ];
  const prior = answerPrior(train);
  // lamp was right twice, door once: lamp, under whichever letter it has now
  t.is(prior(choice('A', ['A. door', 'B. lamp'], { split: 'held-out' })), 'B');
  t.is(prior(choice('A', ['A. lamp', 'B. door'], { split: 'held-out' })), 'A');
  // a question never asked: the task's most frequent letter (B: 3 of 5)
  t.is(prior(choice('A', ['A. cup', 'B. pen'], { question: 'Which is closer to the sink: cup or pen?', split: 'held-out' })), 'B');
});

test('localization: each named object in its category\'s mean training box; captions: an empty answer', (t) => {
  const box = (label: string, b: number[]) => JSON.stringify([{ bbox_2d: b, label }]);
  const loc = (answer: string) => sample('localization', 'Locate it.', answer, { answerKind: 'boxes' });
  const prior = answerPrior([loc(box('chair', [0, 0, 10, 10])), loc(box('chair', [10, 10, 21, 21])), loc(box('bed', [100, 100, 200, 200]))]);
  t.deepEqual(JSON.parse(prior(loc(JSON.stringify([{ bbox_2d: [1, 1, 2, 2], label: 'chair' }, { bbox_2d: [1, 1, 2, 2], label: 'sofa' }])))), [
    { bbox_2d: [5, 5, 16, 16], label: 'chair' },
    { bbox_2d: [37, 37, 77, 77], label: 'sofa' },
  ]);
  t.is(prior(sample('caption', 'Describe the image.', 'a bed.', { answerKind: 'text' })), '');
});

test('the policy answers rows of its dataset by id, learns from the training split only, and is fingerprinted by the dataset', async (t) => {
  const train = [sample('object-size', CHAIR, '50'), sample('object-size', CHAIR, '50')];
  const asked = sample('object-size', CHAIR, '70', { split: 'held-out' });
  const leaked = sample('object-size', CHAIR, '70', { split: 'validation' });
  const dataset: Dataset = { dir: '/data', manifest: { hash: 'abc' }, samples: [...train, asked, leaked, { ...leaked, id: 'v2' }] };
  const policy = createPrior(dataset);
  const input = (id: string): PolicyInput => ({ prompt: 'q', images: [], reference: { id, task: 'object-size', answer: '70', answerKind: 'number' } });
  const out = await policy.generate([input(asked.id)], { maxTokens: 8, temperature: 0, topP: 1, seed: 1, n: 2 });
  t.deepEqual(out, [[{ text: '50' }, { text: '50' }]], 'validation answers (70) are not learnt from');
  await t.throwsAsync(policy.generate([input('elsewhere')], { maxTokens: 8, temperature: 0, topP: 1, seed: 1 }), { message: /prior: row elsewhere is not a sample of the dataset in \/data/ });
  const other = createPrior({ ...dataset, manifest: { hash: 'def' } });
  t.not(await policy.fingerprint!(), await other.fingerprint!());
  // registered by the preset; without a dataset it says what it needs
  const ladder = await createLadder({ presets: ['spatial-ladder'] });
  await t.throwsAsync(ladder.get('models', 'prior').create({}, { seed: 1, log: () => undefined }), { message: /prior: no dataset was passed/ });
});

test('keyLevels: each task starts from the key that best answers training rooms left out, chosen scene-wise', (t) => {
  // sizes: a chair is 50 cm in every room, a bed 200: the question fixes the answer.
  // distances: each pair is asked in two rooms, 1 m apart in one and 5 m in the other, except
  // the pair of rooms 8 and 9 (9 m in both): the question predicts a new room worse than the task does
  const train: Sample[] = [];
  for (let room = 0; room < 10; room++) {
    const scene = `scene${String(room).padStart(4, '0')}_00`;
    train.push(sample('object-size', CHAIR, '50', { scene }), sample('object-size', 'How big is the bed?', '200', { scene }));
    const distance = room >= 8 ? '9' : room % 2 ? '5' : '1';
    train.push(sample('absolute-distance', `How far is the lamp from object ${room >> 1}?`, distance, { scene }));
  }
  const levels = keyLevels(train);
  t.is(levels.get('object-size'), 0, 'the most specific key on a tie (every key answers alike)');
  t.is(levels.get('absolute-distance'), 2, 'the task\'s pooled answers');
  const asked = (question: string) => sample('absolute-distance', question, '1', { split: 'held-out' });
  t.is(answerPrior(train)(asked('How far is the lamp from object 4?')), '5', 'the pooled best number (5: closer to the 9s than 1 is), not the pair\'s 9');
  t.is(answerPrior(train, 1)(asked('How far is the lamp from object 4?')), '9', 'one fold: no cross-validation, the question itself');
  t.is(answerPrior(train)(sample('object-size', CHAIR, '1', { split: 'held-out' })), '50');
  t.deepEqual(keyLevels(train.filter((s) => s.scene === 'scene0000_00')), new Map(), 'one room: nothing to validate on');
});
