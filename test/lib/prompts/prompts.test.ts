import test from 'ava';
import { promptText, samplePrompt, SYSTEM_PROMPT } from '../../../lib/prompts/index.ts';
import type { Sample } from '../../../core/index.ts';

const mc = { question: 'Which is closer to the bed?', options: ['A. chair', 'B. desk'], answerKind: 'choice' as const };

test('direct style appends options and the stage-2 multiple-choice post prompt', (t) => {
  t.is(
    promptText(mc, 'direct'),
    "Which is closer to the bed?\nOptions:\nA. chair\nB. desk\nPlease answer with the option's letter from the given choices (e.g., A, B, etc.) directly.",
  );
});

test('think style asks for <think> then <answer>, numeric variant', (t) => {
  const text = promptText({ question: 'How big?', answerKind: 'number' }, 'think');
  t.true(text.startsWith('How big?\nPlease think about this question as if you were a human pondering deeply.'));
  t.true(text.endsWith('answer the question with a numerical value (e.g., 42 or 3.1) within the <answer> </answer> tags.'));
});

test('localization questions carry no post prompt in any style', (t) => {
  const loc = { question: 'Where is the chair? Please carefully observe the image first ...', answerKind: 'boxes' as const };
  t.is(promptText(loc, 'direct'), loc.question);
  t.is(promptText(loc, 'think'), loc.question);
});

test('samplePrompt makes absolute image paths and carries the reference', (t) => {
  const sample: Sample = {
    id: 's1', task: 'relative-distance', modality: 'single-image', scene: 'scene0000_00',
    question: mc.question, options: mc.options, answer: 'A', answerKind: 'choice', media: { images: ['media/a.jpg', '/abs/b.jpg'] },
  };
  const input = samplePrompt(sample, '/data/ds', 'plain');
  t.is(input.system, SYSTEM_PROMPT);
  t.deepEqual(input.images, ['/data/ds/media/a.jpg', '/abs/b.jpg']);
  t.is(input.reference!.answer, 'A');
});
