/**
 * TinyVlmPolicy: the `Policy` (generate, logProbs, save) and `PolicyTrainer`
 * (accumulate gradients of a per-token objective, expose parameters as plain
 * arrays, commit updates) of the tiny VLM.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from './tf.ts';
import { contentHash, stableJson, writeJsonAtomic } from '../../core/index.ts';
import type {
  AccumulateResult,
  Generation,
  Policy,
  PolicyInput,
  PolicyTrainer,
  SamplingOptions,
  TokenObjective,
  TrainableParameter,
  TrainExample,
} from '../../core/index.ts';
import { checkpointFile, readTensorFile, writeTensorFile } from '../../lib/training/index.ts';
import { decode, rowRandom } from './generate.ts';
import { TinyVlm, type EncodedPrompt, type ParamSpec, type SequenceGroup, type TinyVlmConfig } from './model.ts';
import { Tokenizer, type TokenizerJson } from './tokenizer.ts';
import type { TinyVlmOptions } from './index.ts';
import { ImageCache } from './vision.ts';

export const BACKEND_ID = 'tiny-vlm';

/** How much one forward pass may hold (inference batching), and rows decoded together. */
export interface RuntimeLimits {
  batchTokens: number;
  decodeRows: number;
}

/** The weights file of a checkpoint (safetensors), and the name an earlier release used. */
export const WEIGHTS_FILE = 'model.safetensors';
const LEGACY_WEIGHTS_FILE = 'weights.bin';

/**
 * policy.json: what core's loadPolicy reads (`backend`), and everything to
 * rebuild the policy as it was: every model option (runtime ones such as the
 * tfjs backend included: `load` applies them all) and the architecture.
 */
export interface PolicyManifest {
  backend: typeof BACKEND_ID;
  format: 2;
  options: TinyVlmOptions;
  config: TinyVlmConfig;
  parameters: number;
  /** The tfjs backend that computed when it was saved (informative; `options.backend` is what loading asks for). */
  device: string;
  weights: typeof WEIGHTS_FILE;
}

export class TinyVlmPolicy implements Policy, PolicyTrainer {
  readonly id = BACKEND_ID;
  readonly trainer?: PolicyTrainer;
  private params?: TrainableParameter[];

  readonly limits: RuntimeLimits;

  constructor(
    readonly model: TinyVlm,
    readonly device: string,
    /** The options it was made with (saved in every checkpoint). */
    readonly options: TinyVlmOptions,
    trainable: boolean,
  ) {
    this.limits = { batchTokens: options.batchTokens, decodeRows: options.decodeRows };
    if (trainable) this.trainer = this;
  }

  static fromValues(config: TinyVlmConfig, options: TinyVlmOptions, tokenizer: Tokenizer, specs: ParamSpec[], values: Float32Array[], device: string, trainable = true): TinyVlmPolicy {
    const model = new TinyVlm(config, tokenizer, specs, values, new ImageCache(config.image), trainable);
    return new TinyVlmPolicy(model, device, options, trainable);
  }

  get tokenizer(): Tokenizer {
    return this.model.tokenizer;
  }

  /** Completion ids to score: the generated ids, or the text's encoding plus <eos>. */
  completionIds(text: string, tokenIds?: number[]): number[] {
    return tokenIds ?? [...this.tokenizer.encode(text), this.tokenizer.id('<eos>')];
  }

  // -- Policy -----------------------------------------------------------------

  async generate(inputs: PolicyInput[], sampling: SamplingOptions): Promise<Generation[][]> {
    const n = sampling.n ?? 1;
    const out: Generation[][] = inputs.map(() => []);
    const eos = this.tokenizer.id('<eos>');
    const perChunk = Math.max(1, Math.floor(this.limits.decodeRows / n));
    for (let start = 0; start < inputs.length; start += perChunk) {
      const chunk = inputs.slice(start, start + perChunk);
      const prompts = chunk.map((input) => this.model.encode(input));
      const rows = chunk.flatMap((_, i) => Array.from({ length: n }, (_, j) => ({ prompt: i, random: rowRandom(sampling.seed, start + i, j) })));
      const ids = await decode(this.model, prompts, n, rows, sampling);
      rows.forEach((row, r) => {
        const tokens = ids[r]!;
        const text = this.tokenizer.decode(tokens.at(-1) === eos ? tokens.slice(0, -1) : tokens);
        out[start + row.prompt]!.push({ text, tokens: tokens.length, tokenIds: tokens });
      });
    }
    return out;
  }

  async logProbs(inputs: PolicyInput[], completions: string[], tokenIds?: (number[] | undefined)[]): Promise<number[][]> {
    const items = inputs.map((input, i) => ({ prompt: this.model.encode(input), completion: this.completionIds(completions[i]!, tokenIds?.[i]) }));
    const out: number[][] = new Array(items.length);
    for (const chunk of this.chunks(items)) {
      const { groups, order } = groupByPrompt(chunk.map((i) => items[i]!));
      const batch = await this.model.batch(groups);
      const flat = tf.tidy(() => this.model.tokenLogProbs(this.model.forward(batch), batch.rows, batch.targets).dataSync() as Float32Array);
      splitByCompletion(flat, groups).forEach((lp, k) => (out[chunk[order[k]!]!] = lp));
    }
    return out;
  }

  /**
   * sha256 of what decides the answers: architecture, tokenizer, every
   * weight and the TensorFlow.js backend that computes. The same for the
   * policy trained in memory and for its checkpoint loaded on that backend.
   */
  fingerprint(): string {
    const weights = this.model.variables.map((v) => {
      const data = v.dataSync() as Float32Array;
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    });
    return contentHash(stableJson({ backend: BACKEND_ID, format: 1, config: this.model.config, device: this.device }), stableJson(this.tokenizer.toJson()), ...weights);
  }

  async save(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    const values = this.model.variables.map((v) => v.dataSync() as Float32Array);
    await writeTensorFile(join(dir, WEIGHTS_FILE), this.model.specs.map((s, i) => ({ name: s.name, shape: s.shape, data: values[i]! })), { backend: BACKEND_ID });
    await writeJsonAtomic(join(dir, 'tokenizer.json'), this.tokenizer.toJson());
    const manifest: PolicyManifest = {
      backend: BACKEND_ID,
      format: 2,
      options: this.options,
      config: this.model.config,
      parameters: values.reduce((s, v) => s + v.length, 0),
      device: this.device,
      weights: WEIGHTS_FILE,
    };
    await writeJsonAtomic(join(dir, 'policy.json'), manifest);
  }

  dispose(): void {
    this.model.dispose();
  }

  // -- PolicyTrainer ------------------------------------------------------------

  async snapshot(): Promise<Policy> {
    const values = this.model.variables.map((v) => Float32Array.from(v.dataSync() as Float32Array));
    return TinyVlmPolicy.fromValues(this.model.config, this.options, this.tokenizer, this.model.specs, values, this.device, false);
  }

  saveState(dir: string): Promise<void> {
    return this.save(dir);
  }

  async loadState(dir: string): Promise<void> {
    const loaded = await readWeights(dir, this.model.specs);
    const saved = Tokenizer.fromJson(JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8')) as TokenizerJson);
    if (saved.tokens.join('\u0000') !== this.tokenizer.tokens.join('\u0000'))
      throw new Error(`${dir}: checkpoint tokenizer differs from this model's (was the dataset rebuilt?)`);
    this.parameters().forEach((p, i) => p.value.set(loaded[i]!));
    this.commit();
  }

  parameters(): TrainableParameter[] {
    this.params ??= this.model.specs.map((s, i) => {
      const value = Float32Array.from(this.model.variables[i]!.dataSync() as Float32Array);
      return { name: s.name, shape: s.shape, decay: s.decay, value, grad: new Float32Array(value.length) };
    });
    return this.params;
  }

  async accumulate(examples: TrainExample[], objective: TokenObjective): Promise<AccumulateResult> {
    const params = this.parameters();
    const items = examples.map((e) => ({ prompt: this.model.encode(e.input), completion: this.completionIds(e.completion, e.tokenIds) }));
    const { groups, order } = groupByPrompt(items);
    const batch = await this.model.batch(groups);
    // per-token log-probs come out grouped; `order[k]` is the example of the k-th grouped completion
    let outcome: { loss: number; logProbs: number[][] } = { loss: 0, logProbs: examples.map(() => []) };
    if (batch.targets.length) {
      const { value, grads } = tf.variableGrads(() => {
        const logp = this.model.tokenLogProbs(this.model.forward(batch), batch.rows, batch.targets);
        const grouped = splitByCompletion(logp.dataSync() as Float32Array, groups);
        const logProbs = new Array<number[]>(examples.length);
        grouped.forEach((lp, k) => (logProbs[order[k]!] = lp));
        const { loss, grads: g } = objective(logProbs);
        const flat = new Float32Array(batch.targets.length);
        let at = 0;
        grouped.forEach((lp, k) => {
          const gi = g[order[k]!];
          if (!gi || gi.length !== lp.length) throw new Error(`objective returned ${gi?.length ?? 'no'} gradients for example ${order[k]}, expected ${lp.length}`);
          flat.set(gi, at);
          at += lp.length;
        });
        outcome = { loss, logProbs };
        return tf.sum(tf.mul(logp, tf.tensor1d(flat)));
      }, this.model.variables);
      value.dispose();
      this.model.variables.forEach((variable, i) => {
        const g = grads[variable.name];
        if (!g) return;
        const data = g.dataSync();
        const into = params[i]!.grad;
        for (let j = 0; j < into.length; j++) into[j]! += data[j]!;
        g.dispose();
      });
    }
    return { ...outcome, tokens: batch.table.length, completionTokens: batch.targets.length };
  }

  commit(): void {
    this.parameters().forEach((p, i) => {
      const fresh = tf.tensor(p.value, p.shape);
      this.model.variables[i]!.assign(fresh);
      fresh.dispose();
      p.grad.fill(0);
    });
  }

  /** Item indices in chunks of at most `batchTokens` tokens (an item alone may exceed it). */
  private chunks(items: { prompt: EncodedPrompt; completion: number[] }[]): number[][] {
    const out: number[][] = [];
    let chunk: number[] = [];
    let tokens = 0;
    items.forEach((item, i) => {
      const size = item.prompt.ids.length + item.completion.length;
      if (chunk.length && tokens + size > this.limits.batchTokens) {
        out.push(chunk);
        chunk = [];
        tokens = 0;
      }
      chunk.push(i);
      tokens += size;
    });
    if (chunk.length) out.push(chunk);
    return out;
  }
}

/**
 * Group items that share a prompt (same tokens and images), keeping first
 * appearance order; `order[k]` is the item index of the k-th grouped completion.
 */
export function groupByPrompt(items: { prompt: EncodedPrompt; completion: number[] }[]): { groups: SequenceGroup[]; order: number[] } {
  const byKey = new Map<string, { group: SequenceGroup; members: number[] }>();
  items.forEach((item, i) => {
    const key = `${item.prompt.ids.join(',')}|${item.prompt.images.join('|')}`;
    let entry = byKey.get(key);
    if (!entry) byKey.set(key, (entry = { group: { prompt: item.prompt, completions: [] }, members: [] }));
    entry.group.completions.push(item.completion);
    entry.members.push(i);
  });
  const entries = [...byKey.values()];
  return { groups: entries.map((e) => e.group), order: entries.flatMap((e) => e.members) };
}

/** Per-completion slices of the flat log-probs (groups and completions in batch order). */
export function splitByCompletion(flat: Float32Array, groups: SequenceGroup[]): number[][] {
  let at = 0;
  return groups.flatMap((g) => g.completions.map((c) => Array.from(flat.subarray(at, (at += c.length)))));
}

/** Weights of a checkpoint in `specs` order, checked against the specs' shapes. */
export async function readWeights(dir: string, specs: ParamSpec[]): Promise<Float32Array[]> {
  const file = checkpointFile(dir, WEIGHTS_FILE, LEGACY_WEIGHTS_FILE);
  const { tensors } = await readTensorFile(file);
  return specs.map((s) => {
    const data = tensors.get(s.name);
    const size = s.shape.reduce((a, b) => a * b, 1);
    if (!data || data.length !== size) throw new Error(`${file}: parameter "${s.name}" is missing or not of shape [${s.shape}]`);
    return data;
  });
}
