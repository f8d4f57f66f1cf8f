import test from 'ava';
import { createLadder, type PolicyInput } from '../../../core/index.ts';
import { formatScore, scoreAnswer } from '../../../lib/scoring/index.ts';

const input = (answer: string, answerKind: 'choice' | 'number' | 'boxes'): PolicyInput => ({
  prompt: 'q',
  images: [],
  reference: { id: 'r', task: 't', answer, answerKind, options: answerKind === 'choice' ? ['A. x', 'B. y'] : undefined },
});
const sampling = { maxTokens: 8, temperature: 0, topP: 1, seed: 1, n: 2 };

test('the oracle answers the ground truth, plain or in think/answer tags', async (t) => {
  const ladder = await createLadder({ plugins: ['model-oracle'] }, { defaults: [] });
  const plain = await ladder.get('models', 'oracle').create({}, { seed: 1, log: () => undefined });
  const inputs = [input('B', 'choice'), input('3.5', 'number'), input('[{"bbox_2d":[1,1,5,5],"label":"cup"}]', 'boxes')];
  const outputs = await plain.generate(inputs, sampling);
  t.deepEqual(outputs.map((o) => o.map((g) => g.text)), [['B', 'B'], ['3.5', '3.5'], ['[{"bbox_2d":[1,1,5,5],"label":"cup"}]', '[{"bbox_2d":[1,1,5,5],"label":"cup"}]']]);
  const tagged = await ladder.get('models', 'oracle').create({ think: true }, { seed: 1, log: () => undefined });
  for (const [i, [generation]] of (await tagged.generate(inputs, sampling)).entries()) {
    t.is(formatScore(generation!.text), 1);
    t.is(scoreAnswer(generation!.text, inputs[i]!.reference!).score, 1);
  }
  await t.throwsAsync(plain.generate([{ prompt: 'q', images: [] }], sampling), { message: /needs PolicyInput\.reference/ });
  await t.throwsAsync(ladder.get('models', 'oracle').create({ thinking: true }, { seed: 1, log: () => undefined }), { message: /model\.options\.thinking: unknown key/ });
});
