/**
 * A policy served by any OpenAI-compatible chat-completions endpoint (vLLM,
 * SGLang, hosted APIs): `POST {baseURL}/chat/completions` with the system
 * prompt and a user message of images (as `data:` URLs) then the prompt text.
 * Requests run at most `concurrency` at a time; 408, 409, 429, 5xx answers
 * and network errors are retried with exponential backoff, waiting what a
 * `retry-after-ms` or `Retry-After` header asks instead when there is one.
 */
import type { Generation, Policy, PolicyInput, SamplingOptions } from '../../core/index.ts';
import { createLimiter, imageDataUrl } from '../../lib/media/index.ts';

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
  /** First backoff; doubles per retry up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Per-request timeout. */
  timeoutMs: number;
  /** Name of the completion-budget field ("max_completion_tokens" for newer hosted models). */
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
  /** Extra request fields (e.g. vLLM's `top_k`, `repetition_penalty`). */
  extraBody: Record<string, unknown>;
}

interface ChatResponse {
  choices?: { index?: number; message?: { content?: string | { type?: string; text?: string }[] | null } }[];
  usage?: { completion_tokens?: number };
}

const RETRYABLE = (status: number) => status === 408 || status === 409 || status === 429 || status >= 500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

function describe(error: unknown): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  return e.cause ? `${e.message} (${e.cause.code ?? e.cause.message})` : e.message;
}

function contentText(content: NonNullable<NonNullable<ChatResponse['choices']>[number]['message']>['content']): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((part) => (part.type === 'text' || part.type === undefined ? (part.text ?? '') : '')).join('');
  return '';
}

export class OpenAIChatPolicy implements Policy {
  readonly id: string;
  private readonly url: string;
  private readonly slot: <T>(task: () => Promise<T>) => Promise<T>;

  constructor(
    readonly settings: OpenAISettings,
    private readonly log: (message: string) => void = () => undefined,
  ) {
    this.id = `openai:${settings.model}`;
    this.url = `${settings.baseURL.replace(/\/+$/, '')}/chat/completions`;
    this.slot = createLimiter(settings.concurrency);
  }

  async generate(inputs: PolicyInput[], sampling: SamplingOptions): Promise<Generation[][]> {
    return Promise.all(inputs.map((input) => this.complete(input, sampling)));
  }

  /** `sampling.n` completions of one input; asks again for the rest when a server returns fewer choices than `n`. */
  private async complete(input: PolicyInput, sampling: SamplingOptions): Promise<Generation[]> {
    const want = sampling.n ?? 1;
    const messages = await this.messages(input);
    const out: Generation[] = [];
    for (let round = 0; out.length < want; round++) {
      const n = want - out.length;
      const response = await this.slot(() =>
        this.post({
          model: this.settings.model,
          messages,
          temperature: sampling.temperature,
          top_p: sampling.topP,
          [this.settings.maxTokensField]: sampling.maxTokens,
          n,
          seed: sampling.seed + round,
          ...this.settings.extraBody,
        }),
      );
      const choices = [...(response.choices ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
      if (!choices.length) throw new Error(`POST ${this.url}: the response has no choices`);
      const tokens = want === 1 ? response.usage?.completion_tokens : undefined;
      for (const choice of choices.slice(0, n)) {
        const text = contentText(choice.message?.content);
        out.push(tokens === undefined ? { text } : { text, tokens });
      }
    }
    return out;
  }

  private async messages(input: PolicyInput): Promise<unknown[]> {
    const images = await Promise.all(input.images.map(imageDataUrl));
    const user = {
      role: 'user',
      content: [...images.map((url) => ({ type: 'image_url', image_url: { url } })), { type: 'text', text: input.prompt }],
    };
    return input.system ? [{ role: 'system', content: input.system }, user] : [user];
  }

  private async post(body: Record<string, unknown>): Promise<ChatResponse> {
    const { maxRetries, retryBaseMs, retryMaxMs, timeoutMs, apiKey } = this.settings;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    const payload = JSON.stringify(body);
    for (let attempt = 0; ; attempt++) {
      let wait = Math.min(retryMaxMs, retryBaseMs * 2 ** attempt);
      let why = '';
      let response: Response | undefined;
      let text = '';
      try {
        response = await fetch(this.url, { method: 'POST', headers, body: payload, signal: AbortSignal.timeout(timeoutMs) });
        text = await response.text();
      } catch (error) {
        response = undefined;
        why = describe(error);
      }
      if (response) {
        if (response.ok) {
          try {
            return JSON.parse(text) as ChatResponse;
          } catch {
            throw new Error(`POST ${this.url}: the response is not JSON: ${text.slice(0, 200)}`);
          }
        }
        why = `HTTP ${response.status}: ${errorMessage(text)}`;
        if (!RETRYABLE(response.status)) throw new Error(`POST ${this.url}: ${why}`);
        wait = retryAfterMs(response.headers) ?? wait;
      }
      if (attempt >= maxRetries) throw new Error(`POST ${this.url}: ${why} (gave up after ${attempt + 1} attempts)`);
      this.log(`openai: ${why}; retrying in ${(wait / 1000).toFixed(1)}s (attempt ${attempt + 2} of ${maxRetries + 1})`);
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
