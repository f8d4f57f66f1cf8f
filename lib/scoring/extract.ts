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
 */
import { pythonFloat, pythonStrip } from './python-numerics.ts';

export type ExtractionMode = 'spec' | 'vsi-bench';
export const EXTRACTION_MODES: readonly ExtractionMode[] = ['spec', 'vsi-bench'];

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
  const match = FIRST_NUMBER.exec(answerText(completion));
  return match ? Number(match[0].replaceAll(',', '')) : null;
}

/**
 * Whether an extracted choice equals the ground-truth letter. `spec`: the
 * section 6 (letters compared case-insensitively, a trailing "." removed).
 * `vsi-bench`: lmms-eval's `exact_match` (`pred.lower() == target.lower()`).
 */
export function choiceCorrect(extracted: string | null, truth: string, mode: ExtractionMode): boolean {
  if (extracted === null) return false;
  if (mode === 'vsi-bench') return extracted.toLowerCase() === truth.toLowerCase();
  return extracted.toUpperCase() === truth.trim().replace(/\.$/, '').toUpperCase();
}
