/**
 * Question templates (paper Table 5; docs/method.md#question-templates) and multiple-choice
 * options. Templates are the question alone: the options lines and answer
 * instructions are added later by lib/prompts.
 *
 * Room size and appearance order have no template in the paper; ours are
 * written in the same voice (documented in README.md).
 */
import type { Random, Sample } from '../../core/index.ts';

export const TEMPLATES = {
  counting: (category: string) => `How many ${category}(s) appear?`,
  absoluteDistance: (object1: string, object2: string) =>
    `Measuring from the closest point of each object, what is the distance between the ${object1} and the ${object2} (in meters)?`,
  objectSize: (object: string) =>
    `What is the length of the longest dimension (length, width, or height) of the ${object}, measured in centimeters?`,
  roomSize: () => 'What is the floor area of this room (in square meters)? If several rooms are shown, give the area of the whole space.',
  relativeDistance: (choiceA: string, choiceB: string, category: string) =>
    `Measuring from the closest point of each object, which of these two objects (${choiceA}, ${choiceB}) is closer to the ${category}?`,
  directionSingle: (object1: string, object2: string, choices: readonly string[]) =>
    `From the camera's perspective, is the ${object1} to the ${object2}'s ${listChoices(choices)}?`,
  directionMulti: (positioning: string, orienting: string, querying: string, choices: readonly string[]) =>
    `If I am standing by the ${positioning} and facing the ${orienting}, is the ${querying} to my ${listChoices(choices)}? The directions refer to the quadrants of a Cartesian plane (if I am standing at the origin and facing along the positive y-axis).`,
  appearanceOrder: (categories: readonly string[]) =>
    `In what order do the following categories first appear in the video: ${categories.join(', ')}?`,
  localization: (question: string) =>
    `${question} Please carefully observe the image first to identify the object(s) referred to in the question. Note that each object type appears only once in the image. Then provide the 2D bounding box coordinates and labels of the related objects in JSON format.`,
} as const;

/** "a, b, c or d" */
const listChoices = (choices: readonly string[]) => `${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}`;

export const LETTERS = 'ABCDEFGHIJ';

/** Options written "A. text" in letter order, and the answer letter. */
export function lettered(texts: readonly string[], correct: number): { options: string[]; answer: string } {
  if (correct < 0 || correct >= texts.length) throw new Error(`correct option ${correct} is outside ${texts.length} options`);
  return { options: texts.map((text, i) => `${LETTERS[i]}. ${text}`), answer: LETTERS[correct]! };
}

/** Option texts without their letters. */
export const optionTexts = (options: readonly string[]): string[] => options.map((o) => o.replace(/^[A-Z]\.\s*/, ''));

/**
 * Shuffle options with the seeded stream and letter them. Generators call
 * this; the dataset builder then re-places answers to balance letters.
 */
export function shuffledOptions(texts: readonly string[], correct: number, random: Random): { options: string[]; answer: string } {
  const order = random.shuffle(texts.map((_, i) => i));
  return lettered(order.map((i) => texts[i]!), order.indexOf(correct));
}

/** Put the correct option at `position`, the others in a seeded order around it. */
export function placeAnswer(sample: Pick<Sample, 'options' | 'answer'>, position: number, random: Random): { options: string[]; answer: string } {
  const texts = optionTexts(sample.options ?? []);
  const correct = LETTERS.indexOf(sample.answer);
  const others = random.shuffle(texts.filter((_, i) => i !== correct));
  others.splice(position, 0, texts[correct]!);
  return lettered(others, position);
}

/**
 * Balance answer letters: within each (task, option count), answers take the
 * positions of a seeded permutation of the letters, a fresh permutation every
 * n samples, in the order given (so every prefix, and every contiguous run
 * such as one split or one modality, stays within one of even). Returns new
 * samples; non-choice samples pass through unchanged.
 */
export function balanceLetters<T extends Sample>(samples: readonly T[], random: Random): T[] {
  const state = new Map<string, { cycle: number[]; k: number; random: Random }>();
  return samples.map((sample) => {
    if (sample.answerKind !== 'choice' || !sample.options?.length) return sample;
    const n = sample.options.length;
    const key = `${sample.task}/${n}`;
    let s = state.get(key);
    if (!s) state.set(key, (s = { cycle: [], k: 0, random: random.fork(key) }));
    if (s.k % n === 0) s.cycle = s.random.shuffle(Array.from({ length: n }, (_, i) => i));
    const position = s.cycle[s.k % n]!;
    s.k++;
    return { ...sample, ...placeAnswer(sample, position, s.random) };
  });
}
