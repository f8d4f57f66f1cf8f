/**
 * model-tiny-vlm: registers the `tiny-vlm` policy backend, a compact
 * vision-language model trained from scratch on the CPU (see model.ts for the
 * architecture, engine.ts for its forward and backward passes, kernels.ts for
 * the onnxruntime kernels, pool.ts for the worker threads, tokenizer.ts for
 * the vocabulary). `create` builds the tokenizer from the whole dataset and
 * initialises weights from (seed, options, tokenizer) alone; `load` reads a
 * checkpoint written by `save`.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, definePlugin, UsageError, validate, z, type Dataset, type PolicyBackend, type PolicyBackendContext } from '../../core/index.ts';
import { promptText, SYSTEM_PROMPT, type PromptStyle } from '../../lib/prompts/index.ts';
import { initialValues, paramSpecs, type ParamSpec, type TinyVlmConfig } from './model.ts';
import { BACKEND_ID, readWeights, TinyVlmPolicy, type PolicyManifest, type RuntimeLimits } from './policy.ts';
import { resolveKernels } from './replica.ts';
import { Tokenizer, type TokenizerJson } from './tokenizer.ts';
import { encodeNumberValues } from './numbers.ts';
import { PRETRAINED_DIR, pretrainCommand } from './pretrain.ts';
import { checkGeometry } from './vision.ts';

export const PLUGIN_NAME = 'model-tiny-vlm';
export { TinyVlmPolicy, BACKEND_ID } from './policy.ts';
export { Tokenizer } from './tokenizer.ts';

/** The architecture options: a pretrained base fixes them. */
export const ARCHITECTURE_KEYS = ['dim', 'layers', 'heads', 'ffn', 'visionDim', 'visionLayers', 'maxLength', 'positions', 'imageWidth', 'imageHeight', 'patch', 'maxImages', 'initStd'] as const;
/** What an architecture key absent from a checkpoint's recorded options means (keys added after such checkpoints). */
const ABSENT_ARCHITECTURE: Partial<Record<(typeof ARCHITECTURE_KEYS)[number], unknown>> = { visionLayers: 0, positions: 'learned' };

export const tinyVlmOptions = z
  .strictObject({
    /**
     * Start from a pretrained checkpoint (a tiny-vlm checkpoint directory) instead
     * of random weights: its architecture and weights, its tokenizer grown with
     * the dataset's words; architecture options given beside it must agree.
     * "pretrained": the base shipped with this plugin (pretrain.ts) when the
     * architecture options are its own (the defaults); options that give another
     * architecture start from random weights, and the log says so. "none": random weights.
     */
    base: z.string().min(1).optional(),
    dim: z.number().int().positive().default(128),
    layers: z.number().int().positive().default(4),
    heads: z.number().int().positive().default(4),
    ffn: z.number().int().positive().default(512),
    visionDim: z.number().int().positive().default(64),
    /** Vision encoder layers: each image's patches attend to each other before the merge (0: the patch embedding alone). */
    visionLayers: z.number().int().min(0).default(0),
    maxLength: z.number().int().positive().default(768),
    /** Text positions: a learned vector per position added to each token, or rotary (RoPE: each head's queries and keys rotated by position, so attention sees distances). */
    positions: z.enum(['learned', 'rotary']).default('learned'),
    imageWidth: z.number().int().positive().default(56),
    imageHeight: z.number().int().positive().default(56),
    patch: z.number().int().positive().default(14),
    maxImages: z.number().int().positive().default(16),
    initStd: z.number().positive().default(0.02),
    /** Words seen fewer times than this in the dataset are spelled by characters. */
    minTokenCount: z.number().int().positive().default(2),
    maxVocab: z.number().int().min(200).default(4096),
    /** Whole numbers of the dataset (two digits or more, seen minTokenCount times) become single tokens; false: numbers are written a digit at a time. */
    numberTokens: z.boolean().default(false),
    /** With numberTokens: "value" starts each number token from an encoding of its value (numbers.ts), "random" from noise like any word. */
    numberEmbedding: z.enum(['random', 'value']).default('random'),
    /** Compute kernels: onnxruntime-node (CPU), or plain JavaScript (slow; the reference). */
    backend: z.enum(['auto', 'onnxruntime', 'js']).default('auto'),
    /** Replicas computing in parallel (worker threads; 1: the main thread). Results are reproducible per worker count. */
    workers: z.number().int().positive().default(2),
    /** Tokens per inference forward pass (logProbs, prefill). */
    batchTokens: z.number().int().positive().default(4096),
    /** Rows decoded together by `generate`. */
    decodeRows: z.number().int().positive().default(32),
  })
  .refine((o) => o.dim % o.heads === 0, { message: 'dim must be a multiple of heads', path: ['dim'] })
  .refine((o) => o.positions !== 'rotary' || (o.dim / o.heads) % 2 === 0, { message: 'rotary positions need an even head size (dim / heads)', path: ['positions'] })
  .refine((o) => !o.visionLayers || o.visionDim % o.heads === 0, { message: 'visionDim must be a multiple of heads when visionLayers > 0', path: ['visionDim'] })
  .superRefine((o, ctx) => {
    try {
      checkGeometry({ width: o.imageWidth, height: o.imageHeight, patch: o.patch });
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message, path: ['imageWidth'] });
    }
  });

export type TinyVlmOptions = z.output<typeof tinyVlmOptions>;

const STYLES: PromptStyle[] = ['plain', 'direct', 'think'];

/** All text the tokenizer learns from: every sample's prompt in every style and its answer. */
export function* datasetText(dataset: Dataset): Generator<string> {
  yield SYSTEM_PROMPT;
  for (const sample of dataset.samples) {
    for (const style of STYLES) yield promptText(sample, style);
    yield sample.answer;
  }
}

/** The architecture of validated options (the schema has checked the image geometry). */
export function configOf(o: TinyVlmOptions): TinyVlmConfig {
  return {
    dim: o.dim,
    layers: o.layers,
    heads: o.heads,
    ffn: o.ffn,
    visionDim: o.visionDim,
    ...(o.visionLayers ? { visionLayers: o.visionLayers } : {}), // absent when 0: the configs (and fingerprints) of earlier checkpoints
    maxLength: o.maxLength,
    ...(o.positions === 'rotary' ? { positions: o.positions } : {}), // absent when learned: the configs (and fingerprints) of earlier checkpoints
    image: { width: o.imageWidth, height: o.imageHeight, patch: o.patch },
    maxImages: o.maxImages,
    initStd: o.initStd,
  };
}

/** Runtime settings from the options; logs where the model computes. */
function runtime(o: TinyVlmOptions, ctx: PolicyBackendContext): RuntimeLimits {
  const kernels = resolveKernels(o.backend);
  const threads = o.workers > 1 ? `${o.workers} worker threads` : 'the main thread';
  ctx.log(`tiny-vlm: ${kernels.name} kernels on ${threads}${kernels.note ? ` (${kernels.note})` : ''}`);
  return { batchTokens: o.batchTokens, decodeRows: o.decodeRows, workers: o.workers, kernels: kernels.name };
}

/** TensorFlow.js backends that checkpoints of earlier releases may name: they load with the default kernels. */
const TFJS_BACKENDS = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/** Options of a checkpoint written before options were recorded (policy.json format 1): its architecture, default runtime options. */
function legacyOptions(config: TinyVlmConfig): TinyVlmOptions {
  const { image, ...rest } = config;
  return tinyVlmOptions.parse({ ...rest, imageWidth: image.width, imageHeight: image.height, patch: image.patch });
}

const parsePretrainArgs = (argv: string[]) => {
  const options = { out: { type: 'string' }, scenes: { type: 'string' }, first: { type: 'string' }, epochs: { type: 'string' }, lr: { type: 'string' }, positions: { type: 'boolean' }, from: { type: 'string' }, force: { type: 'boolean' } } as const;
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(`ladder pretrain tiny-vlm: ${(error as Error).message}`);
  }
};

/** The base this plugin ships (`base: "pretrained"`): pretrain.ts makes it and says how it is checked. */
export { PRETRAINED_DIR };

interface Base {
  dir: string;
  architecture: Pick<TinyVlmOptions, (typeof ARCHITECTURE_KEYS)[number]>;
  tokenizer: Tokenizer;
  specs: ParamSpec[];
  values: Float32Array[];
}

/** A base checkpoint's directory and manifest ("pretrained": the shipped one). */
async function baseManifest(base: string): Promise<{ dir: string; file: string; manifest: PolicyManifest }> {
  const dir = base === 'pretrained' ? PRETRAINED_DIR : resolve(base);
  const file = join(dir, 'policy.json');
  if (!existsSync(file)) throw new ConfigError(`model.options.base: ${dir} is not a tiny-vlm checkpoint (no policy.json)`);
  const manifest = JSON.parse(await readFile(file, 'utf8')) as PolicyManifest;
  if (manifest.backend !== BACKEND_ID || manifest.format !== 2) throw new ConfigError(`model.options.base: ${file} is not a tiny-vlm checkpoint of format 2`);
  return { dir, file, manifest };
}

/** Architecture options in `given` that differ from the manifest's. */
const architectureClash = (given: Record<string, unknown>, manifest: PolicyManifest) =>
  ARCHITECTURE_KEYS.filter((k) => given[k] !== undefined && given[k] !== (manifest.options[k] ?? ABSENT_ARCHITECTURE[k]));

/** A base checkpoint whose architecture `given` agrees with: its tokenizer and weights. */
async function readBase({ dir, file, manifest }: Awaited<ReturnType<typeof baseManifest>>): Promise<Base> {
  const architecture = Object.fromEntries(ARCHITECTURE_KEYS.map((k) => [k, manifest.options[k]])) as Base['architecture'];
  const tokenizer = Tokenizer.fromJson(JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8')) as TokenizerJson);
  const specs = paramSpecs(configOf(validate(tinyVlmOptions, architecture, file, ['options'])), tokenizer.size);
  return { dir, architecture, tokenizer, specs, values: await readWeights(dir, specs) };
}

/**
 * The base's weights with `added` vocabulary entries: new embedding rows and
 * output-head columns drawn like a fresh model's (seeded by the run's seed),
 * every other weight the base's.
 */
function grownValues(specs: ParamSpec[], base: Base, added: number, seed: number): Float32Array[] {
  return specs.map((spec, i) => {
    const old = base.values[i]!;
    if (!added || (spec.name !== 'embed' && spec.name !== 'head')) return old;
    const fresh = initialValues(spec, seed);
    const [rows, cols] = spec.shape as [number, number];
    if (spec.name === 'embed') return (fresh.set(old), fresh); // [vocab, dim]: the base's rows first
    const out = fresh; // head [dim, vocab]: the base's columns first in every row
    const oldCols = cols - added;
    for (let r = 0; r < rows; r++) out.set(old.subarray(r * oldCols, (r + 1) * oldCols), r * cols);
    return out;
  });
}

/** `defaults.base`: the base when `model.options.base` is not given (the plugin option `base`). */
export function tinyVlmBackend(defaults: { base?: string } = {}): PolicyBackend {
  return {
    id: BACKEND_ID,
    options: tinyVlmOptions,
    async create(raw, ctx) {
      const parsed = validate(tinyVlmOptions, raw, 'model.options');
      const chosen = parsed.base ?? defaults.base;
      let options = chosen ? { ...parsed, base: chosen } : parsed;
      if (!ctx.dataset) throw new ConfigError('tiny-vlm builds its tokenizer from the dataset, but none was given to create()');
      if (options.numberEmbedding === 'value' && !options.numberTokens)
        throw new ConfigError('model.options.numberEmbedding "value" codes number tokens: it needs model.options.numberTokens true');
      const words = { minCount: options.minTokenCount, maxVocab: options.maxVocab, numbers: options.numberTokens };
      const given = raw as Record<string, unknown>;
      const found = options.base && options.base !== 'none' ? await baseManifest(options.base) : undefined;
      const clash = found ? architectureClash(given, found.manifest) : [];
      const named = (values: Record<string, unknown>) => clash.map((k) => `${k} ${String(values[k])}`).join(', ');
      // the shipped base applies to its own architecture: other options start from random weights
      if (clash.length && options.base === 'pretrained')
        ctx.log(`tiny-vlm: model.options give ${named(given)}, not the shipped base's architecture: starting from random weights (base "pretrained" applies to its own architecture only)`);
      else if (clash.length)
        throw new ConfigError(`model.options: ${named(given)} differ from the base ${found!.dir} (${named(found!.manifest.options)}); a base fixes the architecture`);
      if (found && !clash.length) {
        const base = await readBase(found);
        options = { ...options, ...base.architecture };
        const config = configOf(options);
        const tokenizer = base.tokenizer.extend(datasetText(ctx.dataset), words);
        const specs = paramSpecs(config, tokenizer.size);
        const values = grownValues(specs, base, tokenizer.size - base.tokenizer.size, ctx.seed);
        if (options.numberEmbedding === 'value') encodeNumberValues(specs, values, tokenizer, base.tokenizer.size);
        ctx.log(`tiny-vlm: starting from ${base.dir} (${base.tokenizer.size} tokens, ${tokenizer.size - base.tokenizer.size} added from the dataset)`);
        return TinyVlmPolicy.create(config, options, tokenizer, specs, values, runtime(options, ctx));
      }
      const config = configOf(options);
      const tokenizer = Tokenizer.build(datasetText(ctx.dataset), words);
      const specs = paramSpecs(config, tokenizer.size);
      const values = specs.map((s) => initialValues(s, ctx.seed));
      if (options.numberEmbedding === 'value') encodeNumberValues(specs, values, tokenizer, 0);
      return TinyVlmPolicy.create(config, options, tokenizer, specs, values, runtime(options, ctx));
    },
    /** Rebuild the policy with the options the checkpoint records (kernels, workers and batching included). */
    async load(dir, ctx) {
      const file = join(dir, 'policy.json');
      const manifest = JSON.parse(await readFile(file, 'utf8')) as PolicyManifest | { backend: string; format: 1; config: TinyVlmConfig };
      if (manifest.backend !== BACKEND_ID) throw new ConfigError(`${file}: not a tiny-vlm checkpoint (backend "${manifest.backend}")`);
      let options: TinyVlmOptions;
      if (manifest.format === 2) {
        const saved = { ...manifest.options } as Record<string, unknown>;
        if (TFJS_BACKENDS.includes(saved.backend as string)) {
          ctx.log(`tiny-vlm: ${file} was saved with the TensorFlow.js backend "${saved.backend}", which this release no longer has: loading it with the default kernels`);
          delete saved.backend;
        }
        options = validate(tinyVlmOptions, saved, file, ['options']);
      }
      else if (manifest.format === 1) {
        options = legacyOptions(manifest.config);
        ctx.log(`tiny-vlm: ${file} was written by an earlier release (format 1, weights.bin) and records no runtime options: loading it with the defaults (backend "${options.backend}"); this format is read for one more release`);
      } else throw new ConfigError(`${file}: tiny-vlm checkpoint format ${String((manifest as { format: unknown }).format)}; this release reads formats 1 and 2`);
      const config = configOf(options);
      const tokenizer = Tokenizer.fromJson(JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8')) as TokenizerJson);
      const specs = paramSpecs(config, tokenizer.size);
      const values = await readWeights(dir, specs);
      return TinyVlmPolicy.create(config, options, tokenizer, specs, values, runtime(options, ctx));
    },
  };
}

export default definePlugin({
  name: PLUGIN_NAME,
  options: z.strictObject({
    /** The base of every tiny-vlm this config creates unless `model.options.base` says otherwise (the preset: "pretrained"). */
    base: z.string().min(1).optional(),
  }),
  apply(ladder, { base }) {
    ladder.hooks.models.for(BACKEND_ID).tap(PLUGIN_NAME, () => tinyVlmBackend({ base }));
    ladder.hooks.commands.for('pretrain tiny-vlm').tap(PLUGIN_NAME, () => pretrainCommand(ladder, parsePretrainArgs, PRETRAINED_DIR));
  },
});
