/**
 * Generation with a KV cache: prompts are prefilled with the training forward
 * pass (keys and values kept per layer), then all rows decode together, one
 * token per step, attending to their own cache (batched matmuls over
 * [rows, heads, ...]; padding between prompts of different lengths is masked).
 * Sampling: temperature and top-p (nucleus) in JavaScript with a seeded stream
 * per (input, sample), so the same seed gives the same completions whatever
 * the batch size.
 */
import * as tf from '@tensorflow/tfjs';
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

/** Completion token ids per row (with <eos> when a row ended by itself). */
export async function decode(model: TinyVlm, prompts: EncodedPrompt[], rows: DecodeRow[], options: DecodeOptions): Promise<number[][]> {
  const { dim, heads, layers, maxLength } = model.config;
  const dh = dim / heads;
  const eos = model.tokenizer.id('<eos>');
  const lengths = prompts.map((p) => p.ids.length);
  const longest = Math.max(...lengths);
  const steps = Math.min(options.maxTokens, maxLength - longest);
  const out: number[][] = rows.map(() => []);
  if (steps <= 0) return out;
  const n = rows.length;
  const batch = await model.batch(prompts.map((prompt) => ({ prompt, completions: [] })));

  // Prefill: caches [rows, heads, dh, longest] (keys, transposed) and [rows, heads, longest, dh] (values), zero-padded.
  const keyData = Array.from({ length: layers }, () => new Float32Array(n * dim * longest));
  const valueData = Array.from({ length: layers }, () => new Float32Array(n * dim * longest));
  const rowsOf = prompts.map((_, p) => rows.flatMap((r, i) => (r.prompt === p ? [i] : [])));
  const first = tf.tidy(() => {
    const hidden = model.forward(batch, (l, s, k, v) => {
      const T = lengths[s]!;
      for (const r of rowsOf[s]!) {
        const base = r * dim * longest;
        for (let t = 0; t < T; t++)
          for (let h = 0; h < heads; h++)
            for (let c = 0; c < dh; c++) {
              keyData[l]![base + (h * dh + c) * longest + t] = k[t * dim + h * dh + c]!;
              valueData[l]![base + h * longest * dh + t * dh + c] = v[t * dim + h * dh + c]!;
            }
      }
    });
    const last = Int32Array.from(rows, (r) => batch.promptEnds[r.prompt]!);
    return tf.matMul(tf.gather(hidden, tf.tensor1d(last, 'int32')), model.weight('embed'), false, true).dataSync() as Float32Array;
  });
  let keys = keyData.map((d) => tf.tensor4d(d, [n, heads, dh, longest]));
  let values = valueData.map((d) => tf.tensor4d(d, [n, heads, longest, dh]));

  const vocab = model.vocab;
  const embedT = tf.keep(tf.transpose(model.weight('embed')));
  const done = new Array<boolean>(n).fill(false);
  let logits = first;
  // attention mask over cache slots: prompt padding is -1e9
  const maskRows = rows.map((r) => Array.from({ length: longest }, (_, j) => (j < lengths[r.prompt]! ? 0 : -1e9)));
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
      for (const m of maskRows) m.push(0);
      const positions = Int32Array.from(rows, (r) => lengths[r.prompt]! + step);
      const next = tf.tidy(() => {
        let x = tf.add(tf.gather(model.weight('embed'), tf.tensor1d(tokens, 'int32')), tf.gather(model.weight('pos'), tf.tensor1d(positions, 'int32'))) as tf.Tensor2D;
        const mask = tf.tensor4d(maskRows.flat(), [n, 1, 1, maskRows[0]!.length]);
        const newKeys: tf.Tensor4D[] = [];
        const newValues: tf.Tensor4D[] = [];
        for (let l = 0; l < layers; l++) {
          const a = rmsNorm(x, model.weight(`l${l}.norm1`));
          const [q, k, v] = tf.split(tf.mul(tf.matMul(a, model.weight(`l${l}.qkv`) as tf.Tensor2D), model.qkvColumnScale), 3, 1) as tf.Tensor2D[];
          const kc = tf.concat([keys[l]!, k!.reshape([n, heads, dh, 1])], 3) as tf.Tensor4D;
          const vc = tf.concat([values[l]!, v!.reshape([n, heads, 1, dh])], 2) as tf.Tensor4D;
          newKeys.push(kc);
          newValues.push(vc);
          const p = tf.softmax(tf.add(tf.matMul(q!.reshape([n, heads, 1, dh]), kc), mask));
          const o = tf.matMul(p as tf.Tensor4D, vc).reshape([n, dim]) as tf.Tensor2D;
          x = tf.add(x, tf.matMul(o, model.weight(`l${l}.out`) as tf.Tensor2D)) as tf.Tensor2D;
          const m = rmsNorm(x, model.weight(`l${l}.norm2`));
          x = tf.add(x, tf.matMul(tf.relu(tf.matMul(m, model.weight(`l${l}.up`) as tf.Tensor2D)), model.weight(`l${l}.down`) as tf.Tensor2D)) as tf.Tensor2D;
        }
        const h = rmsNorm(x, model.weight('final.norm'));
        return { logits: tf.matMul(h, embedT as tf.Tensor2D), newKeys, newValues };
      });
      for (const t of [...keys, ...values]) t.dispose();
      keys = next.newKeys;
      values = next.newValues;
      logits = next.logits.dataSync() as Float32Array;
      next.logits.dispose();
    }
  } finally {
    for (const t of [...keys, ...values, embedT]) t.dispose();
  }
  return out;
}

/** A seeded stream per (input, sample). */
export const rowRandom = (seed: number, input: number, sample: number) => createRandom(seed, `tiny-vlm/sample/${input}/${sample}`);
