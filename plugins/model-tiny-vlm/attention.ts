/**
 * Causal multi-head self-attention over packed sequences as ONE custom op.
 *
 * Why: on the wasm backend `slice`/`split` read the whole source tensor per
 * call (cost grows with the source, not the piece), and batched matmuls run
 * ~10x slower than 2-D ones. So the op reads the packed [q | k | v] rows once,
 * cuts each (sequence, head) block in JavaScript (writing K transposed for
 * free), and runs 2-D matmuls + softmax per block. The backward pass
 * recomputes the attention weights P (nothing is held between passes):
 *
 *   dV = P^T dO,  dP = dO V^T,  dS = P * (dP - rowsum(dP * P)),
 *   dQ = dS K,    dK = dS^T Q
 *
 * The 1/sqrt(head size) scale is applied to q before this op.
 */
import * as tf from './tf.ts';

/**
 * Rows [offset, offset + length) of the packed batch. A segment with a
 * `prefix` continues those rows (a prompt shared by several completions, as
 * GRPO's G samples): it attends to all of them, then causally to itself.
 */
export interface Segment {
  offset: number;
  length: number;
  prefix?: { offset: number; length: number };
}

/** Receives each sequence's keys and values ([length, dim] row-major) from a forward pass. */
export type KvCapture = (segment: number, keys: Float32Array, values: Float32Array) => void;

const masks = new Map<string, Float32Array>();
/** [length, visible + length]: the first `visible` columns (a prefix) open, then causal. */
function causalMask(length: number, visible: number): tf.Tensor2D {
  const key = `${length}:${visible}`;
  const width = visible + length;
  let m = masks.get(key);
  if (!m) {
    m = new Float32Array(length * width);
    for (let i = 0; i < length; i++) m.fill(-1e9, i * width + visible + i + 1, (i + 1) * width);
    if (masks.size > 256) masks.clear();
    masks.set(key, m);
  }
  return tf.tensor2d(m, [length, width]);
}

/** Copy a [rows, width] block starting at (row0, col0) of a row-major matrix with `stride` columns. */
function block(src: Float32Array, stride: number, row0: number, rows: number, col0: number, width: number, transpose = false): Float32Array {
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    const from = (row0 + r) * stride + col0;
    if (transpose) for (let c = 0; c < width; c++) out[c * rows + r] = src[from + c]!;
    else out.set(src.subarray(from, from + width), r * width);
  }
  return out;
}

/** Keys or values a segment sees: its prefix's rows, then its own. */
function context(src: Float32Array, stride: number, seg: Segment, col0: number, width: number, transpose = false): Float32Array {
  if (!seg.prefix) return block(src, stride, seg.offset, seg.length, col0, width, transpose);
  const rows = seg.prefix.length + seg.length;
  const out = new Float32Array(rows * width);
  const put = (row0: number, count: number, at: number) => {
    for (let r = 0; r < count; r++) {
      const from = (row0 + r) * stride + col0;
      if (transpose) for (let c = 0; c < width; c++) out[c * rows + at + r] = src[from + c]!;
      else out.set(src.subarray(from, from + width), (at + r) * width);
    }
  };
  put(seg.prefix.offset, seg.prefix.length, 0);
  put(seg.offset, seg.length, seg.prefix.length);
  return out;
}

/** Add a [rows, width] block into rows row0.. (columns col0..) of `dst`. */
function addBlock(dst: Float32Array, stride: number, row0: number, col0: number, data: Float32Array, rows: number, width: number, from = 0): void {
  for (let r = 0; r < rows; r++) {
    const to = (row0 + r) * stride + col0;
    const src = (from + r) * width;
    for (let c = 0; c < width; c++) dst[to + c]! += data[src + c]!;
  }
}

/** Add a context-shaped gradient ([prefix + own rows, width]) back into its rows. */
function addContext(dst: Float32Array, stride: number, seg: Segment, col0: number, data: Float32Array, width: number): void {
  const p = seg.prefix?.length ?? 0;
  if (seg.prefix) addBlock(dst, stride, seg.prefix.offset, col0, data, p, width);
  addBlock(dst, stride, seg.offset, col0, data, seg.length, width, p);
}

/** qkv [positions, 3 * dim] (q already scaled) -> attended values [positions, dim]. */
export function attention(qkv: tf.Tensor2D, segments: Segment[], heads: number, capture?: KvCapture): tf.Tensor2D {
  const [n, width] = qkv.shape;
  const dim = width / 3;
  const dh = dim / heads;
  const op = tf.customGrad(((x: tf.Tensor) => {
    const data = x.dataSync() as Float32Array;
    const out = new Float32Array(n * dim);
    segments.forEach((seg, s) => {
      const { offset, length: T } = seg;
      if (!T) return;
      const S = T + (seg.prefix?.length ?? 0);
      if (capture) capture(s, block(data, width, offset, T, dim, dim), block(data, width, offset, T, 2 * dim, dim));
      const mask = causalMask(T, S - T);
      for (let h = 0; h < heads; h++) {
        const o = tf.tidy(() => {
          const q = tf.tensor2d(block(data, width, offset, T, h * dh, dh), [T, dh]);
          const kT = tf.tensor2d(context(data, width, seg, dim + h * dh, dh, true), [dh, S]);
          const v = tf.tensor2d(context(data, width, seg, 2 * dim + h * dh, dh), [S, dh]);
          return tf.matMul(tf.softmax(tf.add(tf.matMul(q, kT), mask)) as tf.Tensor2D, v);
        });
        addBlock(out, dim, offset, h * dh, o.dataSync() as Float32Array, T, dh);
        o.dispose();
      }
      mask.dispose();
    });
    return {
      value: tf.tensor2d(out, [n, dim]),
      gradFunc: (dy: tf.Tensor) => {
        const g = dy.dataSync() as Float32Array;
        const dx = new Float32Array(n * width);
        for (const seg of segments) {
          const { offset, length: T } = seg;
          if (!T) continue;
          const S = T + (seg.prefix?.length ?? 0);
          const mask = causalMask(T, S - T);
          for (let h = 0; h < heads; h++) {
            const parts = tf.tidy(() => {
              const q = tf.tensor2d(block(data, width, offset, T, h * dh, dh), [T, dh]);
              const k = tf.tensor2d(context(data, width, seg, dim + h * dh, dh), [S, dh]);
              const kT = tf.transpose(k);
              const vT = tf.tensor2d(context(data, width, seg, 2 * dim + h * dh, dh, true), [dh, S]);
              const dO = tf.tensor2d(block(g, dim, offset, T, h * dh, dh), [T, dh]);
              const p = tf.softmax(tf.add(tf.matMul(q, kT), mask)) as tf.Tensor2D;
              const dV = tf.matMul(tf.transpose(p), dO);
              const dP = tf.matMul(dO, vT);
              const dS = tf.mul(p, tf.sub(dP, tf.sum(tf.mul(dP, p), 1, true))) as tf.Tensor2D;
              return [tf.matMul(dS, k), tf.matMul(tf.transpose(dS), q), dV];
            });
            const [dQ, dK, dV] = parts.map((part) => part.dataSync() as Float32Array);
            addBlock(dx, width, offset, h * dh, dQ!, T, dh);
            addContext(dx, width, seg, dim + h * dh, dK!, dh);
            addContext(dx, width, seg, 2 * dim + h * dh, dV!, dh);
            for (const part of parts) part.dispose();
          }
          mask.dispose();
        }
        return tf.tensor2d(dx, [n, width]);
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(qkv) as tf.Tensor2D;
}
