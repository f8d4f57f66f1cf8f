/**
 * Generation with a KV cache. Prompts are prefilled with the training forward
 * pass; their keys and values are stored once per prompt (shared by its
 * rows, padded to the longest prompt), and each row's generated keys and
 * values go to a cache that grows by `CHUNK` steps (a mask hides the steps
 * not yet filled), so attention costs what is filled, not the longest
 * completion. All rows decode together, one token per step: one kernel call
 * for the first layer's dense part before attention, then one per layer for
 * attention, the dense part after it and the next layer's part before it.
 *
 * Sampling: temperature, then top-p (nucleus): the smallest set of the most
 * probable tokens (ties: lower id first) holding at least `topP` of the mass,
 * found with a heap (no sort of the vocabulary; at top-p 1 the set is every
 * token and nothing is selected); a uniform draw from a seeded stream per
 * (input, sample) then walks the set in token-id order. The same seed gives
 * the same completions whatever the batch.
 */
import { createRandom, type Random } from '../../core/index.ts';
import type { Engine } from './engine.ts';
import type { DecodeCache } from './kernels.ts';
import type { Batch } from './model.ts';

export interface DecodeOptions {
  maxTokens: number;
  temperature: number;
  topP: number;
}

/** A decoding call: prompts laid out as a batch, `perPrompt` rows per prompt (prompt-major). */
export interface GenerateJob {
  batch: Batch;
  /** Prompt lengths (tokens). */
  lengths: number[];
  perPrompt: number;
  /** Per row: the random stream's (input, sample) indices. */
  rows: { input: number; sample: number }[];
  seed: number;
  eos: number;
  options: DecodeOptions;
}

/** A seeded stream per (input, sample). */
export const rowRandom = (seed: number, input: number, sample: number) => createRandom(seed, `tiny-vlm/sample/${input}/${sample}`);

let scratch = new Float64Array(0);
/** Unnormalised probabilities exp((x - max) / temperature), in a buffer reused by the next call, and their sum. */
function weightsOf(logits: Float32Array, temperature: number): { p: Float64Array; total: number } {
  if (scratch.length !== logits.length) scratch = new Float64Array(logits.length);
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  const k = 1 / temperature;
  let total = 0;
  for (let i = 0; i < logits.length; i++) total += scratch[i] = Math.exp((logits[i]! - max) * k);
  return { p: scratch, total };
}

/** Walk the kept tokens in id order with a uniform draw scaled by their mass. */
function draw(p: Float64Array, kept: Uint8Array | undefined, mass: number, random: Random): number {
  let u = random.next() * mass;
  let last = -1;
  for (let i = 0; i < p.length; i++) {
    if (kept && !kept[i]) continue;
    last = i;
    u -= p[i]!;
    if (u <= 0) return i;
  }
  return last;
}

/** Pick a token from logits: greedy at temperature 0, else temperature + nucleus sampling (see above). */
export function sampleToken(logits: Float32Array, { temperature, topP }: DecodeOptions, random: Random): number {
  if (temperature <= 0) {
    let best = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
    return best;
  }
  const { p, total } = weightsOf(logits, temperature);
  if (topP >= 1) return draw(p, undefined, total, random);
  // max-heap of token ids by (probability desc, id asc); pop until the mass reaches topP
  const before = (a: number, b: number) => p[a]! > p[b]! || (p[a] === p[b] && a < b);
  const heap = Int32Array.from(p.keys());
  const sift = (from: number, size: number) => {
    let i = from;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let top = i;
      if (l < size && before(heap[l]!, heap[top]!)) top = l;
      if (r < size && before(heap[r]!, heap[top]!)) top = r;
      if (top === i) return;
      [heap[i], heap[top]] = [heap[top]!, heap[i]!];
      i = top;
    }
  };
  let size = heap.length;
  for (let i = (size >> 1) - 1; i >= 0; i--) sift(i, size);
  const kept = new Uint8Array(p.length);
  let mass = 0;
  while (size > 0 && (mass === 0 || mass < topP * total)) {
    const id = heap[0]!;
    kept[id] = 1;
    mass += p[id]!;
    heap[0] = heap[--size]!;
    sift(0, size);
  }
  return draw(p, kept, mass, random);
}

/** The same sampler by sorting the whole vocabulary: the reference `sampleToken` is tested against. */
export function sampleTokenBySort(logits: Float32Array, { temperature, topP }: DecodeOptions, random: Random): number {
  if (temperature <= 0) return sampleToken(logits, { temperature, topP, maxTokens: 0 }, random);
  const p = Float64Array.from(weightsOf(logits, temperature).p);
  const total = p.reduce((s, x) => s + x, 0);
  const order = [...p.keys()].sort((a, b) => p[b]! - p[a]! || a - b);
  const kept = new Uint8Array(p.length);
  let mass = 0;
  for (let k = 0; k < order.length && (k === 0 || mass < Math.min(topP, 1) * total); k++) {
    kept[order[k]!] = 1;
    mass += p[order[k]!]!;
  }
  return draw(p, topP >= 1 ? undefined : kept, topP >= 1 ? total : mass, random);
}

/** Completion token ids per row of the job (with <eos> when a row ended by itself). */
export function decode(engine: Engine, job: GenerateJob): number[][] {
  return engine.scoped((alloc) => decodeWith(engine, job, alloc));
}

function decodeWith(engine: Engine, job: GenerateJob, alloc: (length: number) => Float32Array): number[][] {
  const { dim: D, heads, layers, maxLength } = engine.config;
  const dh = D / heads;
  const { lengths, perPrompt: R, rows, options } = job;
  const P = Math.max(...lengths);
  const steps = Math.min(options.maxTokens, maxLength - P);
  const out: number[][] = rows.map(() => []);
  if (steps <= 0) return out;
  const np = lengths.length;
  const n = rows.length;
  if (n !== np * R) throw new Error(`internal: ${n} decoding rows for ${np} prompts x ${R}`);
  const promptMask = alloc(np * P);
  lengths.forEach((T, s) => promptMask.fill(-1e9, s * P + T, (s + 1) * P));
  const layer = (size: number) => Array.from({ length: layers }, () => alloc(size));
  const cache: DecodeCache = {
    prompts: np,
    rowsPerPrompt: R,
    promptLength: P,
    width: 0,
    promptMask,
    promptKeys: layer(np * D * P),
    promptValues: layer(np * D * P),
    ownKeys: [],
    ownValues: [],
    ownMask: alloc(0),
  };
  const first = engine.prefill(job.batch, (l, s, k, v) => {
    const pk = cache.promptKeys[l]!;
    const pv = cache.promptValues[l]!;
    const T = lengths[s]!;
    for (let h = 0; h < heads; h++) {
      for (let c = 0; c < dh; c++) for (let t = 0, to = ((s * heads + h) * dh + c) * P; t < T; t++) pk[to + t] = k[t * D + h * dh + c]!;
      for (let t = 0, to = (s * heads + h) * P * dh; t < T; t++) for (let c = 0; c < dh; c++) pv[to + t * dh + c] = v[t * D + h * dh + c]!;
    }
  });
  const V = engine.vocab;
  const randoms = rows.map((r) => rowRandom(job.seed, r.input, r.sample));
  const done = new Array<boolean>(n).fill(false);
  const positions = new Int32Array(n);
  let logits = first;
  const next = alloc(n * V);
  for (let step = 0; step < steps; step++) {
    const tokens = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      if (done[r]) continue;
      const at = step === 0 ? Math.floor(r / R) : r;
      const token = sampleToken(logits.subarray(at * V, (at + 1) * V), options, randoms[r]!);
      tokens[r] = token;
      out[r]!.push(token);
      if (token === job.eos) done[r] = true;
    }
    if (done.every(Boolean) || step === steps - 1) break;
    for (let r = 0; r < n; r++) positions[r] = lengths[Math.floor(r / R)]! + step;
    if (step === cache.width) widen(cache, Math.min(steps, step + CHUNK), D, dh, alloc);
    engine.decodeStep(tokens, positions, cache, step, next);
    logits = next;
  }
  return out;
}

/** Steps the own cache grows by. */
const CHUNK = 16;

/** Re-lay the generated keys ([rows, heads, dh | width]) and values ([rows, heads, width | dh]) `width` steps wide. */
function widen(cache: DecodeCache, width: number, dim: number, dh: number, alloc: (length: number) => Float32Array): void {
  const old = cache.width;
  const rows = cache.prompts * cache.rowsPerPrompt;
  /** `blocks` runs of `old` steps of `size` floats each -> runs of `width` steps. */
  const relay = (from: Float32Array | undefined, blocks: number, size: number) => {
    const to = alloc(blocks * width * size);
    if (from) for (let b = 0, run = old * size; b < blocks; b++) for (let i = 0; i < run; i++) to[b * width * size + i] = from[b * run + i]!;
    return to;
  };
  for (let l = 0; l < cache.promptKeys.length; l++) {
    cache.ownKeys[l] = relay(cache.ownKeys[l], rows * dim, 1);
    cache.ownValues[l] = relay(cache.ownValues[l], (rows * dim) / dh, dh);
  }
  cache.ownMask = alloc(width).fill(-1e9).fill(0, 0, old);
  cache.width = width;
}
