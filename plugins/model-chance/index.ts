/**
 * model-chance: the "chance" policy answers at random, seeded, so its scores
 * are the chance level each benchmark should be compared against.
 *
 * - Multiple choice: a letter drawn uniformly from the row's options, so the
 *   expected accuracy of a type is the mean of 1 / (number of options).
 * - Numbers: truth x u with u uniform in [0, 2). The relative error |u - 1|
 *   is then uniform in [0, 1), so P(error <= 1 - t) = 1 - t and the expected
 *   MRA is 1 - mean(t) = 1 - 0.725 = 27.5% for every numeric type. (It reads
 *   the answer's scale from the reference: a scale-aware chance level, the
 *   same for every dataset.)
 * - Localization: one box per named object, its corners uniform over the
 *   frame (lib/scoring `chanceBoxes`): the IoU of placing boxes blind.
 * - Free text (captions): an empty answer (word F1 0).
 *
 * Each answer depends only on (sampling seed, row id, completion index), so
 * results do not change with batching, ordering or resuming.
 */
import { contentHash, createRandom, definePlugin, type Policy } from '../../core/index.ts';
import { chanceBoxes, numericTruth, optionLetters, referenceOf } from '../../lib/scoring/index.ts';

const PLUGIN_NAME = 'model-chance';
export const MODEL_ID = 'chance';
/** Bumped whenever an answer rule changes, so saved predictions of the old rule are not reused. */
const RULES_VERSION = 2;

export function createChance(): Policy {
  return {
    id: MODEL_ID,
    // answers depend only on the sampling seed and the rows, both recorded beside the predictions;
    // the version retires predictions saved by an earlier rule (localization answered `[]` before version 2)
    fingerprint: () => contentHash(`${MODEL_ID}:${RULES_VERSION}`),
    async generate(inputs, sampling) {
      return inputs.map((input) => {
        const reference = referenceOf(input, MODEL_ID);
        return Array.from({ length: sampling.n ?? 1 }, (_, k) => {
          const random = createRandom(sampling.seed, `chance:${reference.id}:${k}`);
          if (reference.answerKind === 'choice') {
            if (!reference.options?.length) throw new Error(`chance: row ${reference.id} is multiple choice but has no options`);
            const letters = optionLetters(reference.options);
            return { text: letters[random.int(letters.length)]! };
          }
          if (reference.answerKind === 'number') return { text: String(numericTruth(reference.answer, `row ${reference.id}`) * 2 * random.next()) };
          if (reference.answerKind === 'boxes') return { text: chanceBoxes(reference, random, `row ${reference.id}`) };
          return { text: '' };
        });
      });
    },
  };
}

export default definePlugin({
  name: PLUGIN_NAME,
  apply(ladder) {
    ladder.hooks.models.for(MODEL_ID).tap(PLUGIN_NAME, () => ({ id: MODEL_ID, create: async () => createChance() }));
  },
});
