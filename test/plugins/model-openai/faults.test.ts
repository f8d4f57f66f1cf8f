/**
 * The client against a real server on 127.0.0.1 that misbehaves: slow,
 * Retry-After 3600, 500s, huge bodies, null content, bad JSON, choices that
 * are no list. Every fault ends in bounded time as a per-input error that
 * says what happened; in an evaluation it is a row error, never a score.
 */
import test from 'ava';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { createLadder, evaluateBenchmark, GenerationErrors, readJsonLines } from '../../../core/index.ts';
import { OpenAIChatPolicy } from '../../../plugins/model-openai/index.ts';
import { QUESTION_TYPES } from '../../../lib/scoring/index.ts';
import { tempDir } from '../../helpers/temp.ts';
import { benchRows, SPBENCH_SI_TYPES, writeSpbench } from '../../lib/scoring/benchmark-files.ts';
import { promptOf, reply, sampling, server, settings, type Choice } from './chat-server.ts';

const one = [{ prompt: 'p', images: [] }];
const json = (res: ServerResponse, body: unknown, status = 200) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};
/** The outcome of `work` and how long it took. */
const elapsed = async <T>(work: Promise<T>): Promise<{ value?: T; error?: Error; ms: number }> => {
  const start = Date.now();
  const result = await work.then((value) => ({ value }), (error: Error) => ({ error }));
  return { ...result, ms: Date.now() - start };
};

test('a slow server: each request is cut at timeoutMs, also while the body trickles in', async (t) => {
  const { baseURL, requests } = await server(t, (body, req, res) => {
    if (body.model === 'trickle') {
      res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => res.write(' '), 50);
      req.socket.on('close', () => clearInterval(timer));
      return;
    }
    const timer = setTimeout(() => reply(res, body), 60_000);
    req.socket.on('close', () => clearTimeout(timer));
  });
  const slow = await elapsed(new OpenAIChatPolicy(settings(baseURL, { timeoutMs: 300, maxRetries: 1 })).generate(one, sampling));
  t.regex(slow.error!.message, /no complete answer within 0\.3s \(timeoutMs\) \(gave up after 2 attempts\)/);
  // the server counts a request once its body arrived: on a loaded machine the second may be cut before that
  t.true(requests.length >= 1 && requests.length <= 2, `${requests.length} requests`);
  t.true(slow.ms < 20_000, `${slow.ms} ms (unbounded: 2 x 60 s)`);
  const trickle = await elapsed(new OpenAIChatPolicy(settings(baseURL, { model: 'trickle', timeoutMs: 300, maxRetries: 0 })).generate(one, sampling));
  t.regex(trickle.error!.message, /no complete answer within 0\.3s/);
  t.true(trickle.ms < 20_000, `${trickle.ms} ms (unbounded: forever)`);
});

/** Node's own undici Agent class (undici is not a dependency): the class of the global dispatcher its first fetch installs. */
const undiciAgent = async () => {
  await (await fetch('data:,')).arrayBuffer();
  return ((globalThis as Record<symbol, unknown>)[Symbol.for('undici.globalDispatcher.1')] as object).constructor as new (options: object) => object;
};

test.serial('Node\'s fetch gives up on a slow answer after 300 s whatever the signal allows; the client waits timeoutMs', async (t) => {
  // the 300 s caps scaled down to 0.5 s: a global dispatcher that stops waiting for headers after 0.5 s
  const key = Symbol.for('undici.globalDispatcher.1');
  const global = globalThis as Record<symbol, unknown>;
  const Agent = await undiciAgent();
  const before = global[key];
  global[key] = new Agent({ headersTimeout: 500, bodyTimeout: 500 });
  t.teardown(() => void (global[key] = before));
  const { baseURL } = await server(t, (body, req, res) => {
    const timer = setTimeout(() => reply(res, body), 2500);
    req.socket.on('close', () => clearTimeout(timer));
  });
  const run = await elapsed(new OpenAIChatPolicy(settings(baseURL, { timeoutMs: 10_000, maxRetries: 0 })).generate(one, sampling));
  t.is(run.error?.message, undefined);
  t.is(run.value![0]![0]!.text, 'answer 0 to p');
});

test('Retry-After: 3600 is capped by retryMaxMs', async (t) => {
  const logs: string[] = [];
  const { baseURL, requests } = await server(t, (body, _req, res, count) => {
    if (count === 1) {
      res.writeHead(429, { 'retry-after': '3600' });
      return res.end('slow down');
    }
    reply(res, body);
  });
  const run = await elapsed(new OpenAIChatPolicy(settings(baseURL, { retryMaxMs: 200 }), (m) => logs.push(m)).generate(one, sampling));
  t.is(run.value![0]![0]!.text, 'answer 0 to p');
  t.is(requests.length, 2);
  t.true(run.ms < 60_000, `${run.ms} ms (unbounded: an hour)`);
  t.regex(logs[0]!, /HTTP 429: slow down; retrying in 0\.2s \(the server asked for 3600\.0s; capped by retryMaxMs\)/);
});

test("a 429 for a spent quota (OpenAI's insufficient_quota) is not retried: waiting does not refill it", async (t) => {
  const quota = { error: { message: 'You exceeded your current quota, please check your plan and billing details.', type: 'insufficient_quota', param: null, code: 'insufficient_quota' } };
  const { baseURL, requests } = await server(t, (_body, _req, res) => json(res, quota, 429));
  const error = await t.throwsAsync(new OpenAIChatPolicy(settings(baseURL, { maxRetries: 3 })).generate(one, sampling), { instanceOf: GenerationErrors });
  t.regex((error!.results[0] as Error).message, /HTTP 429: You exceeded your current quota/);
  t.is(requests.length, 1);
});

test('500s: each input is tried maxRetries + 1 times, once; the others keep their answers', async (t) => {
  const { baseURL, requests } = await server(t, (body, _req, res) => (promptOf(body).startsWith('bad') ? json(res, { error: { message: 'boom' } }, 500) : reply(res, body)));
  const policy = new OpenAIChatPolicy(settings(baseURL, { maxRetries: 2 }));
  const inputs = ['ok 0', 'bad 1', 'ok 2', 'bad 3'].map((prompt) => ({ prompt, images: [] }));
  const error = await t.throwsAsync(policy.generate(inputs, sampling), { instanceOf: GenerationErrors });
  t.deepEqual(
    error!.results.map((r) => (r instanceof Error ? r.message.replace(/^POST \S+: /, '') : r[0]!.text)),
    ['answer 0 to ok 0', 'HTTP 500: boom (gave up after 3 attempts)', 'answer 0 to ok 2', 'HTTP 500: boom (gave up after 3 attempts)'],
  );
  t.is(requests.length, 2 + 2 * 3);
});

test('a row\'s attempts and waits stop at rowTimeoutMs', async (t) => {
  const { baseURL, requests } = await server(t, (_body, _req, res) => {
    res.writeHead(503, { 'retry-after-ms': '300' });
    res.end('overloaded');
  });
  const run = await elapsed(new OpenAIChatPolicy(settings(baseURL, { maxRetries: 100, retryMaxMs: 1000, rowTimeoutMs: 1000 })).generate(one, sampling));
  // a loaded machine may spend the budget inside an attempt: the message still names the server's failure, or the budget
  t.regex(run.error!.message, /(HTTP 503: overloaded|no complete answer within 1\.0s) \(gave up after \d attempts: the input's time budget of 1\.0s \(rowTimeoutMs\) is spent\)/);
  // 1 when a loaded machine spends the budget on the first attempt; never the unbounded 101
  t.true(requests.length >= 1 && requests.length <= 4, `${requests.length} requests (unbounded: 101)`);
  t.true(run.ms < 20_000, `${run.ms} ms (unbounded: 100 x 0.3 s)`);
});

test('an attempt cut by the end of the input\'s budget: the error says why the attempts failed, not that the cut attempt timed out', async (t) => {
  // the first answer is a 503 asking to retry in 0.3 s; the retry never answers and is cut when the 3 s budget runs out
  // (not 1 s: on a loaded machine the first answer alone once took over 0.7 s, leaving no time for the retry)
  const { baseURL, requests } = await server(t, (_body, _req, res, index) => {
    if (index > 1) return;
    res.writeHead(503, { 'retry-after-ms': '300' });
    res.end('overloaded');
  });
  const run = await elapsed(new OpenAIChatPolicy(settings(baseURL, { maxRetries: 100, retryMaxMs: 1000, rowTimeoutMs: 3000 })).generate(one, sampling));
  t.is(requests.length, 2);
  t.regex(run.error!.message, /HTTP 503: overloaded \(gave up after 2 attempts: the input's time budget of 3\.0s \(rowTimeoutMs\) is spent\)$/);
  t.true(run.ms < 20_000, `${run.ms} ms`);
});

test('a body larger than maxResponseBytes is aborted while it streams, with or without a content-length', async (t) => {
  let streamed = 0;
  const { baseURL } = await server(t, (body, req, res) => {
    if (body.model === 'declared') return json(res, { choices: [{ index: 0, message: { content: 'x'.repeat(3 << 20) } }] });
    res.writeHead(200, { 'content-type': 'application/json' }); // chunked, endless
    res.write('{"choices":[{"index":0,"message":{"content":"');
    const chunk = 'x'.repeat(64 * 1024);
    const pump = () => {
      while (res.write(chunk)) streamed += chunk.length;
    };
    res.on('drain', pump);
    req.socket.on('close', () => res.off('drain', pump));
    pump();
  });
  const declared = new OpenAIChatPolicy(settings(baseURL, { model: 'declared', maxResponseBytes: 1 << 20 }));
  await t.throwsAsync(declared.generate(one, sampling), { message: /the response is larger than 1048576 bytes \(maxResponseBytes\); aborted while reading it/ });
  const endless = await elapsed(new OpenAIChatPolicy(settings(baseURL, { model: 'endless', maxResponseBytes: 1 << 20 })).generate(one, sampling));
  t.regex(endless.error!.message, /larger than 1048576 bytes/);
  t.true(endless.ms < 30_000, `${endless.ms} ms (unbounded: forever)`);
  t.true(streamed < 64 << 20, `the server could write ${streamed} bytes before the client hung up`);
});

test('malformed answers fail their input with a message that says what is wrong, and are not retried', async (t) => {
  const faults: Record<string, (res: ServerResponse) => void> = {
    'null content': (res) => json(res, { choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: 'I cannot help with that.' } }] }),
    'bad json': (res) => json(res, '{"choices": [{"index": 0, "message": {"content": "B"'),
    'choices not a list': (res) => json(res, { choices: 'abc' }),
    'no message': (res) => json(res, { choices: [{ index: 0, text: 'B' }] }),
    'no choices': (res) => json(res, { choices: [] }),
    'not an object': (res) => json(res, '[1, 2]'),
    'content parts without text': (res) => json(res, { choices: [{ index: 0, message: { content: [{ type: 'image_url' }] } }] }),
  };
  const { baseURL, requests } = await server(t, (body, _req, res) => faults[promptOf(body)]!(res));
  const policy = new OpenAIChatPolicy(settings(baseURL));
  const error = await t.throwsAsync(policy.generate(Object.keys(faults).map((prompt) => ({ prompt, images: [] })), sampling), { instanceOf: GenerationErrors });
  const messages = error!.results.map((r) => (r as Error).message.replace(/^POST \S+: /, ''));
  t.deepEqual(messages, [
    'choice 0: message.content is null, not text (refusal: I cannot help with that.)',
    'the response is not JSON: {"choices": [{"index": 0, "message": {"content": "B"',
    'the response\'s "choices" is not a list: "abc"',
    'choice 0 has no "message": {"index":0,"text":"B"}',
    'the response has no choices',
    'the response is not a JSON object: [1,2]',
    'choice 0: message.content is [{"type":"image_url"}], not text',
  ]);
  t.is(requests.length, Object.keys(faults).length, 'one request each: a malformed answer is not asked again');
});

test('finish_reason "length": no content is the input\'s error naming the budget; a cut answer stays an answer, counted and logged once', async (t) => {
  const answers: Record<string, Choice> = {
    thinking: { content: null, reasoning_content: 'Let me count the chairs one by one', finish_reason: 'length' },
    blank: { content: '  ', finish_reason: 'length' },
    cut: { content: '<think>three chairs, so', finish_reason: 'length' },
    'cut too': { content: 'B, because', finish_reason: 'length' },
    whole: 'B',
  };
  const { baseURL } = await server(t, (body, _req, res) => reply(res, body, [answers[promptOf(body)]!]));
  const logs: string[] = [];
  const policy = new OpenAIChatPolicy(settings(baseURL, { maxTokensField: 'max_completion_tokens' }), (m) => logs.push(m));
  const error = await t.throwsAsync(policy.generate(Object.keys(answers).map((prompt) => ({ prompt, images: [] })), sampling), { instanceOf: GenerationErrors });
  t.deepEqual(
    error!.results.map((r) => (r instanceof Error ? r.message.replace(/^POST \S+: /, '') : r[0]!.text)),
    [
      'choice 0: the completion hit max_completion_tokens 64 before answering (finish_reason "length", content null); raise maxTokens',
      'choice 0: the completion hit max_completion_tokens 64 before answering (finish_reason "length", content "  "); raise maxTokens',
      '<think>three chairs, so',
      'B, because',
      'B',
    ],
  );
  t.deepEqual(logs, ['openai: a completion was cut at max_completion_tokens 64 (finish_reason "length") and kept as the answer; the count is logged at the end']);
  policy.dispose();
  t.is(logs[1], 'openai: 2 of 3 completions were cut at max tokens (finish_reason "length") and kept as answers; raise maxTokens to let them finish');
});

test('reasoning: \'think\' puts a reasoning parser\'s reasoning_content (or reasoning) back as <think>...</think> before the content; by default it is left out', async (t) => {
  const answers: Record<string, Choice> = {
    parsed: { content: '<answer>3</answer>', reasoning_content: 'I count 3 chairs.' },
    'newer vLLM': { content: '<answer>B</answer>', reasoning: 'The sofa is left.' },
    'already tagged': { content: '<think>x</think><answer>1</answer>', reasoning_content: 'x' },
    plain: '<think>y</think><answer>2</answer>',
  };
  const { baseURL } = await server(t, (body, _req, res) => reply(res, body, [answers[promptOf(body)]!]));
  const inputs = Object.keys(answers).map((prompt) => ({ prompt, images: [] }));
  const think = await new OpenAIChatPolicy(settings(baseURL, { reasoning: 'think' })).generate(inputs, sampling);
  t.deepEqual(think.map((g) => g[0]!.text), [
    '<think>I count 3 chairs.</think><answer>3</answer>',
    '<think>The sofa is left.</think><answer>B</answer>',
    '<think>x</think><answer>1</answer>',
    '<think>y</think><answer>2</answer>',
  ]);
  const drop = await new OpenAIChatPolicy(settings(baseURL)).generate(inputs, sampling);
  t.deepEqual(drop.map((g) => g[0]!.text), ['<answer>3</answer>', '<answer>B</answer>', '<think>x</think><answer>1</answer>', '<think>y</think><answer>2</answer>']);
});

test('in an evaluation, faults are row errors (never wrong answers), a failed batch costs no extra requests, and huge completions are stored cut', async (t) => {
  const dir = tempDir(t);
  const rows = await writeSpbench(join(dir, 'si'), benchRows(8, SPBENCH_SI_TYPES, QUESTION_TYPES));
  const truth = new Map(rows.map((r) => [r.question, r.ground_truth]));
  const { baseURL, requests } = await server(t, (body, _req, res) => {
    const question = promptOf(body).split('\n')[0]!;
    if (question.startsWith('Question 1 ')) return json(res, { choices: [{ index: 0, message: { content: null } }] });
    if (question.startsWith('Question 2 ')) return json(res, { choices: 'abc' });
    if (question.startsWith('Question 3 ')) return json(res, { error: { message: 'boom' } }, 500);
    if (question.startsWith('Question 4 ')) return json(res, 'not json');
    if (question.startsWith('Question 5 ')) return reply(res, body, [`${truth.get(question)} ${'and more '.repeat(20_000)}`]);
    reply(res, body, [truth.get(question)!]);
  });
  const ladder = await createLadder(
    { plugins: [['benchmark-spbench', { si: join(dir, 'si') }], ['model-openai', { baseURL, model: 'm', maxRetries: 2, retryBaseMs: 10 }]], evaluate: { batchSize: 8 } },
    { defaults: [] },
  );
  const policy = await ladder.get('models', 'openai').create({}, { seed: 42, log: () => undefined });
  const report = await evaluateBenchmark(ladder, policy, 'spbench-si', join(dir, 'out'));
  const errors = Object.fromEntries(report.errors!.map((e) => [e.id, e.message.replace(/POST \S+: /, '')]));
  t.deepEqual(errors, {
    1001: 'policy failed: choice 0: message.content is null, not text',
    1002: 'policy failed: the response\'s "choices" is not a list: "abc"',
    1003: 'policy failed: HTTP 500: boom (gave up after 3 attempts)',
    1004: 'policy failed: the response is not JSON: not json',
  });
  t.is(requests.length, 8 + 2, 'eight rows, two retries of the 500: no row asked again by the evaluation loop');
  t.is(report.scores.reduce((n, s) => n + s.count, 0), 4, 'the four failed rows are not scored');
  t.is(report.avg, 100);
  const lines = readJsonLines<{ id: string; prediction?: string; truncated?: boolean }>(join(dir, 'out', 'predictions.jsonl'));
  const cut = lines.find((l) => l.id === '1005')!;
  t.true(cut.truncated);
  t.is(cut.prediction!.length, 32_768);
  t.is(lines.filter((l) => l.truncated).length, 1);
});

test('the fingerprint names what answers: server, model and request fields, not keys, limits or timeouts', (t) => {
  const base = new OpenAIChatPolicy(settings('http://gpu:8000/v1')).fingerprint();
  t.regex(base, /^sha256:[0-9a-f]{64}$/);
  const same = { apiKey: 'other', concurrency: 9, maxRetries: 0, retryBaseMs: 1, retryMaxMs: 1, timeoutMs: 1, rowTimeoutMs: 1, maxResponseBytes: 1 };
  t.is(new OpenAIChatPolicy(settings('http://gpu:8000/v1/', same)).fingerprint(), base);
  for (const other of [{ model: 'qwen2.5-vl-7b' }, { extraBody: { top_k: 20 } }, { maxTokensField: 'max_completion_tokens' as const }, { reasoning: 'think' as const }])
    t.not(new OpenAIChatPolicy(settings('http://gpu:8000/v1', other)).fingerprint(), base, JSON.stringify(other));
  t.not(new OpenAIChatPolicy(settings('http://other:8000/v1')).fingerprint(), base);
});
