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
 */
import type { Grounding } from '../../core/index.ts';
import type { Segment } from './kernels.ts';

/** The text layer and head the loss supervises. */
export const GROUNDING_HEAD = { layer: 0, head: 0 } as const;

/** A phrase's query row, the rows it should attend to with their target weights (summing to 1), and the loss weight. */
export interface GroundedRow {
  query: number;
  keys: number[];
  targets: number[];
  weight: number;
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

const overlap = (a0: number, a1: number, b0: number, b1: number) => Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));

/**
 * Adds d(sum of weight x cross-entropy)/d qkv of the supervised head into
 * `dQkv` and returns the sum of the rows' KL divergences from target to
 * attention (the cross-entropy less the target's entropy: the same
 * gradient, and 0 when the head attends exactly as the target; unweighted). `weights` are the
 * layer's attention weights per segment ([heads, T, S]); a query row must
 * be in a segment without a prefix (SFT's one sequence per example).
 */
export function groundingBackward(rows: GroundedRow[], segments: Segment[], weights: Float32Array[], qkv: Float32Array, dQkv: Float32Array, dim: number, heads: number): number {
  const dh = dim / heads;
  const h = GROUNDING_HEAD.head;
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
