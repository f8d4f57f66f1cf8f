/**
 * model-openai: policy backend "openai", any OpenAI-compatible
 * chat-completions server (vLLM, SGLang, hosted APIs) as a policy for
 * evaluation or as a cold-start teacher. Settings come from, in order:
 * `model.options` in the config, this plugin's options, the environment
 * (OPENAI_BASE_URL, OPENAI_MODEL, OPENAI_API_KEY).
 *
 *   plugins: [['model-openai', { baseURL: 'http://localhost:8000/v1', model: 'Qwen/Qwen2.5-VL-3B-Instruct' }]]
 *   ladder eval --model openai --benchmark vsi-bench
 */
import { ConfigError, definePlugin, z } from '../../core/index.ts';
import { OpenAIChatPolicy, type OpenAISettings } from './client.ts';

const PLUGIN_NAME = 'model-openai';
export const MODEL_ID = 'openai';
export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';
export { OpenAIChatPolicy, retryAfterMs, type OpenAISettings } from './client.ts';

const options = z.strictObject({
  /** Server URL up to `/v1` (default: OPENAI_BASE_URL, else https://api.openai.com/v1). */
  baseURL: z.string().url().optional(),
  /** Model name the server knows (default: OPENAI_MODEL). */
  model: z.string().min(1).optional(),
  /** API key (default: OPENAI_API_KEY; local servers usually need none). */
  apiKey: z.string().min(1).optional(),
  concurrency: z.number().int().positive().default(4),
  maxRetries: z.number().int().nonnegative().default(3),
  retryBaseMs: z.number().int().nonnegative().default(1_000),
  retryMaxMs: z.number().int().positive().default(20_000),
  timeoutMs: z.number().int().positive().default(120_000),
  rowTimeoutMs: z.number().int().positive().default(300_000),
  maxResponseBytes: z.number().int().positive().default(8 * 1024 * 1024),
  maxTokensField: z.enum(['max_tokens', 'max_completion_tokens']).default('max_tokens'),
  extraBody: z.record(z.string(), z.unknown()).default({}),
  /** Benchmark videos as sampled frames (`image_url` parts; the default) or whole as `video_url` (vLLM, SGLang: the server samples the frames). */
  video: z.enum(['frames', 'video_url']).optional(),
  /** A `video_url` as an inline `data:` URL (the default), or a `file://` URL (the server reads the path: vLLM --allowed-local-media-path). */
  videoUrl: z.enum(['data', 'file']).optional(),
  /** A reasoning parser's `reasoning_content` (or `reasoning`): left out (`drop`, the default), or put back as `<think>...</think>` before the content (`think`: a teacher's completions). */
  reasoning: z.enum(['drop', 'think']).optional(),
  /** `omit`: no temperature, top_p or seed in the request (OpenAI o-series, gpt-5 reject them; with `maxTokensField: 'max_completion_tokens'`). */
  sampling: z.enum(['send', 'omit']).optional(),
});

/** Settings from config options, then the environment; a missing model, or a key for OpenAI's own API, is a config error. */
export function resolveSettings(given: z.output<typeof options>, env: NodeJS.ProcessEnv = process.env): OpenAISettings {
  const baseURL = given.baseURL ?? env.OPENAI_BASE_URL ?? DEFAULT_BASE_URL;
  const model = given.model ?? env.OPENAI_MODEL;
  const apiKey = given.apiKey ?? env.OPENAI_API_KEY;
  if (!model) throw new ConfigError(`${PLUGIN_NAME}: no model name: set model.options.model, the plugin's \`model\` option, or OPENAI_MODEL`);
  const url = URL.canParse(baseURL) ? new URL(baseURL) : undefined;
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:')
    throw new ConfigError(`${PLUGIN_NAME}: base URL ${JSON.stringify(baseURL)} is not an http(s) URL (the \`baseURL\` option or OPENAI_BASE_URL)`);
  if (!apiKey && url.hostname === 'api.openai.com')
    throw new ConfigError(`${PLUGIN_NAME}: ${baseURL} needs an API key: set OPENAI_API_KEY (or the \`apiKey\` option)`);
  return { ...given, baseURL, model, apiKey };
}

export default definePlugin({
  name: PLUGIN_NAME,
  options: options.partial(),
  apply(ladder, defaults) {
    ladder.hooks.models.for(MODEL_ID).tap(PLUGIN_NAME, () => ({
      id: MODEL_ID,
      async create(given, ctx) {
        const settings = resolveSettings(ladder.validate(options, { ...defaults, ...given }, 'model.options'));
        const video = settings.video === 'video_url' ? `; benchmark videos sent whole as video_url (${settings.videoUrl ?? 'data'} URLs)` : '';
        const sampling = settings.sampling === 'omit' ? '; temperature, top_p and seed left to the server' : '';
        ctx.log(
          `${PLUGIN_NAME}: ${settings.model} at ${settings.baseURL} (${settings.concurrency} requests at a time; ` +
            `per request ${settings.timeoutMs / 1000}s, ${settings.maxRetries} retries waiting at most ${settings.retryMaxMs / 1000}s, ${settings.rowTimeoutMs / 1000}s per input${video}${sampling})`,
        );
        return new OpenAIChatPolicy(settings, ctx.log);
      },
    }));
  },
});
