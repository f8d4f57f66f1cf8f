/**
 * TinyVlmPolicy: the `Policy` (generate, logProbs, save) and `PolicyTrainer`
 * (accumulate gradients of a per-token objective, expose parameters as plain
 * arrays, commit updates) of the tiny VLM. The computing is done by the
 * replicas of a pool (pool.ts): a batch is split by prompt groups across
 * them, their log-probabilities are gathered for the objective, and their
 * gradients summed in replica order (the same worker count gives the same
 * weights, bit for bit). With worker threads the replicas also run the
 * optimizer's passes (`threads`), each over its own range of the parameters.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { contentHash, stableJson, writeJsonAtomic } from '../../core/index.ts';
import type {
  AccumulateResult,
  AttentionMap,
  Generation,
  Policy,
  PolicyInput,
  ParameterThreads,
  PolicyTrainer,
  SamplingOptions,
  TokenObjective,
  TrainableParameter,
  TrainExample,
} from '../../core/index.ts';
import { checkpointFile, readTensorFile, writeTensorFile } from '../../lib/training/index.ts';
import { attentionMaps } from './attention-map.ts';
import { paramOffsets, type SupervisedLosses } from './engine.ts';
import type { GenerateJob } from './generate.ts';
import { TinyVlm, type Batch, type EncodedPrompt, type ParamSpec, type SequenceGroup, type TinyVlmConfig } from './model.ts';
import { getPool, type Pool } from './pool.ts';
import type { KernelChoice } from './replica.ts';
import { Tokenizer, type TokenizerJson } from './tokenizer.ts';
import type { TinyVlmOptions } from './index.ts';
import { ImageCache } from './vision.ts';

export const BACKEND_ID = 'tiny-vlm';

/** How much one forward pass may hold (inference batching), rows decoded together, and where it computes. */
export interface RuntimeLimits {
  batchTokens: number;
  decodeRows: number;
  workers: number;
  /** The kernels that run (`auto` resolved). */
  kernels: KernelChoice;
}

/** The weights file of a checkpoint (safetensors), and the name an earlier release used. */
export const WEIGHTS_FILE = 'model.safetensors';
const LEGACY_WEIGHTS_FILE = 'weights.bin';

/**
 * policy.json: what core's loadPolicy reads (`backend`), and everything to
 * rebuild the policy as it was: every model option (runtime ones such as the
 * kernels and workers included: `load` applies them all) and the architecture.
 */
export interface PolicyManifest {
  backend: typeof BACKEND_ID;
  format: 2;
  options: TinyVlmOptions;
  config: TinyVlmConfig;
  parameters: number;
  /** The kernels that computed when it was saved (informative; `options.backend` is what loading asks for). */
  device: string;
  weights: typeof WEIGHTS_FILE;
}

let policyCounter = 0;

/** A Float32Array in shared memory when the pool runs worker threads. */
const floats = (pool: Pool, length: number) => new Float32Array(pool.threaded ? new SharedArrayBuffer(4 * length) : new ArrayBuffer(4 * length));

export class TinyVlmPolicy implements Policy, PolicyTrainer {
  readonly id = BACKEND_ID;
  readonly trainer?: PolicyTrainer;
  readonly threads?: ParameterThreads;
  /** All parameters, flat in spec order (engine.ts's layout). */
  readonly values: Float32Array;
  private readonly grads: Float32Array;
  private readonly slots: Float32Array[];
  private readonly version: Int32Array;
  private readonly key = ++policyCounter;
  private readonly pool: Pool;
  private readonly ready: Promise<void>;
  private params?: TrainableParameter[];

  private constructor(
    readonly model: TinyVlm,
    /** The options it was made with (saved in every checkpoint). */
    readonly options: TinyVlmOptions,
    values: Float32Array[],
    readonly limits: RuntimeLimits,
    trainable: boolean,
  ) {
    const pool = (this.pool = getPool(limits.workers, limits.kernels));
    if (trainable) this.trainer = this;
    if (trainable && pool.threaded)
      this.threads = { shared: (length) => floats(pool, length), forRanges: (module, name, args, length) => pool.forRanges('pass', [module, name, args], length) };
    const { offsets, size } = paramOffsets(model.specs);
    this.values = floats(pool, size);
    model.specs.forEach((s, i) => this.values.set(values[i]!, offsets.get(s.name)![0]));
    this.grads = floats(pool, trainable ? size : 0);
    this.slots = Array.from({ length: pool.size }, () => floats(pool, trainable ? size : 0));
    this.version = new Int32Array(pool.threaded ? new SharedArrayBuffer(4) : new ArrayBuffer(4));
    const { key, slots, grads, version } = this;
    const reg = (slot: number) => ({ id: key, config: model.config, vocab: model.vocab, specs: model.specs, values: this.values, version, slots, slot, grads });
    this.ready = Promise.all(this.slots.map((_, w) => this.pool.call(w, 'register', [reg(w)]))).then(() => undefined);
  }

  static async create(
    config: TinyVlmConfig,
    options: TinyVlmOptions,
    tokenizer: Tokenizer,
    specs: ParamSpec[],
    values: Float32Array[],
    limits: RuntimeLimits,
    trainable = true,
  ): Promise<TinyVlmPolicy> {
    const policy = new TinyVlmPolicy(new TinyVlm(config, tokenizer, specs, new ImageCache(config.image)), options, values, limits, trainable);
    await policy.ready;
    return policy;
  }

  /** `accumulate` adds the grounding and copy losses of examples that ask for them (grounding.ts). */
  readonly grounds = true;
  readonly copies = true;

  /** Where it computes, for logs: the kernels ("onnxruntime", "js"). */
  get device(): string {
    return this.limits.kernels;
  }

  get tokenizer(): Tokenizer {
    return this.model.tokenizer;
  }

  /** Completion ids to score: the generated ids, or the text's encoding plus <eos>. */
  completionIds(text: string, tokenIds?: number[]): number[] {
    return tokenIds ?? [...this.tokenizer.encode(text), this.tokenizer.id('<eos>')];
  }

  /** Send a batch to replica `w` (its pixels move to the worker thread). */
  private forward(w: number, batch: Batch, keep: boolean): Promise<Float32Array> {
    return this.pool.call<Float32Array>(w, 'forward', [this.key, batch, keep], batch.pixels ? [batch.pixels.buffer as ArrayBuffer] : []);
  }

  /** Run `jobs` on the replicas, each taking the next job when it is free; results in job order. */
  private async spread<J, R>(jobs: J[], run: (job: J, w: number) => Promise<R>): Promise<R[]> {
    const results = new Array<R>(jobs.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(this.pool.size, jobs.length) }, async (_, w) => {
        while (next < jobs.length) {
          const j = next++;
          results[j] = await run(jobs[j]!, w);
        }
      }),
    );
    return results;
  }

  // -- Policy -----------------------------------------------------------------

  async generate(inputs: PolicyInput[], sampling: SamplingOptions): Promise<Generation[][]> {
    await this.ready;
    const n = sampling.n ?? 1;
    const eos = this.tokenizer.id('<eos>');
    const perChunk = Math.max(1, Math.floor(this.limits.decodeRows / n));
    const starts = Array.from({ length: Math.ceil(inputs.length / perChunk) }, (_, c) => c * perChunk);
    const options = { maxTokens: sampling.maxTokens, temperature: sampling.temperature, topP: sampling.topP };
    const ids = await this.spread(starts, async (start, w) => {
      const prompts = inputs.slice(start, start + perChunk).map((input) => this.model.encode(input));
      const batch = await this.model.batch(prompts.map((prompt) => ({ prompt, completions: [] })));
      const rows = prompts.flatMap((_, i) => Array.from({ length: n }, (_, j) => ({ input: start + i, sample: j })));
      const job: GenerateJob = { batch, lengths: prompts.map((p) => p.ids.length), perPrompt: n, rows, seed: sampling.seed, eos, options };
      return this.pool.call<number[][]>(w, 'generate', [this.key, job], batch.pixels ? [batch.pixels.buffer as ArrayBuffer] : []);
    });
    const out: Generation[][] = inputs.map(() => []);
    ids.forEach((chunk, c) =>
      chunk.forEach((tokens, r) => {
        const text = this.tokenizer.decode(tokens.at(-1) === eos ? tokens.slice(0, -1) : tokens);
        out[starts[c]! + Math.floor(r / n)]!.push({ text, tokens: tokens.length, tokenIds: tokens });
      }),
    );
    return out;
  }

  async logProbs(inputs: PolicyInput[], completions: string[], tokenIds?: (number[] | undefined)[]): Promise<number[][]> {
    await this.ready;
    const items = inputs.map((input, i) => ({ prompt: this.model.encode(input), completion: this.completionIds(completions[i]!, tokenIds?.[i]) }));
    const { groups, members } = groupByPrompt(items);
    const tokens = groups.reduce((s, g) => s + groupTokens(g), 0);
    const parts = Math.max(1, Math.ceil(tokens / this.limits.batchTokens / this.pool.size)) * this.pool.size;
    const shards = shardGroups(groups, parts);
    const flat = await this.spread(shards, async (shard, w) => this.forward(w, await this.model.batch(shard.map((g) => groups[g]!)), false));
    return ungroup(groups, members, shards, flat);
  }

  /**
   * sha256 of what decides the answers: architecture, tokenizer, every
   * weight and the kernels that compute. The same for the policy trained in
   * memory and for its checkpoint loaded with those kernels.
   */
  fingerprint(): string {
    const weights = new Uint8Array(this.values.buffer, this.values.byteOffset, this.values.byteLength);
    return contentHash(stableJson({ backend: BACKEND_ID, format: 1, config: this.model.config, device: this.device }), stableJson(this.tokenizer.toJson()), weights);
  }

  /** Attention from the positions that produced each completion to the image tokens (attention-map.ts). */
  async attention(inputs: PolicyInput[], completions: string[]): Promise<AttentionMap[]> {
    await this.ready;
    return attentionMaps(this.model, this.values, this.limits.kernels, inputs.map((input, i) => ({ input, completion: this.completionIds(completions[i]!) })));
  }

  async save(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    await writeTensorFile(join(dir, WEIGHTS_FILE), this.parameters().map((p) => ({ name: p.name, shape: p.shape, data: p.value })), { backend: BACKEND_ID });
    await writeJsonAtomic(join(dir, 'tokenizer.json'), this.tokenizer.toJson());
    const manifest: PolicyManifest = {
      backend: BACKEND_ID,
      format: 2,
      options: this.options,
      config: this.model.config,
      parameters: this.values.length,
      device: this.device,
      weights: WEIGHTS_FILE,
    };
    await writeJsonAtomic(join(dir, 'policy.json'), manifest);
  }

  dispose(): Promise<void> {
    return this.pool.all('drop', [this.key]);
  }

  // -- PolicyTrainer ------------------------------------------------------------

  async snapshot(): Promise<Policy> {
    const values = this.parameters().map((p) => Float32Array.from(p.value));
    return TinyVlmPolicy.create(this.model.config, this.options, this.tokenizer, this.model.specs, values, this.limits, false);
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

  /** Views into the flat parameter and gradient arrays, in spec order. */
  parameters(): TrainableParameter[] {
    if (!this.params) {
      const { offsets } = paramOffsets(this.model.specs);
      this.params = this.model.specs.map((s) => {
        const [at, size] = offsets.get(s.name)!;
        return { name: s.name, shape: s.shape, decay: s.decay, value: this.values.subarray(at, at + size), grad: this.grads.subarray(at, at + size) };
      });
    }
    return this.params;
  }

  async accumulate(examples: TrainExample[], objective: TokenObjective): Promise<AccumulateResult> {
    await this.ready;
    const items = examples.map((e) => ({ prompt: this.model.encode(e.input, e.grounding, e.copy), completion: this.completionIds(e.completion, e.tokenIds) }));
    const { groups, members } = groupByPrompt(items);
    const shards = shardGroups(groups, this.pool.size);
    const batches = await Promise.all(shards.map((shard) => this.model.batch(shard.map((g) => groups[g]!))));
    const tokens = batches.reduce((s, b) => s + b.table.length, 0);
    const completionTokens = batches.reduce((s, b) => s + b.targets.length, 0);
    if (!completionTokens) return { loss: 0, logProbs: examples.map(() => []), tokens, completionTokens };
    const flat = await Promise.all(batches.map((b, w) => this.forward(w, b, true)));
    const logProbs = ungroup(groups, members, shards, flat);
    const { loss, grads } = objective(logProbs);
    // per shard, the objective's gradients in that shard's batch order
    const coefs = shards.map((shard) => {
      const c: number[] = [];
      for (const g of shard)
        groups[g]!.completions.forEach((completion, j) => {
          const i = members[g]![j]!;
          const gi = grads[i];
          if (!gi || gi.length !== completion.length) throw new Error(`objective returned ${gi?.length ?? 'no'} gradients for example ${i}, expected ${completion.length}`);
          for (const x of gi) c.push(x);
        });
      return Float32Array.from(c);
    });
    const losses = await Promise.all(coefs.map((c, w) => this.pool.call(w, 'backward', [this.key, c], [c.buffer as ArrayBuffer]) as Promise<SupervisedLosses>));
    await this.pool.forRanges('sumSlots', [this.key], this.grads.length);
    const rows = batches.flatMap((b) => b.grounded ?? []);
    const copied = rows.filter((r) => r.copy).length;
    const phrases = rows.length - copied;
    const sum = (key: keyof SupervisedLosses) => losses.reduce((a, l) => a + l[key], 0);
    return {
      loss,
      logProbs,
      tokens,
      completionTokens,
      ...(phrases && { grounding: { loss: sum('grounding'), phrases } }),
      ...(copied && { copy: { loss: sum('copy'), tokens: copied } }),
    };
  }

  commit(): void {
    Atomics.add(this.version, 0, 1);
    this.grads.fill(0);
  }
}

/** Tokens a group occupies in a batch (its prompt once, every completion). */
const groupTokens = (g: SequenceGroup) => g.prompt.ids.length + g.completions.reduce((s, c) => s + c.length, 0);

/**
 * Split groups into `parts` shards of similar token counts (largest first,
 * each to the lightest shard; ties to the lower index). Deterministic; empty
 * shards are dropped. Each shard lists group indices in ascending order.
 */
export function shardGroups(groups: SequenceGroup[], parts: number): number[][] {
  const shards = Array.from({ length: parts }, () => ({ groups: [] as number[], tokens: 0 }));
  const bySize = [...groups.keys()].sort((a, b) => groupTokens(groups[b]!) - groupTokens(groups[a]!) || a - b);
  for (const g of bySize) {
    const lightest = shards.reduce((best, s) => (s.tokens < best.tokens ? s : best), shards[0]!);
    lightest.groups.push(g);
    lightest.tokens += groupTokens(groups[g]!);
  }
  return shards.filter((s) => s.groups.length).map((s) => s.groups.sort((a, b) => a - b));
}

/**
 * Group items that share a prompt (same tokens and images), keeping first
 * appearance order; `members[g][j]` is the item index of group g's j-th completion.
 */
export function groupByPrompt(items: { prompt: EncodedPrompt; completion: number[] }[]): { groups: SequenceGroup[]; members: number[][] } {
  const byKey = new Map<string, { group: SequenceGroup; members: number[] }>();
  items.forEach((item, i) => {
    const key = `${item.prompt.ids.join(',')}|${item.prompt.images.join('|')}`;
    let entry = byKey.get(key);
    if (!entry) byKey.set(key, (entry = { group: { prompt: item.prompt, completions: [] }, members: [] }));
    entry.group.completions.push(item.completion);
    entry.members.push(i);
  });
  const entries = [...byKey.values()];
  return { groups: entries.map((e) => e.group), members: entries.map((e) => e.members) };
}

/** Per-item log-probs from each shard's flat output (groups and completions in batch order). */
function ungroup(groups: SequenceGroup[], members: number[][], shards: number[][], flat: Float32Array[]): number[][] {
  const out: number[][] = [];
  shards.forEach((shard, s) => {
    let at = 0;
    for (const g of shard) groups[g]!.completions.forEach((c, j) => (out[members[g]![j]!] = Array.from(flat[s]!.subarray(at, (at += c.length)))));
  });
  return out;
}

/** Parameters added after checkpoints were first written: an earlier checkpoint computes as if they were zero. */
const ADDED_LATER = new Set(['vision.slot']);

/** Weights of a checkpoint in `specs` order, checked against the specs' shapes. */
export async function readWeights(dir: string, specs: ParamSpec[]): Promise<Float32Array[]> {
  const file = checkpointFile(dir, WEIGHTS_FILE, LEGACY_WEIGHTS_FILE);
  const { tensors } = await readTensorFile(file);
  return specs.map((s) => {
    const size = s.shape.reduce((a, b) => a * b, 1);
    const data = tensors.get(s.name) ?? (ADDED_LATER.has(s.name) ? new Float32Array(size) : undefined);
    if (!data || data.length !== size) throw new Error(`${file}: parameter "${s.name}" is missing or not of shape [${s.shape}]`);
    return data;
  });
}
