import test from 'ava';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, createLadder, evaluateBenchmark } from '../../../core/index.ts';
import { OpenAIChatPolicy, resolveSettings, retryAfterMs } from '../../../plugins/model-openai/index.ts';
import { reply, sampling, server, settings } from './chat-server.ts';
import { tempDir } from '../../helpers/temp.ts';
import { QUESTION_TYPES } from '../../../lib/scoring/index.ts';
import { benchRows, SPBENCH_SI_TYPES, writeImage, writeSpbench } from '../../lib/scoring/benchmark-files.ts';

test('requests carry the system prompt, images as data URLs, sampling options; responses become completions', async (t) => {
  const dir = tempDir(t);
  const image = join(dir, 'view.jpg');
  await writeImage(image, 3);
  const { baseURL, requests } = await server(t, (body, _req, res) => reply(res, body));
  const policy = new OpenAIChatPolicy(settings(baseURL, { extraBody: { top_k: 20 } }));
  t.is(policy.id, 'openai:qwen2.5-vl-3b');
  const out = await policy.generate([{ system: 'You are a helpful assistant.', prompt: 'How many chairs?', images: [image, image] }], sampling);
  t.deepEqual(out, [[{ text: 'answer 0 to How many chairs?', tokens: 3 }]]);
  const { body, headers, path } = requests[0]!;
  t.is(path, '/v1/chat/completions');
  t.is(headers.authorization, 'Bearer sk-test');
  t.is(headers['content-type'], 'application/json');
  t.like(body, { model: 'qwen2.5-vl-3b', temperature: 0, top_p: 1, max_tokens: 64, n: 1, seed: 5, top_k: 20 });
  t.deepEqual(body.messages[0], { role: 'system', content: 'You are a helpful assistant.' });
  const content = body.messages[1]!.content as { type: string; text?: string; image_url?: { url: string } }[];
  t.is(body.messages[1]!.role, 'user');
  t.deepEqual(content.map((p) => p.type), ['image_url', 'image_url', 'text']);
  const url = content[0]!.image_url!.url;
  t.true(url.startsWith('data:image/jpeg;base64,'));
  const jpeg = Buffer.from(url.slice('data:image/jpeg;base64,'.length), 'base64');
  t.deepEqual([...jpeg.subarray(0, 3)], [0xff, 0xd8, 0xff], 'a real JPEG');
  t.is(content[2]!.text, 'How many chairs?');
});

test('n > 1 returns n choices in index order; a server returning fewer is asked again', async (t) => {
  const { baseURL, requests } = await server(t, (body, _req, res, count) =>
    count === 1 ? reply(res, body, ['second', 'first'].slice(0, 2)) : reply(res, body, ['third']),
  );
  // the first answer lists its choices out of order (index 0 = "second")
  const policy = new OpenAIChatPolicy(settings(baseURL));
  const [generations] = await policy.generate([{ prompt: 'p', images: [] }], { ...sampling, n: 3 });
  t.deepEqual(generations!.map((g) => g.text), ['second', 'first', 'third']);
  t.deepEqual(requests.map((r) => [r.body.n, r.body.seed]), [[3, 5], [1, 6]]);
  t.true(generations!.every((g) => g.tokens === undefined), 'usage is per request, not per choice');
});

test('429 and 5xx are retried, honouring Retry-After; then success', async (t) => {
  const logs: string[] = [];
  const { baseURL, requests } = await server(t, (body, _req, res, count) => {
    if (count === 1) {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
      return res.end(JSON.stringify({ error: { message: 'Rate limit reached', type: 'requests' } }));
    }
    if (count === 2) {
      res.writeHead(503, { 'retry-after-ms': '30' });
      return res.end('overloaded');
    }
    reply(res, body);
  });
  const policy = new OpenAIChatPolicy(settings(baseURL, { retryMaxMs: 2000 }), (m) => logs.push(m));
  const start = Date.now();
  const [[generation]] = (await policy.generate([{ prompt: 'p', images: [] }], sampling)) as [[{ text: string }]];
  t.is(generation.text, 'answer 0 to p');
  t.is(requests.length, 3);
  t.true(Date.now() - start >= 1000, 'waited the second Retry-After asked for');
  t.regex(logs[0]!, /HTTP 429: Rate limit reached; retrying in 1\.0s \(attempt 2 of 4\)/);
  t.regex(logs[1]!, /HTTP 503: overloaded; retrying in 0\.0s/);
});

test('network errors are retried; persistent failures and 4xx errors say what happened', async (t) => {
  const { baseURL } = await server(t, (body, req, res, count) => {
    if (count === 1) return req.socket.destroy(); // connection reset
    if (body.model === 'missing') {
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: { message: 'The model `missing` does not exist' } }));
    }
    if (body.model === 'flaky') {
      res.writeHead(500);
      return res.end();
    }
    reply(res, body);
  });
  const policy = new OpenAIChatPolicy(settings(baseURL));
  t.is((await policy.generate([{ prompt: 'p', images: [] }], sampling))[0]![0]!.text, 'answer 0 to p');
  const missing = new OpenAIChatPolicy(settings(baseURL, { model: 'missing' }));
  await t.throwsAsync(missing.generate([{ prompt: 'p', images: [] }], sampling), { message: /chat\/completions: HTTP 404: The model `missing` does not exist$/ });
  const flaky = new OpenAIChatPolicy(settings(baseURL, { model: 'flaky', maxRetries: 2 }));
  await t.throwsAsync(flaky.generate([{ prompt: 'p', images: [] }], sampling), { message: /HTTP 500: \(empty body\) \(gave up after 3 attempts\)/ });
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve)); // nothing listens there now
  const refused = new OpenAIChatPolicy(settings(`http://127.0.0.1:${port}/v1`, { maxRetries: 1 }));
  await t.throwsAsync(refused.generate([{ prompt: 'p', images: [] }], sampling), { message: /fetch failed \(ECONNREFUSED\) \(gave up after 2 attempts\)/ });
  await t.throwsAsync(policy.generate([{ prompt: 'p', images: ['/nope/x.jpg'] }], sampling), { message: /x\.jpg: cannot read the image \(ENOENT\)/ });
});

test('no more than `concurrency` requests are in flight', async (t) => {
  const { baseURL, requests, maxInFlight } = await server(t, (body, _req, res) => setTimeout(() => reply(res, body), 40));
  const policy = new OpenAIChatPolicy(settings(baseURL, { concurrency: 3 }));
  const inputs = Array.from({ length: 10 }, (_, i) => ({ prompt: `p${i}`, images: [] }));
  const out = await policy.generate(inputs, sampling);
  t.deepEqual(out.map((o) => o[0]!.text), inputs.map((i) => `answer 0 to ${i.prompt}`), 'results in input order');
  t.is(requests.length, 10);
  t.is(maxInFlight(), 3);
});

test('settings come from the config, then the environment', async (t) => {
  const defaults = { concurrency: 4, maxRetries: 3, retryBaseMs: 1000, retryMaxMs: 20_000, timeoutMs: 120_000, rowTimeoutMs: 300_000, maxResponseBytes: 8 << 20, maxTokensField: 'max_tokens' as const, extraBody: {} };
  t.like(resolveSettings(defaults, { OPENAI_BASE_URL: 'http://gpu:8000/v1', OPENAI_MODEL: 'm', OPENAI_API_KEY: 'k' }), { baseURL: 'http://gpu:8000/v1', model: 'm', apiKey: 'k' });
  t.like(resolveSettings({ ...defaults, model: 'x', baseURL: 'http://a/v1' }, { OPENAI_MODEL: 'm' }), { baseURL: 'http://a/v1', model: 'x', apiKey: undefined });
  t.throws(() => resolveSettings(defaults, {}), { instanceOf: ConfigError, message: /no model name/ });
  t.throws(() => resolveSettings({ ...defaults, model: 'gpt-4o' }, {}), { instanceOf: ConfigError, message: /needs an API key: set OPENAI_API_KEY/ });
  t.throws(() => resolveSettings({ ...defaults, model: 'm' }, { OPENAI_BASE_URL: 'gpu-box:8000' }), { instanceOf: ConfigError, message: /"gpu-box:8000" is not an http\(s\) URL/ });
  t.is(retryAfterMs(new Headers({ 'retry-after': 'Wed, 21 Oct 2015 07:28:30 GMT' }), Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')), 30_000);
  t.is(retryAfterMs(new Headers({ 'retry-after': '2.5' })), 2500);
  t.is(retryAfterMs(new Headers({})), undefined);

  const { baseURL, requests } = await server(t, (body, _req, res) => reply(res, body));
  const ladder = await createLadder({ plugins: [['model-openai', { baseURL, model: 'from-plugin' }]] }, { defaults: [] });
  const policy = await ladder.get('models', 'openai').create({ model: 'from-model-options', maxTokensField: 'max_completion_tokens' }, { seed: 1, log: () => undefined });
  await policy.generate([{ prompt: 'p', images: [] }], sampling);
  t.like(requests[0]!.body, { model: 'from-model-options', max_completion_tokens: 64 });
  t.is(requests[0]!.headers.authorization, undefined, 'no key, no Authorization header');
});

test('sampling: \'omit\' (from a JSON config) sends no temperature, top_p or seed; evaluations record sampling left to the server', async (t) => {
  const dir = tempDir(t);
  const rows = await writeSpbench(join(dir, 'si'), benchRows(2, SPBENCH_SI_TYPES, QUESTION_TYPES));
  const { baseURL, requests } = await server(t, (body, _req, res) => reply(res, body, ['A']));
  const config = JSON.parse(`{
    "plugins": [["benchmark-spbench", { "si": ${JSON.stringify(join(dir, 'si'))} }], ["model-openai", { "baseURL": "${baseURL}", "model": "gpt-5" }]],
    "model": { "id": "openai", "options": { "sampling": "omit", "maxTokensField": "max_completion_tokens" } }
  }`);
  const ladder = await createLadder(config, { defaults: [] });
  const policy = await ladder.get('models', 'openai').create(config.model.options, { seed: 42, log: () => undefined });
  const report = await evaluateBenchmark(ladder, policy, 'spbench-si', join(dir, 'out'));
  t.is(requests.length, rows.length);
  for (const { body } of requests) {
    t.false('temperature' in body || 'top_p' in body || 'seed' in body, JSON.stringify(body));
    t.is(body.max_completion_tokens, 128);
  }
  t.is(report.settings!.sampling, 'server');
  t.is(JSON.parse(readFileSync(join(dir, 'out', 'identity.json'), 'utf8')).generation.sampling, 'server');
  const sent = new OpenAIChatPolicy(settings(baseURL));
  t.false(sent.serverSampling);
  t.not(new OpenAIChatPolicy(settings(baseURL, { sampling: 'omit' })).fingerprint(), sent.fingerprint());
  t.is(new OpenAIChatPolicy(settings(baseURL, { sampling: 'send' })).serverSampling, false);
});
