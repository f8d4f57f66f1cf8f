import test from 'ava';
import { createRandom } from '../../../core/index.ts';
import { MetadataTeacher, describeFacts, teacherCompletion } from '../../../plugins/teacher-metadata/index.ts';
import { formatReward } from '../../helpers/rewards.ts';
import { Tokenizer } from '../../../plugins/model-tiny-vlm/index.ts';
import { promptText } from '../../../lib/prompts/index.ts';

const ref = { id: 's1', task: 'relative-direction', answer: 'C', answerKind: 'choice' as const, options: ['A. x', 'B. y', 'C. z', 'D. w'], facts: { objects: [{ category: 'chair', centroid: [1, 2, 0.5] }, { category: 'table', size_cm: 120 }], distance: 1.25 } };

test('the teacher names the objects of the question, then answers, in the <think>/<answer> format', (t) => {
  const text = teacherCompletion(ref, { errorRate: 0, formatErrorRate: 0, maxFacts: 3, measurements: false, stateAnswer: true }, createRandom(1, 'x'), 'Is the chair left of the table?');
  t.regex(text, /^<think>[^<]*\. I see the chair\. I see the table\. [^<]* C\.<\/think><answer>C<\/answer>$/);
  t.deepEqual(describeFacts(ref.facts, 1), ['I see the chair.']);
  // with measurements: one per object (a scalar first), then scalar facts; a question naming the table describes only it
  t.deepEqual(describeFacts(ref.facts, 3, '', true), ['I see the chair, centroid 1, 2, 0.5.', 'I see the table, size cm 120.', 'The distance is 1.3.']);
  t.deepEqual(describeFacts(ref.facts, 3, 'How far is the Table?', true), ['I see the table, size cm 120.', 'The distance is 1.3.']);
});

test('stateAnswer: false ends the reasoning at the facts, so the answer is written once, in <answer>; the rest of the chain is unchanged', (t) => {
  const question = 'Is the chair left of the table?';
  const options = { errorRate: 0.3, formatErrorRate: 0.1, maxFacts: 3, measurements: false };
  for (let i = 0; i < 20; i++) {
    const stated = teacherCompletion(ref, { ...options, stateAnswer: true }, createRandom(i, 'x'), question);
    const unstated = teacherCompletion(ref, { ...options, stateAnswer: false }, createRandom(i, 'x'), question);
    t.notRegex(unstated, /answer is/);
    t.is(unstated, stated.replace(/ [^.]*the answer is [A-D]\./, ''));
  }
  t.is(teacherCompletion(ref, { ...options, errorRate: 0, formatErrorRate: 0, stateAnswer: false }, createRandom(1, 'x'), question).replace(/^<think>[^.]*\./, ''), ' I see the chair. I see the table.</think><answer>C</answer>');
});

test('every word of the chains of thought is a whole token of a vocabulary built from the thinking prompts', (t) => {
  const question = 'How far is the chair from the table?';
  const tokenizer = Tokenizer.build([promptText({ question, answerKind: 'number' }, 'think')], { minCount: 1 });
  const chars = new Set(tokenizer.tokens.filter((x) => x.length === 1));
  const teacher = { errorRate: 0, formatErrorRate: 0, maxFacts: 2, measurements: false, stateAnswer: true };
  for (let i = 0; i < 40; i++) {
    const text = teacherCompletion({ ...ref, answer: '2.5', answerKind: 'number' }, teacher, createRandom(i, 'words'), question);
    const spelled = tokenizer.encode(text).map((id) => tokenizer.tokens[id]!);
    // letters only ever come as parts of word tokens, never spelled one by one
    const letter = (piece = '') => chars.has(piece) && /[a-z]/i.test(piece);
    t.false(spelled.some((piece, k) => letter(piece) && letter(spelled[k + 1])), spelled.join('|'));
  }
});

test('wrong answers and broken formats come at the configured rates, seeded', async (t) => {
  const teacher = new MetadataTeacher({ errorRate: 0.3, formatErrorRate: 0.2, maxFacts: 2, measurements: false, stateAnswer: true });
  const input = { prompt: 'q', images: [], reference: ref };
  const [outs] = await teacher.generate([input], { maxTokens: 100, temperature: 1, topP: 1, seed: 4, n: 400 });
  const texts = outs!.map((o) => o.text);
  const wrong = texts.filter((x) => /answer is ([A-D])\./.exec(x)![1] !== 'C').length / texts.length;
  const broken = formatReward(texts, []) as number[];
  const brokenRate = broken.filter((x) => x === 0).length / texts.length;
  t.true(wrong > 0.22 && wrong < 0.38, `wrong ${wrong}`);
  t.true(brokenRate > 0.13 && brokenRate < 0.27, `broken ${brokenRate}`);
  const [again] = await teacher.generate([input], { maxTokens: 100, temperature: 1, topP: 1, seed: 4, n: 400 });
  t.deepEqual(again!.map((o) => o.text), texts);
  await t.throwsAsync(teacher.generate([{ prompt: 'q', images: [] }], { maxTokens: 1, temperature: 1, topP: 1, seed: 0 }), { message: /no reference/ });
});
