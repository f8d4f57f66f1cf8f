/**
 * Rotary position embeddings (RoPE, Su et al. 2021), the text positions of
 * Qwen2.5-VL's language model: instead of a learned vector added to each
 * token, every head's query and key are rotated by an angle proportional to
 * the token's position, pair (j, j + dh/2) at frequency base^(-2j/dh), so a
 * query-key product depends on how far apart the two tokens are, not where
 * they sit. An answer learnt after one prompt layout then keeps its relation
 * to `<assistant>` and to the tokens before it when a longer prompt moves it.
 *
 * The rotation is linear and orthogonal: its backward pass is the rotation by
 * the opposite angle.
 */

export const ROTARY_BASE = 10_000;

/** cos and sin of position p's angle at frequency j, [maxLength, dh/2] each. */
export interface RotaryTable {
  half: number;
  cos: Float32Array;
  sin: Float32Array;
}

export function rotaryTable(maxLength: number, dh: number, base = ROTARY_BASE): RotaryTable {
  if (dh % 2 !== 0) throw new Error(`rotary positions need an even head size, got ${dh} (dim / heads)`);
  const half = dh / 2;
  const cos = new Float32Array(maxLength * half);
  const sin = new Float32Array(maxLength * half);
  for (let p = 0; p < maxLength; p++)
    for (let j = 0; j < half; j++) {
      const angle = p * base ** (-j / half);
      cos[p * half + j] = Math.cos(angle);
      sin[p * half + j] = Math.sin(angle);
    }
  return { half, cos, sin };
}

/**
 * Rotate, in place, the queries and keys of packed rows [N, 3 x dim] (q, k, v
 * thirds; heads are column blocks of dh) by each row's position; `inverse`
 * rotates back (the backward pass of a gradient with the same layout).
 */
export function rotate(qkv: Float32Array, positions: ArrayLike<number>, dim: number, table: RotaryTable, inverse = false): void {
  const { half, cos, sin } = table;
  const dh = 2 * half;
  const sign = inverse ? -1 : 1;
  for (let r = 0; r < positions.length; r++) {
    const t = positions[r]! * half;
    for (let third = 0; third < 2; third++)
      for (let h = 0; h < dim; h += dh) {
        const at = r * 3 * dim + third * dim + h;
        for (let j = 0; j < half; j++) {
          const c = cos[t + j]!;
          const s = sign * sin[t + j]!;
          const a = qkv[at + j]!;
          const b = qkv[at + j + half]!;
          qkv[at + j] = a * c - b * s;
          qkv[at + j + half] = a * s + b * c;
        }
      }
  }
}
