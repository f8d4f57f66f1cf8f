/**
 * Visual attention metrics (paper C.7) over one attention map (core's
 * `AttentionMap`, averaged over layers and heads into one weight per visual
 * token):
 *
 *   IoU_att = sum_{i in box} a_i / sum_j a_j,  a = min-max normalised weights
 *   H_att   = -sum_i p_i ln p_i / ln N,        p = the weights normalised to sum 1
 *
 * A token's membership of the boxes is the fraction of its cell (the part
 * of the image it covers) inside their union: 0 or 1 for cells wholly
 * outside or inside, fractional on an edge, so coarse grids are not rounded
 * to whole cells. Entropy is divided by ln N (N visual tokens): 0
 * when all attention is on one token, 1 when it is uniform.
 */
import type { AttentionMap, Box2D, ImageTokenGrid } from '../../core/index.ts';

/** Mean over layers and heads: one weight per visual token. */
export function meanAttention(map: AttentionMap): Float64Array {
  const tokens = map.grids.reduce((s, g) => s + g.rows * g.cols, 0);
  const expected = map.layers * map.heads * tokens;
  if (map.weights.length !== expected)
    throw new Error(`attention map: ${map.weights.length} weights for ${map.layers} layers x ${map.heads} heads x ${tokens} visual tokens (${expected} expected)`);
  const out = new Float64Array(tokens);
  for (let lh = 0; lh < map.layers * map.heads; lh++) for (let t = 0; t < tokens; t++) out[t]! += map.weights[lh * tokens + t]!;
  for (let t = 0; t < tokens; t++) out[t]! /= map.layers * map.heads;
  return out;
}

/** A box on one image: pixel coordinates of an image `width` x `height` (the image as given to the policy). */
export interface ImageBox {
  image: number;
  box: Box2D;
  width: number;
  height: number;
}

/**
 * Per visual token, the fraction of its cell inside the union of the boxes
 * on its image (pixel boxes span [x1, x2 + 1) x [y1, y2 + 1)).
 */
export function boxCoverage(grids: readonly ImageTokenGrid[], boxes: readonly ImageBox[]): Float64Array {
  const out = new Float64Array(grids.reduce((s, g) => s + g.rows * g.cols, 0));
  let offset = 0;
  for (const grid of grids) {
    const mine = boxes.filter((b) => b.image === grid.image);
    if (mine.length) {
      const cw = mine[0]!.width / grid.cols;
      const ch = mine[0]!.height / grid.rows;
      const spans = mine.map(({ box }) => [box[0], box[1], box[2] + 1, box[3] + 1] as const);
      for (let r = 0; r < grid.rows; r++)
        for (let c = 0; c < grid.cols; c++)
          out[offset + r * grid.cols + c] = unionArea(spans, [c * cw, r * ch, (c + 1) * cw, (r + 1) * ch]) / (cw * ch);
    }
    offset += grid.rows * grid.cols;
  }
  return out;
}

/** Area of the union of rectangles [x1, y1, x2, y2) inside `clip`: exact, over the grid their edges make. */
function unionArea(rects: readonly (readonly [number, number, number, number])[], clip: readonly [number, number, number, number]): number {
  const clipped = rects
    .map(([x1, y1, x2, y2]) => [Math.max(x1, clip[0]), Math.max(y1, clip[1]), Math.min(x2, clip[2]), Math.min(y2, clip[3])] as const)
    .filter(([x1, y1, x2, y2]) => x2 > x1 && y2 > y1);
  const xs = [...new Set(clipped.flatMap((r) => [r[0], r[2]]))].sort((a, b) => a - b);
  const ys = [...new Set(clipped.flatMap((r) => [r[1], r[3]]))].sort((a, b) => a - b);
  let area = 0;
  for (let i = 0; i + 1 < xs.length; i++)
    for (let j = 0; j + 1 < ys.length; j++) {
      const [x, y] = [(xs[i]! + xs[i + 1]!) / 2, (ys[j]! + ys[j + 1]!) / 2];
      if (clipped.some(([x1, y1, x2, y2]) => x >= x1 && x < x2 && y >= y1 && y < y2)) area += (xs[i + 1]! - xs[i]!) * (ys[j + 1]! - ys[j]!);
    }
  return area;
}

/** Min-max normalised weights (all zero when every weight is equal: no token stands out). */
function minMax(weights: ArrayLike<number>): Float64Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < weights.length; i++) {
    lo = Math.min(lo, weights[i]!);
    hi = Math.max(hi, weights[i]!);
  }
  const out = new Float64Array(weights.length);
  if (hi > lo) for (let i = 0; i < weights.length; i++) out[i] = (weights[i]! - lo) / (hi - lo);
  return out;
}

/** Attention IoU: share of the min-max normalised attention inside the boxes (coverage-weighted); NaN for uniform attention. */
export function attentionIoU(weights: ArrayLike<number>, coverage: ArrayLike<number>): number {
  if (weights.length !== coverage.length) throw new Error(`attention IoU: ${weights.length} weights for ${coverage.length} tokens`);
  const a = minMax(weights);
  let inside = 0;
  let total = 0;
  for (let i = 0; i < a.length; i++) {
    inside += a[i]! * coverage[i]!;
    total += a[i]!;
  }
  return total > 0 ? inside / total : NaN;
}

/** The IoU of attention spread evenly: the mean coverage (the chance level of IoU_att). */
export function uniformIoU(coverage: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < coverage.length; i++) sum += coverage[i]!;
  return sum / coverage.length;
}

/** Normalised attention entropy in [0, 1] (1: spread evenly, the chance level); NaN without attention on any visual token. */
export function attentionEntropy(weights: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) total += weights[i]!;
  if (!(total > 0) || weights.length < 2) return NaN;
  let h = 0;
  for (let i = 0; i < weights.length; i++) if (weights[i]! > 0) h -= (weights[i]! / total) * Math.log(weights[i]! / total);
  return h / Math.log(weights.length);
}
