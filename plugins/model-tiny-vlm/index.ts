/**
 * model-tiny-vlm: registers the `tiny-vlm` policy backend, a compact
 * vision-language model trained from scratch on TensorFlow.js (see model.ts
 * for the architecture, tokenizer.ts for the vocabulary, backend.ts for the
 * backend order). `create` builds the tokenizer from the whole dataset and
 * initialises weights from (seed, options, tokenizer) alone; `load` reads a
 * checkpoint written by `save`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, definePlugin, validate, z, type Dataset, type PolicyBackend, type PolicyBackendContext } from '../../core/index.ts';
import { promptText, SYSTEM_PROMPT, type PromptStyle } from '../../lib/prompts/index.ts';
import { initBackend, type BackendChoice } from './backend.ts';
import { initialValues, paramSpecs, type TinyVlmConfig } from './model.ts';
import { BACKEND_ID, readWeights, TinyVlmPolicy, type PolicyManifest } from './policy.ts';
import { Tokenizer, type TokenizerJson } from './tokenizer.ts';
import { checkGeometry } from './vision.ts';

export const PLUGIN_NAME = 'model-tiny-vlm';
export { TinyVlmPolicy, BACKEND_ID } from './policy.ts';
export { Tokenizer } from './tokenizer.ts';
export { initBackend } from './backend.ts';

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
    backend: z.enum(['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']).default('auto'),
    /** Tokens per inference forward pass (logProbs, prefill). */
    batchTokens: z.number().int().positive().default(4096),
    /** Rows decoded together by `generate`. */
    decodeRows: z.number().int().positive().default(32),
  })
  .refine((o) => o.dim % o.heads === 0, { message: 'dim must be a multiple of heads', path: ['dim'] })
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
    maxLength: o.maxLength,
    image: { width: o.imageWidth, height: o.imageHeight, patch: o.patch },
    maxImages: o.maxImages,
    initStd: o.initStd,
  };
}

async function device(choice: BackendChoice, ctx: PolicyBackendContext): Promise<string> {
  const info = await initBackend(choice);
  ctx.log(`tiny-vlm: TensorFlow.js backend "${info.name}"${info.notes.length ? ` (${info.notes.join('; ')})` : ''}`);
  return info.name;
}

/** Options of a checkpoint written before options were recorded (policy.json format 1): its architecture, default runtime options. */
function legacyOptions(config: TinyVlmConfig): TinyVlmOptions {
  const { image, ...rest } = config;
  return tinyVlmOptions.parse({ ...rest, imageWidth: image.width, imageHeight: image.height, patch: image.patch });
}

export function tinyVlmBackend(): PolicyBackend {
  return {
    id: BACKEND_ID,
    options: tinyVlmOptions,
    async create(raw, ctx) {
      const options = validate(tinyVlmOptions, raw, 'model.options');
      if (!ctx.dataset) throw new ConfigError('tiny-vlm builds its tokenizer from the dataset, but none was given to create()');
      const config = configOf(options);
      const tokenizer = Tokenizer.build(datasetText(ctx.dataset), { minCount: options.minTokenCount, maxVocab: options.maxVocab });
      const specs = paramSpecs(config, tokenizer.size);
      const values = specs.map((s) => initialValues(s, ctx.seed));
      const name = await device(options.backend, ctx);
      return TinyVlmPolicy.fromValues(config, options, tokenizer, specs, values, name);
    },
    /** Rebuild the policy with the options the checkpoint records (the tfjs backend and batching included). */
    async load(dir, ctx) {
      const file = join(dir, 'policy.json');
      const manifest = JSON.parse(await readFile(file, 'utf8')) as PolicyManifest | { backend: string; format: 1; config: TinyVlmConfig };
      if (manifest.backend !== BACKEND_ID) throw new ConfigError(`${file}: not a tiny-vlm checkpoint (backend "${manifest.backend}")`);
      let options: TinyVlmOptions;
      if (manifest.format === 2) options = validate(tinyVlmOptions, manifest.options, file, ['options']);
      else if (manifest.format === 1) {
        options = legacyOptions(manifest.config);
        ctx.log(`tiny-vlm: ${file} was written by an earlier release (format 1, weights.bin) and records no runtime options: loading it with the defaults (backend "${options.backend}"); this format is read for one more release`);
      } else throw new ConfigError(`${file}: tiny-vlm checkpoint format ${String((manifest as { format: unknown }).format)}; this release reads formats 1 and 2`);
      const config = configOf(options);
      const tokenizer = Tokenizer.fromJson(JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8')) as TokenizerJson);
      const specs = paramSpecs(config, tokenizer.size);
      const values = await readWeights(dir, specs);
      const name = await device(options.backend, ctx);
      return TinyVlmPolicy.fromValues(config, options, tokenizer, specs, values, name);
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
