/**
 * A real chat-completions server on 127.0.0.1 (node:http) for the client's
 * tests: it records every request and answers with a test's handler.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OpenAISettings } from '../../../plugins/model-openai/index.ts';

export interface ChatRequest {
  model: string;
  messages: { role: string; content: string | { type: string; text?: string; image_url?: { url: string } }[] }[];
  temperature: number;
  top_p: number;
  max_tokens: number;
  n: number;
  seed: number;
  [key: string]: unknown;
}

export type Handler = (request: ChatRequest, req: IncomingMessage, res: ServerResponse, count: number) => void;

/** An in-process chat-completions server: records requests, answers with the handler. */
export async function server(t: { teardown(fn: () => void): void }, handler: Handler) {
  const requests: { body: ChatRequest; headers: IncomingMessage['headers']; path: string }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const srv = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const body = JSON.parse(raw) as ChatRequest;
      requests.push({ body, headers: req.headers, path: req.url ?? '' });
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      res.on('close', () => inFlight--);
      handler(body, req, res, requests.length);
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    srv.closeAllConnections(); // a handler that never answers must not keep the test alive
    srv.close();
  });
  return { baseURL: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/v1/`, requests, maxInFlight: () => maxInFlight };
}

/** The text part of a request's user message. */
export const promptOf = (request: ChatRequest) =>
  (request.messages.at(-1)!.content as { type: string; text?: string }[]).find((part) => part.type === 'text')!.text!;

/** A choice's text, or its message fields as a server sends them (vLLM's reasoning parser: `reasoning_content`, newer `reasoning`) with its `finish_reason`. */
export type Choice = string | { content: string | null; reasoning_content?: string; reasoning?: string; finish_reason?: 'stop' | 'length' };

/** A well-formed response with `n` choices echoing the prompt text (or the given ones), ended by `finish_reason: "stop"` unless given. */
export function reply(res: ServerResponse, request: ChatRequest, texts?: Choice[]) {
  const prompt = promptOf(request);
  const choices = (texts ?? Array.from({ length: request.n }, (_, i) => `answer ${i} to ${prompt}`)).map((choice, index) => {
    const { finish_reason = 'stop', ...message } = typeof choice === 'string' ? { content: choice } : choice;
    return { index, message: { role: 'assistant', ...message }, finish_reason };
  });
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', model: request.model, choices, usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 } }));
}

export const settings = (baseURL: string, extra: Partial<OpenAISettings> = {}): OpenAISettings => ({
  baseURL,
  model: 'qwen2.5-vl-3b',
  apiKey: 'sk-test',
  concurrency: 2,
  maxRetries: 3,
  retryBaseMs: 10,
  retryMaxMs: 100,
  timeoutMs: 5000,
  rowTimeoutMs: 20_000,
  maxResponseBytes: 1 << 20,
  maxTokensField: 'max_tokens',
  extraBody: {},
  ...extra,
});
export const sampling = { maxTokens: 64, temperature: 0, topP: 1, seed: 5 };
