/**
 * A policy served by any OpenAI-compatible chat-completions endpoint (vLLM,
 * SGLang, hosted APIs): `POST {baseURL}/chat/completions` with the system
 * prompt and a user message of images (as `data:` URLs), or one video as a
 * `video_url` (option `video`), then the prompt text.
 *
 * Bounded in every direction: at most `concurrency` requests in flight; each
 * request times out after `timeoutMs` (and not at the 300 s Node's fetch
 * would wait at most); 408, 409, 429 (but a spent quota), 5xx answers and network
 * errors are retried at most `maxRetries` times, waiting an exponential
 * backoff or what `retry-after-ms` / `Retry-After` asks, never longer than
 * `retryMaxMs`; one input's attempts and waits together stay within
 * `rowTimeoutMs`; a body larger than `maxResponseBytes` is aborted while it
 * streams in. A malformed answer (not JSON, `choices` not a list, a choice
 * without a message or text, or one `finish_reason: "length"` ended before
 * any content) fails its input with a message saying so; a completion cut
 * after some content is an answer, counted and logged.
 * Inputs fail one by one: `generate` throws `GenerationErrors` holding the
 * completions of the inputs that succeeded.
 */
import { pathToFileURL } from 'node:url';
import { contentHash, GenerationErrors, stableJson, type Generation, type Policy, type PolicyInput, type SamplingOptions } from '../../core/index.ts';
import { createLimiter, imageDataUrl, videoDataUrl } from '../../lib/media/index.ts';

export interface OpenAISettings {
  /** e.g. "http://localhost:8000/v1" (no trailing slash needed). */
  baseURL: string;
  model: string;
  /** Sent as `Authorization: Bearer <key>` when set. */
  apiKey?: string;
  /** Requests in flight at once. */
  concurrency: number;
  /** Retries after the first attempt. */
  maxRetries: number;
  /** First backoff; doubles per retry. */
  retryBaseMs: number;
  /** Cap on every wait between attempts, a server's Retry-After included. */
  retryMaxMs: number;
  /** Per-request timeout: connecting, waiting for the answer and reading it (may exceed 300 s). */
  timeoutMs: number;
  /** Time budget of one input: all its requests and the waits between them. */
  rowTimeoutMs: number;
  /** Largest response body accepted; a larger one is aborted as it streams in. */
  maxResponseBytes: number;
  /** Name of the completion-budget field ("max_completion_tokens" for newer hosted models). */
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
  /** Extra request fields (e.g. vLLM's `top_k`, `repetition_penalty`). */
  extraBody: Record<string, unknown>;
  /** Videos as sampled frames (`image_url` parts, the default) or whole (`video_url`, for vLLM and SGLang). */
  video?: 'frames' | 'video_url';
  /** How a `video_url` carries the video: inline `data:` URL (default) or `file://` path (server on the same filesystem). */
  videoUrl?: 'data' | 'file';
  /**
   * The thinking a server's reasoning parser moves out of `content` (`message.reasoning_content`, newer vLLM
   * `message.reasoning`): left out (`drop`, the default), or put back as `<think>{reasoning}</think>{content}`
   * (`think`) unless `content` already has a `<think>`.
   */
  reasoning?: 'drop' | 'think';
  /** `omit`: send no temperature, top_p or seed (models that reject them: OpenAI o-series, gpt-5), the server's defaults apply. */
  sampling?: 'send' | 'omit';
}

/** Settings that change how requests travel, not what the model answers: left out of the fingerprint. */
const TRANSPORT_SETTINGS: readonly (keyof OpenAISettings)[] = [
  'apiKey',
  'concurrency',
  'maxRetries',
  'retryBaseMs',
  'retryMaxMs',
  'timeoutMs',
  'rowTimeoutMs',
  'maxResponseBytes',
  'videoUrl',
];

/** A well-delivered answer that is wrong (too large, not JSON, a 4xx): asking again would not help. */
class AnswerError extends Error {}

const RETRYABLE = (status: number) => status === 408 || status === 409 || status === 429 || status >= 500;
/** OpenAI's 429 for a spent quota or billing limit (`insufficient_quota`): no wait brings it back. */
const quotaSpent = (status: number, text: string) => status === 429 && /"(code|type)"\s*:\s*"insufficient_quota"/.test(text);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** Milliseconds a response asks us to wait: `retry-after-ms`, or `Retry-After` in seconds or as an HTTP date. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = Number(headers.get('retry-after-ms'));
  if (headers.has('retry-after-ms') && Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The body as text, at most `max` bytes; `over` when there was more (the rest is not read). */
async function readBody(response: Response, max: number): Promise<{ text: string; over: boolean }> {
  const declared = Number(response.headers.get('content-length'));
  if (!response.body || declared > max) {
    await response.body?.cancel();
    return { text: '', over: declared > max };
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return { text: Buffer.concat(chunks).toString('utf8'), over: true };
    }
    chunks.push(value);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), over: false };
}

/**
 * The completions in a parsed chat-completions body; a message naming what is wrong otherwise. A choice that
 * `finish_reason: "length"` ended before any content is no answer (`budget`: "max_tokens 512"); one cut after some
 * content is, and counted in `cut`.
 */
function choiceTexts(body: unknown, budget: string, reasoning: OpenAISettings['reasoning']): { texts: string[]; tokens?: number; cut: number } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error(`the response is not a JSON object: ${preview(body)}`);
  const { choices, usage } = body as { choices?: unknown; usage?: { completion_tokens?: unknown } };
  if (!Array.isArray(choices)) throw new Error(`the response's "choices" is not a list: ${preview(choices)}`);
  if (!choices.length) throw new Error('the response has no choices');
  const ordered = choices
    .map((choice: unknown, position) => ({ choice: choice as { index?: unknown; message?: unknown; finish_reason?: unknown }, position }))
    .sort((a, b) => (Number(a.choice?.index) || 0) - (Number(b.choice?.index) || 0));
  let cut = 0;
  const texts = ordered.map(({ choice, position }) => {
    const where = `choice ${typeof choice?.index === 'number' ? choice.index : position}`;
    const message = choice?.message as { content?: unknown; refusal?: unknown; reasoning_content?: unknown; reasoning?: unknown } | undefined;
    if (typeof message !== 'object' || message === null) throw new Error(`${where} has no "message": ${preview(choice)}`);
    const { content, refusal } = message;
    const text = contentText(content);
    if (choice.finish_reason === 'length') {
      if (!text?.trim()) throw new Error(`${where}: the completion hit ${budget} before answering (finish_reason "length", content ${preview(content ?? null)}); raise maxTokens`);
      cut++;
    }
    if (text === undefined) {
      const why = typeof refusal === 'string' && refusal ? ` (refusal: ${refusal.slice(0, 200)})` : '';
      throw new Error(`${where}: message.content is ${preview(content ?? null)}, not text${why}`);
    }
    const thought = [message.reasoning_content, message.reasoning].find((r): r is string => typeof r === 'string' && r !== '');
    return reasoning === 'think' && thought !== undefined && !text.includes('<think>') ? `<think>${thought}</think>${text}` : text;
  });
  const tokens = typeof usage?.completion_tokens === 'number' ? usage.completion_tokens : undefined;
  return { texts, tokens, cut };
}

/** `message.content` as text: a string, or the joined text parts of a list; undefined otherwise. */
function contentText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const parts = content.filter((p: { type?: unknown; text?: unknown }) => (p?.type === 'text' || p?.type === undefined) && typeof p?.text === 'string');
  return parts.length ? parts.map((p: { text: string }) => p.text).join('') : undefined;
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

function describe(error: unknown, timeoutMs: number): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `no complete answer within ${seconds(timeoutMs)} (timeoutMs)`;
  const code = e.cause?.code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT')
    return `${e.message} (${code}: fetch's global dispatcher, a proxy agent the client keeps, stopped waiting before timeoutMs; undici's headersTimeout and bodyTimeout default to 300 s)`;
  return e.cause ? `${e.message} (${code ?? e.cause.message})` : e.message;
}

/**
 * Node's fetch (its bundled undici) stops waiting for the headers, and between
 * two body chunks, after 300 s whatever the request's signal allows. undici
 * cannot be imported without a dependency, but the global dispatcher Node's
 * first fetch installs is undici's `Agent`: a second one with those two
 * timers off leaves `timeoutMs` (the signal) the only limit. A global
 * dispatcher set by someone else (a proxy) is used as it is, caps included.
 */
let uncapped: Promise<object | undefined> | undefined;
const dispatcher = () =>
  (uncapped ??= fetch('data:,')
    .then(async (response) => {
      await response.arrayBuffer(); // loads undici, which installs its global dispatcher
      const global = (globalThis as Record<symbol, unknown>)[Symbol.for('undici.globalDispatcher.1')] as { constructor?: new (options: object) => object } | undefined;
      const Agent = global?.constructor;
      return Agent?.name === 'Agent' ? new Agent({ headersTimeout: 0, bodyTimeout: 0 }) : undefined;
    })
    .catch(() => undefined));

export class OpenAIChatPolicy implements Policy {
  readonly id: string;
  readonly acceptsVideo: boolean;
  readonly serverSampling: boolean;
  private readonly url: string;
  private readonly slot: <T>(task: () => Promise<T>) => Promise<T>;
  /** Completions received, and those `finish_reason: "length"` cut after some content (reported on `dispose`). */
  private readonly count = { answers: 0, cut: 0 };

  constructor(
    readonly settings: OpenAISettings,
    private readonly log: (message: string) => void = () => undefined,
  ) {
    this.id = `openai:${settings.model}`;
    this.acceptsVideo = settings.video === 'video_url';
    this.serverSampling = settings.sampling === 'omit';
    this.url = `${settings.baseURL.replace(/\/+$/, '')}/chat/completions`;
    this.slot = createLimiter(settings.concurrency);
  }

  /** Server, model and request fields: what decides the answers (a redeployed model under the same name is not seen). */
  fingerprint(): string {
    const answering = Object.entries(this.settings).filter(([key]) => !TRANSPORT_SETTINGS.includes(key as keyof OpenAISettings));
    return contentHash(stableJson({ ...Object.fromEntries(answering), baseURL: this.url }));
  }

  async generate(inputs: PolicyInput[], sampling: SamplingOptions): Promise<Generation[][]> {
    const settled = await Promise.allSettled(inputs.map((input) => this.slot(() => this.complete(input, sampling))));
    if (settled.every((s) => s.status === 'fulfilled')) return settled.map((s) => (s as PromiseFulfilledResult<Generation[]>).value);
    throw new GenerationErrors(settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as Error))));
  }

  /** `sampling.n` completions of one input, within the input's time budget; asks again for the rest when a server returns fewer choices than `n`. */
  private async complete(input: PolicyInput, sampling: SamplingOptions): Promise<Generation[]> {
    const deadline = Date.now() + this.settings.rowTimeoutMs;
    const want = sampling.n ?? 1;
    const messages = await this.messages(input);
    const out: Generation[] = [];
    for (let round = 0; out.length < want; round++) {
      const n = want - out.length;
      const body = await this.post(
        {
          model: this.settings.model,
          messages,
          ...(!this.serverSampling && { temperature: sampling.temperature, top_p: sampling.topP, seed: sampling.seed + round }),
          [this.settings.maxTokensField]: sampling.maxTokens,
          n,
          ...this.settings.extraBody,
        },
        deadline,
      );
      let parsed: ReturnType<typeof choiceTexts>;
      try {
        parsed = choiceTexts(body, this.budget(sampling), this.settings.reasoning);
      } catch (error) {
        throw new Error(`POST ${this.url}: ${(error as Error).message}`);
      }
      if (parsed.cut && !this.count.cut) this.log(`openai: a completion was cut at ${this.budget(sampling)} (finish_reason "length") and kept as the answer; the count is logged at the end`);
      this.count.cut += parsed.cut;
      this.count.answers += parsed.texts.length;
      const tokens = want === 1 ? parsed.tokens : undefined;
      for (const text of parsed.texts.slice(0, n)) out.push(tokens === undefined ? { text } : { text, tokens });
    }
    return out;
  }

  private budget(sampling: SamplingOptions): string {
    return `${this.settings.maxTokensField} ${sampling.maxTokens}`;
  }

  dispose(): void {
    if (this.count.cut) this.log(`openai: ${this.count.cut} of ${this.count.answers} completions were cut at max tokens (finish_reason "length") and kept as answers; raise maxTokens to let them finish`);
    this.count.answers = this.count.cut = 0;
  }

  private async messages(input: PolicyInput): Promise<unknown[]> {
    const media =
      input.video && this.acceptsVideo
        ? [{ type: 'video_url', video_url: { url: this.settings.videoUrl === 'file' ? pathToFileURL(input.video).href : await videoDataUrl(input.video) } }]
        : (await Promise.all(input.images.map(imageDataUrl))).map((url) => ({ type: 'image_url', image_url: { url } }));
    const user = { role: 'user', content: [...media, { type: 'text', text: input.prompt }] };
    return input.system ? [{ role: 'system', content: input.system }, user] : [user];
  }

  /** One request, retried as the settings allow; the parsed JSON body of the first successful answer. */
  private async post(body: Record<string, unknown>, deadline: number): Promise<unknown> {
    const { maxRetries, retryBaseMs, retryMaxMs, timeoutMs, rowTimeoutMs, maxResponseBytes, apiKey } = this.settings;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    const payload = JSON.stringify(body);
    const fail = (why: string) => new AnswerError(`POST ${this.url}: ${why}`);
    const spent = (why: string, attempts: number) =>
      fail(`${why} (gave up after ${attempts} attempts: the input's time budget of ${seconds(rowTimeoutMs)} (rowTimeoutMs) is spent)`);
    let last: string | undefined; // why the previous attempt failed
    for (let attempt = 0; ; attempt++) {
      const timeout = Math.max(1, Math.min(timeoutMs, deadline - Date.now()));
      const cut = timeout < timeoutMs; // this attempt has only what is left of the input's budget
      let why: string;
      let asked: number | undefined;
      try {
        const init = { method: 'POST', headers, body: payload, signal: AbortSignal.timeout(timeout), dispatcher: await dispatcher() };
        const response = await fetch(this.url, init as RequestInit);
        const { text, over } = await readBody(response, response.ok ? maxResponseBytes : 65_536);
        if (response.ok) {
          if (over) throw fail(`the response is larger than ${maxResponseBytes} bytes (maxResponseBytes); aborted while reading it`);
          try {
            return JSON.parse(text) as unknown;
          } catch {
            throw fail(`the response is not JSON: ${text.slice(0, 200) || '(empty body)'}`);
          }
        }
        why = `HTTP ${response.status}: ${errorMessage(text)}`;
        if (!RETRYABLE(response.status) || quotaSpent(response.status, text)) throw fail(why);
        asked = retryAfterMs(response.headers);
      } catch (error) {
        if (error instanceof AnswerError) throw error;
        // the budget ran out during the attempt: report why the attempts before it failed
        if (cut && (error as Error).name === 'TimeoutError') throw spent(last ?? `no complete answer within ${seconds(rowTimeoutMs)}`, attempt + 1);
        why = describe(error, timeout);
      }
      last = why;
      if (attempt >= maxRetries) throw fail(`${why} (gave up after ${attempt + 1} attempts)`);
      const backoff = Math.min(retryMaxMs, retryBaseMs * 2 ** attempt);
      const wait = asked === undefined ? backoff : Math.min(asked, retryMaxMs);
      if (Date.now() + wait >= deadline) throw spent(why, attempt + 1);
      const capped = asked !== undefined && asked > retryMaxMs ? ` (the server asked for ${seconds(asked)}; capped by retryMaxMs)` : '';
      this.log(`openai: ${why}; retrying in ${seconds(wait)}${capped} (attempt ${attempt + 2} of ${maxRetries + 1})`);
      await sleep(wait);
    }
  }
}

/** The `error.message` of an OpenAI-style error body, else the body's start. */
function errorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
    const message = typeof body.error === 'string' ? body.error : (body.error?.message ?? body.message);
    if (message) return message;
  } catch {
    // not JSON
  }
  return text.slice(0, 200) || '(empty body)';
}
