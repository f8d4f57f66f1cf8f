/**
 * The few tensor operations whose stock gradients are slow or missing on the
 * wasm backend (DESIGN.md "The model side"): 2-D matmuls whose gradients
 * transpose explicitly instead of using transposed-flag or batched matmuls
 * (~10x slower there), and row gathers whose gradient is a scatter-add done in
 * JavaScript (wasm has no gradient for `gather`).
 */
import * as tf from './tf.ts';

type Grad = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
/** tf.customGrad with the argument types tfjs's typings cannot express. */
const custom = (f: (...args: never[]) => { value: tf.Tensor; gradFunc: Grad }) =>
  tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as (...inputs: tf.Tensor[]) => tf.Tensor;

/** a [m, k] x b [k, n]. */
export function mm(a: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  return custom((x: tf.Tensor, y: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x, y]);
    return {
      value: tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor, [sx, sy]: tf.Tensor[]) => [
        tf.matMul(dy as tf.Tensor2D, tf.transpose(sy!) as tf.Tensor2D),
        tf.matMul(tf.transpose(sx!) as tf.Tensor2D, dy as tf.Tensor2D),
      ],
    };
  })(a, b) as tf.Tensor2D;
}

/** Rows `indices` of `table` [r, c] -> [indices.length, c]; the gradient scatter-adds rows back. */
export function gatherRows(table: tf.Tensor, indices: Int32Array): tf.Tensor2D {
  const [rows, cols] = table.shape as [number, number];
  return custom((x: tf.Tensor) => ({
    value: tf.gather(x, tf.tensor1d(indices, 'int32')),
    gradFunc: (dy: tf.Tensor) => {
      const g = dy.dataSync();
      const out = new Float32Array(rows * cols);
      for (let i = 0; i < indices.length; i++) {
        const from = i * cols;
        const to = indices[i]! * cols;
        for (let j = 0; j < cols; j++) out[to + j]! += g[from + j]!;
      }
      return tf.tensor2d(out, [rows, cols]);
    },
  }))(table) as tf.Tensor2D;
}

export function rmsNorm<T extends tf.Tensor>(x: T, gain: tf.Tensor, eps = 1e-6): T {
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps))), gain) as T;
}
