/**
 * Number tokens that start from their value (`numberEmbedding: "value"`).
 *
 * With `numberTokens`, every whole number of the dataset is one token, and
 * drawn at random each is a class of its own: a size or a box corner seen a
 * handful of times is never learnt (presets/spatial-ladder/README.md,
 * "Numbers as whole tokens"). Here each number token's embedding row and
 * output-head column start from an encoding of its value, sines and cosines
 * of the value at periods from 8 to 1,024 and of its logarithm at periods
 * from 0.05 to 8, so that near numbers start near each other: raising the
 * logit of 138 raises 136 and 140 with it, and an answer off by a few pixels
 * or percent is the near miss that IoU and MRA give credit for.
 */
import type { ParamSpec } from './model.ts';
import type { Tokenizer } from './tokenizer.ts';

/** Sine-cosine pairs on each scale. */
const PAIRS = 16;
/** A number token: optional leading space, two or more digits. */
const NUMBER_TOKEN = /^ ?([0-9]{2,})$/;

/** The value code of `value`: 4 x PAIRS components, unit length. */
export function valueCode(value: number): Float32Array {
  const out = new Float32Array(4 * PAIRS);
  const log = Math.log1p(value);
  for (let k = 0; k < PAIRS; k++) {
    const linear = (2 * Math.PI * value) / (8 * 128 ** (k / (PAIRS - 1)));
    const logarithmic = (2 * Math.PI * log) / (0.05 * 160 ** (k / (PAIRS - 1)));
    out.set([Math.sin(linear), Math.cos(linear), Math.sin(logarithmic), Math.cos(logarithmic)], 4 * k);
  }
  return out.map((x) => x / Math.sqrt(2 * PAIRS));
}

/**
 * Add to `values` (the `embed` [vocab, dim] and `head` [dim, vocab] of
 * `specs`) the value code of every number token from id `from` on, scaled to
 * the mean length of the other tokens' rows (columns).
 */
export function encodeNumberValues(specs: ParamSpec[], values: Float32Array[], tokenizer: Tokenizer, from: number): void {
  const numbers = tokenizer.tokens.flatMap((token, id) => {
    const match = id >= from ? NUMBER_TOKEN.exec(token) : null;
    return match ? [{ id, code: valueCode(Number(match[1])) }] : [];
  });
  if (!numbers.length) return;
  const coded = new Set(numbers.map((n) => n.id));
  for (const [i, spec] of specs.entries()) {
    if (spec.name !== 'embed' && spec.name !== 'head') continue;
    const [rows, cols] = spec.shape as [number, number];
    const dim = spec.name === 'embed' ? cols : rows;
    const at = spec.name === 'embed' ? (id: number, d: number) => id * cols + d : (id: number, d: number) => d * cols + id;
    const v = values[i]!;
    let norm = 0;
    for (let id = 0; id < tokenizer.size; id++) {
      if (coded.has(id)) continue;
      let s = 0;
      for (let d = 0; d < dim; d++) s += v[at(id, d)]! ** 2;
      norm += Math.sqrt(s) / (tokenizer.size - coded.size);
    }
    for (const { id, code } of numbers) for (let d = 0; d < Math.min(dim, code.length); d++) v[at(id, d)]! += norm * code[d]!;
  }
}
