/**
 * Answer extraction: what a completion answers, before it is scored.
 *
 * Two modes (see README.md for every difference):
 * - `spec` (docs/method.md#answer-extraction): the text inside the last `<answer>...</answer>`
 *   when there is one, else the whole text; multiple choice: its first token
 *   when that is an option letter, optionally followed by "."; numbers: the
 *   first number in it.
 * - `vsi-bench`: lmms-eval's VSI-Bench parser, reproduced exactly: the text
 *   before the first space, trailing dots then surrounding whitespace
 *   removed; multiple choice compares that string case-insensitively with the
 *   ground truth; numbers parse it with Python's `float()`.
 * - `spatialladder`, `spatialladder-think`: SpatialLadder's released
 *   evaluator (eval_spld), reproduced exactly (`spatialLadderChoice`,
 *   `spatialLadderNumber`); under its thinking prompt the first
 *   `<answer>...</answer>` is read.
 */
import { pythonFloat, pythonStrip } from './python-numerics.ts';

export type ExtractionMode = 'spec' | 'vsi-bench' | 'spatialladder' | 'spatialladder-think';
export const EXTRACTION_MODES = ['spec', 'vsi-bench', 'spatialladder', 'spatialladder-think'] as const satisfies readonly ExtractionMode[];

const ANSWER_TAG = /<answer>([\s\S]*?)<\/answer>/g;

/** The text inside the last complete `<answer>...</answer>`, or the whole text when there is none. */
export function answerText(completion: string): string {
  const matches = [...completion.matchAll(ANSWER_TAG)];
  return matches.length ? matches.at(-1)![1]! : completion;
}

/** lmms-eval's `fuzzy_matching`: `pred.split(" ")[0].rstrip(".").strip()`. */
export function vsiBenchToken(completion: string): string {
  const first = completion.split(' ')[0]!;
  return pythonStrip(first.replace(/\.+$/, ''));
}

const isSpatialLadder = (mode: ExtractionMode) => mode === 'spatialladder' || mode === 'spatialladder-think';

/**
 * What SpatialLadder's evaluator reads (`vsibench_eval`): under its thinking
 * prompt, when the text holds "<answer>", the first complete answer tag's
 * content stripped, or "None" when it never closes; otherwise the whole text.
 */
function spatialLadderAnswer(completion: string, mode: ExtractionMode): string {
  if (mode !== 'spatialladder-think' || !completion.includes('<answer>')) return completion;
  const tag = /<answer>([\s\S]*?)<\/answer>/.exec(completion);
  return tag ? pythonStrip(tag[1]!) : 'None';
}

/**
 * SpatialLadder's multiple-choice parser (`fuzzy_matching` after removing
 * every "Answer:"): the text before the first space, stripped, when it is a
 * capital A-D with an optional "."; else the whole text, stripped. Compared
 * with the ground truth case-insensitively (`exact_match`).
 */
export function spatialLadderChoice(text: string): string {
  const pred = text.replaceAll('Answer:', '');
  const token = pythonStrip(pred.split(' ')[0]!);
  return /^[A-D]\.?$/.test(token) ? token.replace(/\.$/, '') : pythonStrip(pred);
}

/** Python's `\b` around a word, with Unicode word characters (letters, digits, "_"). */
const wholeWord = (word: string) => new RegExp(`(?<![\\p{L}\\p{N}_])${word}(?![\\p{L}\\p{N}_])`, 'u');

/** `fuzzy_matching_num`'s number words, in the order it tries them: the first found anywhere wins ("twenty one" is 1). */
const NUMBER_WORDS = (
  [
    ['one', 1], ['two', 2], ['three', 3], ['four', 4], ['five', 5], ['six', 6], ['seven', 7], ['eight', 8], ['nine', 9], ['ten', 10],
    ['eleven', 11], ['twelve', 12], ['thirteen', 13], ['fourteen', 14], ['fifteen', 15], ['sixteen', 16], ['seventeen', 17], ['eighteen', 18], ['nineteen', 19], ['twenty', 20],
    ['thirty', 30], ['forty', 40], ['fifty', 50], ['sixty', 60], ['seventy', 70], ['eighty', 80], ['ninety', 90],
    ['zero', 0], ['a', 1], ['an', 1],
  ] as const
).map(([word, value]) => ({ pattern: wholeWord(word), value }));

/**
 * SpatialLadder's numeric parser (`fuzzy_matching_num` then `to_float`): in
 * the lower-cased text, the first number word of its list found as a whole
 * word (so an article "a" reads as 1), else the first run of digits with an
 * optional decimal part (Unicode digits, as Python's `\d`), else null.
 */
export function spatialLadderNumber(text: string): number | null {
  const pred = pythonStrip(text).toLowerCase();
  const word = NUMBER_WORDS.find(({ pattern }) => pattern.test(pred));
  if (word) return word.value;
  const digits = /\p{Nd}+(?:\.\p{Nd}+)?/u.exec(pred);
  return digits ? pythonFloat(digits[0]) : null;
}

/** Letters of the options "A. ...", "B. ..." (A-D when the options are unknown). */
export const optionLetters = (options?: readonly string[]): string[] =>
  options?.length ? options.map((_, i) => String.fromCharCode(65 + i)) : ['A', 'B', 'C', 'D'];

/**
 * The chosen option. `spec`: an upper-case letter among `letters`, or null.
 * `vsi-bench`: the fuzzy-matched token as written (compared case-insensitively
 * by `choiceCorrect`), or null when it is empty.
 */
export function extractChoice(completion: string, mode: ExtractionMode, letters: readonly string[] = optionLetters()): string | null {
  if (mode === 'vsi-bench') return vsiBenchToken(completion) || null;
  if (isSpatialLadder(mode)) return spatialLadderChoice(spatialLadderAnswer(completion, mode)) || null;
  const token = answerText(completion).trim().split(/\s+/)[0] ?? '';
  const match = /^([A-Za-z])\.?$/.exec(token);
  const letter = match?.[1]!.toUpperCase();
  return letter && letters.includes(letter) ? letter : null;
}

/** A number: digits with optional thousands groups ("1,234"), fraction and exponent. */
const FIRST_NUMBER = /[-+]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?/;

/** The predicted number, or null when there is none (`spec`) or Python's float() would raise (`vsi-bench`). */
export function extractNumber(completion: string, mode: ExtractionMode): number | null {
  if (mode === 'vsi-bench') return pythonFloat(vsiBenchToken(completion));
  if (isSpatialLadder(mode)) return spatialLadderNumber(spatialLadderAnswer(completion, mode));
  const match = FIRST_NUMBER.exec(answerText(completion));
  return match ? Number(match[0].replaceAll(',', '')) : null;
}

/**
 * Whether an extracted choice equals the ground-truth letter. `spec`: the
 * section 6 (letters compared case-insensitively, a trailing "." removed).
 * `vsi-bench` and `spatialladder*`: their `exact_match` (`pred.lower() == target.lower()`).
 */
export function choiceCorrect(extracted: string | null, truth: string, mode: ExtractionMode): boolean {
  if (extracted === null) return false;
  if (mode !== 'spec') return extracted.toLowerCase() === truth.toLowerCase();
  return extracted.toUpperCase() === bareLetter(truth);
}

/** A letter answer as section 6 compares it: trimmed, one trailing "." removed, upper-case. */
export const bareLetter = (text: string): string => text.trim().replace(/\.$/, '').toUpperCase();
