/**
 * Generation with a KV cache: prompts are prefilled with the training forward
 * pass (keys and values kept per layer), then all rows decode together, one
 * token per step, attending to their own cache (batched matmuls over
 * [rows, heads, ...]; padding between prompts of different lengths is masked).
 * Sampling: temperature and top-p (nucleus) in JavaScript with a seeded stream
 * per (input, sample), so the same seed gives the same completions whatever
 * the batch size.
 */
import * as tf from './tf.ts';
import { createRandom, type Random } from '../../core/index.ts';
import type { EncodedPrompt, TinyVlm } from './model.ts';
import { rmsNorm } from './ops.ts';

export interface DecodeRow {
  /** Index of the prompt in the batch. */
  prompt: number;
  random: Random;
}

export interface DecodeOptions {
  maxTokens: number;
  temperature: number;
  topP: number;
}

/** Pick a token from logits: greedy at temperature 0, else nucleus sampling. */
export function sampleToken(logits: Float32Array, { temperature, topP }: DecodeOptions, random: Random): number {
  if (temperature <= 0) {
    let best = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
    return best;
  }
  let max = -Infinity;
  for (const x of logits) if (x > max) max = x;
  const probs = Array.from(logits, (x, i) => ({ i, p: Math.exp((x - max) / temperature) }));
  const total = probs.reduce((s, e) => s + e.p, 0);
  probs.sort((a, b) => b.p - a.p || a.i - b.i);
  let kept = 0;
  let mass = 0;
  while (kept < probs.length && (kept === 0 || mass < topP * total)) mass += probs[kept++]!.p;
  let u = random.next() * mass;
  for (let k = 0; k < kept; k++) {
    u -= probs[k]!.p;
    if (u <= 0) return probs[k]!.i;
  }
  return probs[kept - 1]!.i;
}

/**
 * Completion token ids per row (with <eos> when a row ended by itself). Rows
 * are prompt-major: `perPrompt` consecutive rows per prompt.
 *
 * The cache is split: each prompt's keys and values are computed once and
 * shared by its rows; the rows' generated tokens go to a small cache per
 * prompt that grows by one column per step. (Growing one big per-row cache
 * copies all of it every step, and wasm's slice and batched matmul are slow:
 * those dominated decoding.) Scores against a prompt are one 2-D matmul: each
 * row's query is spread over `heads` rows, one per head (`headMask`).
 */
export async function decode(model: TinyVlm, prompts: EncodedPrompt[], perPrompt: number, rows: DecodeRow[], options: DecodeOptions): Promise<number[][]> {
  const { dim, heads, layers, maxLength } = model.config;
  const dh = dim / heads;
  const eos = model.tokenizer.id('<eos>');
  const lengths = prompts.map((p) => p.ids.length);
  const steps = Math.min(options.maxTokens, maxLength - Math.max(...lengths));
  const out: number[][] = rows.map(() => []);
  if (steps <= 0) return out;
  const n = rows.length;
  const np = prompts.length;
  const batch = await model.batch(prompts.map((prompt) => ({ prompt, completions: [] })));

  // Prefill: per prompt and layer, keys transposed [dim, length] and values [length, dim].
  const promptKeys: tf.Tensor2D[][] = prompts.map(() => []);
  const promptValues: tf.Tensor2D[][] = prompts.map(() => []);
  const first = tf.tidy(() => {
    const hidden = model.forward(batch, (l, s, k, v) => {
      const T = lengths[s]!;
      const kT = new Float32Array(dim * T);
      for (let t = 0; t < T; t++) for (let c = 0; c < dim; c++) kT[c * T + t] = k[t * dim + c]!;
      promptKeys[s]![l] = tf.keep(tf.tensor2d(kT, [dim, T]));
      promptValues[s]![l] = tf.keep(tf.tensor2d(v, [T, dim]));
    });
    const last = Int32Array.from(rows, (r) => batch.promptEnds[r.prompt]!);
    return tf.matMul(tf.gather(hidden, tf.tensor1d(last, 'int32')), model.weight('head') as tf.Tensor2D).dataSync() as Float32Array;
  });
  // headMask[h, c] = 1 when column c belongs to head h: spreads a row's query over `heads` rows, one per head,
  // so one 2-D matmul with the prompt's keys gives every head's scores (the off-head products are zeroed).
  const headMask = tf.tensor3d(Array.from({ length: heads * dim }, (_, i) => (Math.floor((i % dim) / dh) === Math.floor(i / dim) ? 1 : 0)), [1, heads, dim]);
  /** Per prompt and layer: the rows' generated keys [perPrompt, heads, dh, step + 1] and values [perPrompt, heads, step + 1, dh]. */
  let ownKeys: tf.Tensor4D[][] = prompts.map(() => []);
  let ownValues: tf.Tensor4D[][] = prompts.map(() => []);

  const vocab = model.vocab;
  const done = new Array<boolean>(n).fill(false);
  let logits = first;
  try {
    for (let step = 0; step < steps; step++) {
      const tokens = new Int32Array(n);
      for (let r = 0; r < n; r++) {
        if (done[r]) continue;
        const token = sampleToken(logits.subarray(r * vocab, (r + 1) * vocab), options, rows[r]!.random);
        tokens[r] = token;
        out[r]!.push(token);
        if (token === eos) done[r] = true;
      }
      if (done.every(Boolean) || step === steps - 1) break;
      const positions = Int32Array.from(rows, (r) => lengths[r.prompt]! + step);
      const next = tf.tidy(() => {
        let x = tf.add(tf.gather(model.weight('embed'), tf.tensor1d(tokens, 'int32')), tf.gather(model.weight('pos'), tf.tensor1d(positions, 'int32'))) as tf.Tensor2D;
        const keys: tf.Tensor4D[][] = prompts.map(() => []);
        const values: tf.Tensor4D[][] = prompts.map(() => []);
        for (let l = 0; l < layers; l++) {
          const a = rmsNorm(x, model.weight(`l${l}.norm1`));
          const qkv = tf.mul(tf.matMul(a, model.weight(`l${l}.qkv`) as tf.Tensor2D), model.qkvColumnScale) as tf.Tensor2D;
          const attended = prompts.map((_, pi) => {
            const [q, k, v] = tf.split(np === 1 ? qkv : tf.slice(qkv, [pi * perPrompt, 0], [perPrompt, 3 * dim]), 3, 1) as tf.Tensor2D[];
            const kNew = k!.reshape([perPrompt, heads, dh, 1]);
            const vNew = v!.reshape([perPrompt, heads, 1, dh]);
            const kc = (step ? tf.concat([ownKeys[pi]![l]!, kNew], 3) : kNew) as tf.Tensor4D;
            const vc = (step ? tf.concat([ownValues[pi]![l]!, vNew], 2) : vNew) as tf.Tensor4D;
            keys[pi]!.push(kc);
            values[pi]!.push(vc);
            const spread = tf.mul(q!.reshape([perPrompt, 1, dim]), headMask).reshape([perPrompt * heads, dim]) as tf.Tensor2D;
            const sp = tf.matMul(spread, promptKeys[pi]![l]!);
            const so = tf.matMul(q!.reshape([perPrompt, heads, 1, dh]), kc).reshape([perPrompt * heads, step + 1]);
            const p = tf.softmax(tf.concat([sp, so], 1));
            const [pp, po] = tf.split(p, [lengths[pi]!, step + 1], 1);
            const fromPrompt = tf.sum(tf.mul(tf.matMul(pp as tf.Tensor2D, promptValues[pi]![l]!).reshape([perPrompt, heads, dim]), headMask), 1);
            const fromOwn = tf.matMul(po!.reshape([perPrompt, heads, 1, step + 1]), vc).reshape([perPrompt, dim]);
            return tf.add(fromPrompt, fromOwn);
          });
          const mixed = (np === 1 ? attended[0]! : tf.concat(attended, 0)) as tf.Tensor2D;
          x = tf.add(x, tf.matMul(mixed, model.weight(`l${l}.out`) as tf.Tensor2D)) as tf.Tensor2D;
          const m = rmsNorm(x, model.weight(`l${l}.norm2`));
          x = tf.add(x, tf.matMul(tf.relu(tf.matMul(m, model.weight(`l${l}.up`) as tf.Tensor2D)), model.weight(`l${l}.down`) as tf.Tensor2D)) as tf.Tensor2D;
        }
        const h = rmsNorm(x, model.weight('final.norm'));
        return { logits: tf.matMul(h, model.weight('head') as tf.Tensor2D), keys, values };
      });
      for (const t of [...ownKeys.flat(), ...ownValues.flat()]) t.dispose();
      ownKeys = next.keys;
      ownValues = next.values;
      logits = next.logits.dataSync() as Float32Array;
      next.logits.dispose();
    }
  } finally {
    for (const t of [...promptKeys.flat(), ...promptValues.flat(), ...ownKeys.flat(), ...ownValues.flat(), headMask]) t.dispose();
  }
  return out;
}

/** A seeded stream per (input, sample). */
export const rowRandom = (seed: number, input: number, sample: number) => createRandom(seed, `tiny-vlm/sample/${input}/${sample}`);
