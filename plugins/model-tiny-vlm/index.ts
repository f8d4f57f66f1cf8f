/**
 * model-tiny-vlm: registers the `tiny-vlm` policy backend, a compact
 * vision-language model trained from scratch on the CPU (see model.ts for the
 * architecture, engine.ts for its forward and backward passes, kernels.ts for
 * the onnxruntime kernels, pool.ts for the worker threads, tokenizer.ts for
 * the vocabulary). `create` builds the tokenizer from the whole dataset and
 * initialises weights from (seed, options, tokenizer) alone; `load` reads a
 * checkpoint written by `save`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, definePlugin, validate, z, type Dataset, type PolicyBackend, type PolicyBackendContext } from '../../core/index.ts';
import { promptText, SYSTEM_PROMPT, type PromptStyle } from '../../lib/prompts/index.ts';
import { initialValues, paramSpecs, type TinyVlmConfig } from './model.ts';
import { BACKEND_ID, readWeights, TinyVlmPolicy, type PolicyManifest, type RuntimeLimits } from './policy.ts';
import { resolveKernels } from './replica.ts';
import { Tokenizer, type TokenizerJson } from './tokenizer.ts';
import { checkGeometry } from './vision.ts';

export const PLUGIN_NAME = 'model-tiny-vlm';
export { TinyVlmPolicy, BACKEND_ID } from './policy.ts';
export { Tokenizer } from './tokenizer.ts';

export const tinyVlmOptions = z
  .strictObject({
    dim: z.number().int().positive().default(128),
    layers: z.number().int().positive().default(4),
    heads: z.number().int().positive().default(4),
    ffn: z.number().int().positive().default(512),
    visionDim: z.number().int().positive().default(64),
    maxLength: z.number().int().positive().default(768),
    imageWidth: z.number().int().positive().default(56),
    imageHeight: z.number().int().positive().default(56),
    patch: z.number().int().positive().default(14),
    maxImages: z.number().int().positive().default(16),
    initStd: z.number().positive().default(0.02),
    /** Words seen fewer times than this in the dataset are spelled by characters. */
    minTokenCount: z.number().int().positive().default(2),
    maxVocab: z.number().int().min(200).default(4096),
    /** Compute kernels: onnxruntime-node (CPU), or plain JavaScript (slow; the reference). */
    backend: z.enum(['auto', 'onnxruntime', 'js']).default('auto'),
    /** Replicas computing in parallel (worker threads; 1: the main thread). Results are reproducible per worker count. */
    workers: z.number().int().positive().default(2),
    /** Tokens per inference forward pass (logProbs, prefill). */
    batchTokens: z.number().int().positive().default(4096),
    /** Rows decoded together by `generate`. */
    decodeRows: z.number().int().positive().default(32),
  })
  .refine((o) => o.dim % o.heads === 0, { message: 'dim must be a multiple of heads', path: ['dim'] });

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

export function configOf(o: TinyVlmOptions): TinyVlmConfig {
  const config: TinyVlmConfig = {
    dim: o.dim,
    layers: o.layers,
    heads: o.heads,
    ffn: o.ffn,
    visionDim: o.visionDim,
    maxLength: o.maxLength,
    image: { width: o.imageWidth, height: o.imageHeight, patch: o.patch },
    maxImages: o.maxImages,
    initStd: o.initStd,
  };
  try {
    checkGeometry(config.image);
  } catch (error) {
    throw new ConfigError(`model.options: ${(error as Error).message}`);
  }
  return config;
}

/** Runtime settings from the options; logs where the model computes. */
function runtime(o: TinyVlmOptions, ctx: PolicyBackendContext): RuntimeLimits {
  const kernels = resolveKernels(o.backend);
  const threads = o.workers > 1 ? `${o.workers} worker threads` : 'the main thread';
  ctx.log(`tiny-vlm: ${kernels.name} kernels on ${threads}${kernels.note ? ` (${kernels.note})` : ''}`);
  return { batchTokens: o.batchTokens, decodeRows: o.decodeRows, workers: o.workers, kernels: kernels.name };
}

export function tinyVlmBackend(): PolicyBackend {
  return {
    id: BACKEND_ID,
    async create(raw, ctx) {
      const options = validate(tinyVlmOptions, raw, 'model.options');
      if (!ctx.dataset) throw new ConfigError('tiny-vlm builds its tokenizer from the dataset, but none was given to create()');
      const config = configOf(options);
      const tokenizer = Tokenizer.build(datasetText(ctx.dataset), { minCount: options.minTokenCount, maxVocab: options.maxVocab });
      const specs = paramSpecs(config, tokenizer.size);
      const values = specs.map((s) => initialValues(s, ctx.seed));
      return TinyVlmPolicy.create(config, tokenizer, specs, values, runtime(options, ctx));
    },
    async load(dir, ctx) {
      const manifest = JSON.parse(await readFile(join(dir, 'policy.json'), 'utf8')) as PolicyManifest;
      if (manifest.backend !== BACKEND_ID || manifest.format !== 1) throw new ConfigError(`${dir}/policy.json: not a tiny-vlm checkpoint (format 1)`);
      const tokenizer = Tokenizer.fromJson(JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8')) as TokenizerJson);
      const specs = paramSpecs(manifest.config, tokenizer.size);
      const values = await readWeights(dir, specs);
      return TinyVlmPolicy.create(manifest.config, tokenizer, specs, values, runtime(tinyVlmOptions.parse({}), ctx));
    },
  };
}

export default definePlugin({
  name: PLUGIN_NAME,
  options: z.strictObject({}),
  apply(ladder) {
    ladder.hooks.models.for(BACKEND_ID).tap(PLUGIN_NAME, () => tinyVlmBackend());
  },
});
