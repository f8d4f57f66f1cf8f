/**
 * The grounding loss of tiny-vlm (`TrainExample.grounding`): a phrase of the
 * prompt (a category name) is taught to attend to the image tokens its
 * regions cover. One head of the first text layer (`GROUNDING_HEAD`), from
 * the phrase's last token: its attention over the sequence is pulled, by
 * cross-entropy, towards a target spread over the covered tokens in
 * proportion to the area each covers (reported as the KL divergence from
 * the target, 0 when met). What the head reads there is left to
 * the rest of the model; the loss only says where to look, the one step
 * (matching a word to the image token that shows it) the model otherwise
 * learns one word at a time, after thousands of steps
 * (presets/spatial-ladder/README.md).
 *
 * The copy loss (`TrainExample.copy`) supervises another head the same way:
 * where the completion writes a phrase of the prompt again, the rows that
 * predict its tokens attend to the prompt's (`copyHead`: the last layer's).
 */
import type { Grounding } from '../../core/index.ts';
import type { Segment } from './kernels.ts';

/** The text layer and head the loss supervises. */
export const GROUNDING_HEAD = { layer: 0, head: 0 } as const;
/** The copy loss's head: head 0 of the last text layer, next to the output. */
export const copyHead = (layers: number) => ({ layer: layers - 1, head: 0 });

/** A query row, the rows it should attend to with their target weights (summing to 1), and the loss weight; `copy`: a row of the copy loss. */
export interface GroundedRow {
  query: number;
  keys: number[];
  targets: number[];
  weight: number;
  copy?: true;
}

/** Where the prompt and each image's tokens start in an encoded prompt, and the model's token grid. */
export interface PromptLayout {
  /** Index of the prompt's first token. */
  promptStart: number;
  /** Index of each kept image's first token. */
  imageStarts: number[];
  /** For each kept image, its index in the input's images. */
  imageIndex: number[];
  /** Merged tokens per image row and column (row-major, as vision.ts orders the 2x2 blocks). */
  grid: { rows: number; cols: number };
}

/**
 * The grounded rows of one prompt: each phrase's last token (found by
 * encoding the prompt up to the phrase's first occurrence) and the tokens
 * its boxes cover in the images the model keeps. A phrase the prompt does
 * not contain, or whose regions cover no kept image, gives no row.
 */
export function groundedRows(prompt: string, encode: (text: string) => number[], layout: PromptLayout, phrases: Grounding[], weight: number): GroundedRow[] {
  const { rows, cols } = layout.grid;
  const out: GroundedRow[] = [];
  for (const { phrase, regions } of phrases) {
    const at = prompt.indexOf(phrase);
    if (at < 0 || !phrase) continue;
    const query = layout.promptStart + encode(prompt.slice(0, at + phrase.length)).length - 1;
    const mass = new Map<number, number>();
    for (const { image, box } of regions) {
      const kept = layout.imageIndex.indexOf(image);
      if (kept < 0) continue;
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) {
          const area = overlap(box[0], box[2], c / cols, (c + 1) / cols) * overlap(box[1], box[3], r / rows, (r + 1) / rows);
          const key = layout.imageStarts[kept]! + r * cols + c;
          if (area > 0) mass.set(key, (mass.get(key) ?? 0) + area);
        }
    }
    const total = [...mass.values()].reduce((a, b) => a + b, 0);
    if (total > 0) out.push({ query, keys: [...mass.keys()], targets: [...mass.values()].map((m) => m / total), weight });
  }
  return out;
}

/** A phrase's tokens where the prompt first writes them (`start`: index in the prompt's ids): what the copy loss points its mentions at. */
export interface PhraseSpan {
  start: number;
  ids: number[];
}

/** Each phrase's first occurrence in `ids` at or after `from` (tiny-vlm passes each as written after a space); a phrase the prompt does not write so gives none. */
export function phraseSpans(ids: number[], from: number, phrases: number[][]): PhraseSpan[] {
  return phrases.flatMap((phrase) => {
    const start = indexOf(ids, phrase, from);
    return start < 0 ? [] : [{ start, ids: phrase }];
  });
}

/**
 * The copy loss's rows for one completion: wherever it writes a phrase of
 * the prompt, the row predicting each of the phrase's tokens is taught to
 * attend to the same token where the prompt wrote it. `predicting(t)`: the
 * row that predicts completion token t; `promptRow(i)`: prompt token i's row.
 */
export function copiedRows(completion: number[], spans: PhraseSpan[], predicting: (t: number) => number, promptRow: (i: number) => number, weight: number): GroundedRow[] {
  const out: GroundedRow[] = [];
  for (const { start, ids } of spans)
    for (let m = indexOf(completion, ids, 0); m >= 0; m = indexOf(completion, ids, m + ids.length))
      ids.forEach((_, k) => out.push({ query: predicting(m + k), keys: [promptRow(start + k)], targets: [1], weight, copy: true }));
  return out;
}

function indexOf(ids: number[], part: number[], from: number): number {
  if (!part.length) return -1;
  for (let i = from; i + part.length <= ids.length; i++) if (part.every((id, k) => ids[i + k] === id)) return i;
  return -1;
}

const overlap = (a0: number, a1: number, b0: number, b1: number) => Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));

/**
 * Adds d(sum of weight x cross-entropy)/d qkv of the supervised head `h` into
 * `dQkv` and returns the sum of the rows' KL divergences from target to
 * attention (the cross-entropy less the target's entropy: the same
 * gradient, and 0 when the head attends exactly as the target; unweighted). `weights` are the
 * layer's attention weights per segment ([heads, T, S]); a query row must
 * be in a segment without a prefix (SFT's one sequence per example).
 */
export function groundingBackward(rows: GroundedRow[], segments: Segment[], weights: Float32Array[], qkv: Float32Array, dQkv: Float32Array, dim: number, heads: number, h: number): number {
  const dh = dim / heads;
  let loss = 0;
  for (const row of rows) {
    const s = segments.findIndex((seg) => !seg.prefix && row.query >= seg.offset && row.query < seg.offset + seg.length);
    if (s < 0) throw new Error(`internal: grounded row ${row.query} is in no segment without a prefix`);
    const seg = segments[s]!;
    const T = seg.length;
    const i = row.query - seg.offset;
    const attention = weights[s]!.subarray((h * T + i) * T, (h * T + i + 1) * T);
    const target = new Float32Array(T);
    row.keys.forEach((k, n) => (target[k - seg.offset]! += row.targets[n]!));
    // reported as KL(target || attention): the cross-entropy less the target's own entropy, 0 when the head attends as the target
    for (let j = 0; j < T; j++) if (target[j]! > 0) loss += target[j]! * (Math.log(target[j]!) - Math.log(Math.max(attention[j]!, 1e-30)));
    // d CE / d score_j = attention_j - target_j (a softmax row); scores are q . k with q pre-scaled
    const q = row.query * 3 * dim + h * dh;
    for (let j = 0; j <= i; j++) {
      const ds = row.weight * (attention[j]! - target[j]!);
      if (ds === 0) continue;
      const k = (seg.offset + j) * 3 * dim + dim + h * dh;
      for (let c = 0; c < dh; c++) {
        dQkv[q + c]! += ds * qkv[k + c]!;
        dQkv[k + c]! += ds * qkv[q + c]!;
      }
    }
  }
  return loss;
}
