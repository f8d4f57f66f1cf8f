import test, { type ExecutionContext } from 'ava';
import { request } from 'node:http';
import type { Reward, Sample } from '../../../core/index.ts';
import { startRewardServer, type RewardServerOptions } from '../../../lib/reward-server/index.ts';
import { accuracyReward, formatReward } from '../../../lib/scoring/index.ts';

const SAMPLE: Sample = {
  id: 'room00/object-size/0',
  task: 'object-size',
  modality: 'single-image',
  scene: 'room00',
  question: 'How long is the sofa, in centimeters?',
  answer: '200',
  answerKind: 'number',
  media: { images: ['media/a.jpg'] },
};
const CHOICE: Sample = { ...SAMPLE, id: 'room00/relative-direction/1', task: 'relative-direction', answer: 'B', answerKind: 'choice', options: ['A. left', 'B. right', 'C. back'] };

async function serve(t: ExecutionContext, options: Partial<RewardServerOptions> = {}) {
  const server = await startRewardServer({ rewards: { format: formatReward, accuracy: accuracyReward }, weights: { format: 1, accuracy: 2 }, ...options });
  t.teardown(() => server.close());
  return server;
}

async function call(url: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
}

test('POST /v1/rewards: each reward unweighted and the weighted total; GET /v1/health: ids, weights, limits, counts', async (t) => {
  const server = await serve(t);
  t.regex(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  t.is(server.host, '127.0.0.1');
  const completions = ['<think>a</think><answer>190</answer>', '250', '<think>a</think><answer>B</answer>', 'C'];
  const { status, body } = await call(server.url, '/v1/rewards', { completions, samples: [SAMPLE, SAMPLE, CHOICE, CHOICE] });
  t.is(status, 200);
  // 190 vs 200: error 0.05 <= 1 - t for every t but 0.95 (0.05000000000000004) -> 1.0; 250: 0.25 -> t <= 0.75: 6/10
  t.deepEqual(body, { rewards: { format: [1, 0, 1, 0], accuracy: [1, 0.6, 1, 0] }, total: [3, 1.2, 3, 0] });
  const health = await call(server.url, '/v1/health');
  t.is(health.status, 200);
  t.like(health.body, { status: 'ok', rewards: ['format', 'accuracy'], weights: { format: 1, accuracy: 2 }, served: { requests: 1, completions: 4 } });
  t.is(health.body.maxBodyBytes, 32 * 1024 * 1024);
  t.is((await call(server.url, '/v1/rewards', { completions: [], samples: [] })).body.total.length, 0);
});

test('malformed requests get 4xx JSON errors naming the field', async (t) => {
  const server = await serve(t);
  const cases: [unknown, number, string, RegExp][] = [
    ['{"completions": [', 400, '(body)', /not JSON/],
    [[], 400, '(body)', /expected object/],
    [{ samples: [SAMPLE] }, 400, 'completions', /expected array/],
    [{ completions: [1], samples: [SAMPLE] }, 400, 'completions[0]', /expected string/],
    [{ completions: ['a'], samples: [SAMPLE], extra: 1 }, 400, 'extra', /unknown field/],
    [{ completions: ['a', 'b'], samples: [SAMPLE] }, 400, 'completions', /2 entries and samples 1/],
    [{ completions: ['a'], samples: [{ ...SAMPLE, answerKind: 'nope' }] }, 400, 'samples[0].answerKind', /"choice"\|"number"\|"boxes"/],
    [{ completions: ['a'], samples: [{ ...SAMPLE, media: undefined }] }, 400, 'samples[0].media', /expected object/],
    [{ completions: ['a'], samples: [{ ...SAMPLE, answer: 'two metres' }] }, 400, 'samples[0].answer', /ground truth "two metres" is not a number/],
    [{ completions: ['a'], samples: [{ ...SAMPLE, answerKind: 'boxes', answer: '[{"bbox_2d": [1, 2]}' }] }, 400, 'samples[0].answer', /samples\[0\]/],
  ];
  for (const [body, status, field, message] of cases) {
    const answer = await call(server.url, '/v1/rewards', body);
    t.is(answer.status, status, JSON.stringify(body).slice(0, 80));
    t.is(answer.body.error.field, field);
    t.regex(answer.body.error.message, message);
  }
  const missing = await call(server.url, '/v2/rewards', {});
  t.is(missing.status, 404);
  t.regex(missing.body.error.message, /POST \/v1\/rewards, GET \/v1\/health, POST \/get_reward/);
  const wrongMethod = await call(server.url, '/v1/rewards');
  t.is(wrongMethod.status, 405);
  t.is(wrongMethod.headers.get('allow'), 'POST');
  t.is((await call(server.url, '/v1/health')).body.served.requests, 0, 'rejected requests are not counted');
});

test('a bearer token is required on every endpoint when set: 401 without it or with another', async (t) => {
  const server = await serve(t, { token: 's3cret' });
  const body = { completions: ['B'], samples: [CHOICE] };
  for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: 's3cret' }] as Record<string, string>[]) {
    const answer = await call(server.url, '/v1/rewards', body, headers);
    t.is(answer.status, 401);
    t.is(answer.headers.get('www-authenticate'), 'Bearer');
    t.regex(answer.body.error.message, /Authorization: Bearer/);
  }
  t.is((await call(server.url, '/v1/health')).status, 401);
  t.deepEqual((await call(server.url, '/v1/rewards', body, { authorization: 'Bearer s3cret' })).body.total, [2]);
  // clients that cannot set headers (OpenRLHF) pass it in the URL
  t.is((await call(server.url, '/v1/health?token=s3cret')).status, 200);
  await t.throwsAsync(startRewardServer({ rewards: { format: formatReward }, weights: { format: 1 }, token: '' }), { message: /token is empty/ });
});

test('request size limit: 413 for a declared or streamed body over maxBodyBytes', async (t) => {
  const server = await serve(t, { maxBodyBytes: 2000 });
  const big = { completions: ['x'.repeat(3000)], samples: [SAMPLE] };
  const answer = await call(server.url, '/v1/rewards', big);
  t.is(answer.status, 413);
  t.regex(answer.body.error.message, /at most 2000.*--max-body-bytes/);
  // chunked (no content-length): cut off while streaming
  const { port } = new URL(server.url);
  const status = await new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/rewards', method: 'POST', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
    for (let i = 0; i < 5; i++) req.write('x'.repeat(1000));
    req.end();
  });
  t.is(status, 413);
  t.is((await call(server.url, '/v1/rewards', { completions: ['B'], samples: [CHOICE] })).status, 200, 'the server still answers');
});

test('time limit: 504 when scoring takes longer than timeoutMs, 408 when the body does not arrive in time', async (t) => {
  const slow: Reward = (completions) => new Promise((resolve) => setTimeout(() => resolve(completions.map(() => 1)), 400));
  const server = await serve(t, { rewards: { slow }, weights: { slow: 1 }, timeoutMs: 150 });
  const answer = await call(server.url, '/v1/rewards', { completions: ['a'], samples: [SAMPLE] });
  t.is(answer.status, 504);
  t.regex(answer.body.error.message, /longer than 150 ms.*--timeout-ms/);
  const { port } = new URL(server.url);
  const stalled = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/rewards', method: 'POST', headers: { 'content-length': '100' } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.write('{"completions": '); // and never the rest
  });
  t.is(stalled.status, 408);
  t.regex(stalled.body, /did not arrive within 150 ms/);
  // a client that hangs up mid-body leaves the server answering
  await new Promise<void>((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/rewards', method: 'POST', headers: { 'content-length': '100' } });
    req.on('error', () => resolve());
    req.write('{"completions": ');
    setTimeout(() => (req.destroy(), resolve()), 50);
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.is((await call(server.url, '/v1/health')).status, 200);
});

test('a reward that throws or returns a non-finite value is a 500 naming it', async (t) => {
  const nan: Reward = (completions) => completions.map(() => Number.NaN);
  const broken: Reward = () => {
    throw new Error('boom');
  };
  const server = await serve(t, { rewards: { nan }, weights: { nan: 1 } });
  const answer = await call(server.url, '/v1/rewards', { completions: ['a'], samples: [SAMPLE] });
  t.is(answer.status, 500);
  t.regex(answer.body.error.message, /reward "nan" returned NaN for completion 0 \(sample room00\/object-size\/0\)/);
  const other = await startRewardServer({ rewards: { broken }, weights: { broken: 1 } });
  t.teardown(() => other.close());
  t.regex((await call(other.url, '/v1/rewards', { completions: ['a'], samples: [SAMPLE] })).body.error.message, /reward "broken" failed: boom/);
});

test('rewards and weights must name the same ids; weights must be finite', async (t) => {
  await t.throwsAsync(startRewardServer({ rewards: { format: formatReward }, weights: { format: 1, iou: 1 } }), { message: /weight "iou" has no reward/ });
  await t.throwsAsync(startRewardServer({ rewards: { format: formatReward, accuracy: accuracyReward }, weights: { format: 1 } }), { message: /"accuracy" has no weight/ });
  await t.throwsAsync(startRewardServer({ rewards: { format: formatReward }, weights: { format: Number.POSITIVE_INFINITY } }), { message: /not a finite number/ });
  await t.throwsAsync(startRewardServer({ rewards: {}, weights: {} }), { message: /no rewards/ });
});

test("OpenRLHF's remote reward-model protocol: query/prompts/labels in, rewards/scores/extra_logs out", async (t) => {
  const server = await serve(t);
  const prompt = '<|im_start|>user\nHow long?<|im_end|>\n<|im_start|>assistant\n';
  const query = [`${prompt}<think>a</think><answer>190</answer><|im_end|>`, `${prompt}250<|endoftext|>`, `${prompt}<think>a</think><answer>B</answer>`];
  const { status, body } = await call(server.url, '/get_reward', { query, prompts: [prompt, prompt, prompt], labels: [JSON.stringify(SAMPLE), SAMPLE, JSON.stringify(CHOICE)] });
  t.is(status, 200);
  t.deepEqual(body, { rewards: [3, 1.2, 3], scores: [3, 1.2, 3], extra_logs: { reward_format: [1, 0, 1], reward_accuracy: [1, 0.6, 1] } });

  const bad: [unknown, string, RegExp][] = [
    [{ query: ['x'], prompts: ['y'], labels: [JSON.stringify(SAMPLE)] }, 'query[0]', /does not start with prompts\[0\]/],
    [{ query: ['x'], prompts: ['x'], labels: ['{oops'] }, 'labels[0]', /not JSON/],
    [{ query: ['x'], prompts: ['x'], labels: [JSON.stringify({ ...SAMPLE, answerKind: undefined })] }, 'labels[0].answerKind', /the label must be a Sample/],
    [{ query: ['x', 'y'], prompts: ['x'], labels: [] }, 'query', /2, 1 and 0 entries/],
    [{ prompts: [], labels: [] }, 'query', /expected array/],
  ];
  for (const [request, field, message] of bad) {
    const answer = await call(server.url, '/get_reward', request);
    t.is(answer.status, 400);
    t.is(answer.body.error.field, field);
    t.regex(answer.body.error.message, message);
  }
});

test('it listens on 127.0.0.1 by default and on another address only when asked', async (t) => {
  const local = await serve(t);
  t.is(local.host, '127.0.0.1');
  const any = await serve(t, { host: '0.0.0.0' });
  t.is(any.host, '0.0.0.0');
  t.regex(any.url, /^http:\/\/127\.0\.0\.1:/, 'the URL reaches it from this machine');
  t.is((await call(any.url, '/v1/health')).status, 200);
  const taken = Number(new URL(local.url).port);
  await t.throwsAsync(startRewardServer({ rewards: { format: formatReward }, weights: { format: 1 }, port: taken }), { code: 'EADDRINUSE' });
});
