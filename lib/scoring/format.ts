/**
 * The format reward (paper eq. 5; docs/method.md#rewards): 1 when the whole output is
 * exactly one `<think>...</think>` followed by one `<answer>...</answer>`,
 * with only whitespace between them, and no other think/answer tag anywhere
 * (nested, repeated or stray); else 0. Nothing may precede `<think>` or
 * follow `</answer>`, not even whitespace. Tags are matched in any case and
 * with inner spaces (`<Answer >`) when looking for extra ones, but the four
 * tags of the structure must be written exactly.
 */

const TAG = /<\s*\/?\s*(?:think|answer)\s*>/gi;
const STRUCTURE = ['<think>', '</think>', '<answer>', '</answer>'];

export function formatScore(completion: string): number {
  const tags = [...completion.matchAll(TAG)];
  if (tags.length !== 4 || tags.some((tag, i) => tag[0] !== STRUCTURE[i])) return 0;
  const [openThink, closeThink, openAnswer, closeAnswer] = tags.map((tag) => ({ start: tag.index!, end: tag.index! + tag[0].length }));
  const gap = completion.slice(closeThink!.end, openAnswer!.start);
  return openThink!.start === 0 && closeAnswer!.end === completion.length && /^\s*$/.test(gap) ? 1 : 0;
}
