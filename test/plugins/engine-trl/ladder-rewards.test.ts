import test from 'ava';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createLadder, type Reward } from '../../../core/index.ts';
import { startRewardServer } from '../../../lib/reward-server/index.ts';
import { MRA_THRESHOLDS, totalReward } from '../../../lib/scoring/index.ts';
import { tempDir } from '../../helpers/temp.ts';
import { realSamples, rewardCases } from '../../lib/reward-server/reward-cases.ts';
import { doubleHex, PYTHON_ENV, python3, runDriver } from './reward-driver.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

const IDS = ['format', 'accuracy', 'iou'];
const WEIGHTS = { format: 0.5, accuracy: 1, iou: 2 };

test('1,000+ completions rewarded in-process and through python3 -> ladder_rewards.py -> the server agree bit for bit', async (t) => {
  const dir = tempDir(t);
  const cases = rewardCases(await realSamples(dir));
  t.true(cases.completions.length >= 1000, `${cases.completions.length} completions`);
  t.deepEqual([...new Set(cases.samples.map((s) => s.answerKind))].sort(), ['boxes', 'choice', 'number']);

  // the reward plugins, as the embedded trainer gets them
  const ladder = await createLadder({ plugins: IDS.map((id) => `reward-${id}`) }, { defaults: [] });
  const rewards: Record<string, Reward> = Object.fromEntries(IDS.map((id) => [id, ladder.get('rewards', id)]));
  const entries = Object.fromEntries(IDS.map((id) => [id, { reward: rewards[id]!, weight: WEIGHTS[id as keyof typeof WEIGHTS] }]));
  const local = await totalReward(cases.completions, cases.samples, entries);

  // the cases reach every edge: both format outcomes, every MRA level, partial IoUs
  t.deepEqual([...new Set(local.parts.format)].sort(), [0, 1]);
  const atThresholds = cases.completions.flatMap((c, i) =>
    cases.samples[i]!.id.endsWith('/gt=1') && MRA_THRESHOLDS.some((th) => c === `<think>let me think</think><answer>${th}</answer>`) ? [local.parts.accuracy![i]!] : [],
  );
  t.deepEqual([...atThresholds].sort(), MRA_THRESHOLDS.map((_, i) => (i + 1) / 10), 'a prediction exactly at t_i scores (i + 1) / 10');
  t.true(local.parts.iou!.some((v) => v > 0 && v < 1));
  t.true(local.parts.accuracy!.some((v) => v > 0 && v < 1));

  const server = await startRewardServer({ rewards, weights: WEIGHTS });
  t.teardown(() => server.close());
  const remote = await runDriver<{ values: Record<string, string[]>; requests: number }>({
    url: server.url,
    ids: IDS,
    completions: cases.completions,
    samples: cases.samples.map((s) => JSON.stringify(s)),
    mode: 'identity',
  });
  for (const id of IDS) t.deepEqual(remote.values[id], local.parts[id]!.map(doubleHex), `reward ${id}`);
  t.is(remote.requests, 1, 'one HTTP request serves all three reward functions of a batch');

  // the weighted total, through the JSON protocol and through OpenRLHF's
  const answer = (await (
    await fetch(`${server.url}/v1/rewards`, { method: 'POST', body: JSON.stringify({ completions: cases.completions, samples: cases.samples }) })
  ).json()) as { total: number[]; rewards: Record<string, number[]> };
  t.deepEqual(answer.total.map(doubleHex), local.total.map(doubleHex));
  const prompt = '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\n';
  const openrlhf = (await (
    await fetch(`${server.url}/get_reward`, {
      method: 'POST',
      body: JSON.stringify({
        query: cases.completions.map((c) => `${prompt}${c}<|im_end|>`),
        prompts: cases.completions.map(() => prompt),
        labels: cases.samples.map((s) => JSON.stringify(s)),
      }),
    })
  ).json()) as { rewards: number[]; scores: number[]; extra_logs: Record<string, number[]> };
  t.deepEqual(openrlhf.rewards.map(doubleHex), local.total.map(doubleHex));
  t.deepEqual(openrlhf.extra_logs.reward_iou!.map(doubleHex), local.parts.iou!.map(doubleHex));
});

/** Python that calls the client in ways that fail; prints one JSON line per case: the error's type and message. */
const FAILURES = String.raw`
import json, os, sys
sys.path.insert(0, os.path.join(sys.argv[1], "plugins", "engine-trl", "runner"))
import ladder_rewards
from ladder_rewards import reward_functions
ladder_rewards.RETRY_DELAYS = (0.01, 0.01)
url, token, dead, flaky, closing, sample = sys.argv[2:8]
bad_sample = json.dumps({k: v for k, v in json.loads(sample).items() if k != "answerKind"})
cases = {
    "unknown id": lambda: reward_functions(url, ["format", "nope"], token)[0](["x"], [sample]),
    "wrong token": lambda: reward_functions(url, ["format"], "wrong")[0](["x"], [sample]),
    "not json": lambda: reward_functions(url, ["format"], token)[0](["x"], ["{oops"]),
    "bad completion": lambda: reward_functions(url, ["format"], token)[0]([7], [sample]),
    "bad sample": lambda: reward_functions(url, ["format"], token)[0](["x"], [bad_sample]),
    "too big": lambda: reward_functions(url, ["format"], token)[0](["x" * 5000], [sample]),
    "server down": lambda: reward_functions(dead, ["format"], token)[0](["x"], [sample]),
    "retried": lambda: reward_functions(flaky, ["format"])[0](["<think>a</think><answer>B</answer>"], [sample]),
    "reconnects": lambda: reconnects(reward_functions(closing, ["format"])[0]),
}

def reconnects(func):
    import time
    first = func(["a"], [sample])
    time.sleep(0.3)  # the server closes the idle kept-alive connection meanwhile
    return first + func(["b"], [sample]) + [func.client.requests]

for name, case in cases.items():
    try:
        print(json.dumps({"case": name, "value": case()}))
    except Exception as error:
        print(json.dumps({"case": name, "type": type(error).__name__, "message": str(error)}))
`;

test("the Python client's failures say what is wrong; 503 and refused connections are retried; closed keep-alive connections reopened", async (t) => {
  const ladder = await createLadder({ plugins: ['reward-format'] }, { defaults: [] });
  const server = await startRewardServer({ rewards: { format: ladder.get('rewards', 'format') }, weights: { format: 1 }, token: 'tok', maxBodyBytes: 4000 });
  t.teardown(() => server.close());
  // a server that is busy once, then answers (a restart, a proxy in front)
  let posts = 0;
  const flaky = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/v1/health') return res.end(JSON.stringify({ rewards: ['format'], maxBodyBytes: 1e6 }));
      if (posts++ === 0) return res.writeHead(503).end(JSON.stringify({ error: { message: 'warming up' } }));
      res.end(JSON.stringify({ rewards: { format: [1] }, total: [1] }));
    });
  });
  await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
  t.teardown(() => flaky.close());
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const dead = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise((resolve) => closed.close(resolve));

  // a server that closes every connection shortly after answering, as an idle keep-alive timeout does
  const closing = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.end(JSON.stringify(req.url === '/v1/health' ? { rewards: ['format'] } : { rewards: { format: [0.25] }, total: [0.25] }));
      setTimeout(() => req.socket.destroy(), 50);
    });
  });
  await new Promise<void>((resolve) => closing.listen(0, '127.0.0.1', resolve));
  t.teardown(() => closing.close());

  const sample = JSON.stringify({ id: 's', task: 't', modality: 'video', scene: 'r', question: 'q', answer: 'B', answerKind: 'choice', options: ['A. a', 'B. b'], media: { images: [] } });
  const port = (s: ReturnType<typeof createServer>) => (s.address() as AddressInfo).port;
  const args = [ROOT, server.url, 'tok', dead, `http://127.0.0.1:${port(flaky)}`, `http://127.0.0.1:${port(closing)}`, sample];
  const run = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(python3(), ['-c', FAILURES, ...args], { env: PYTHON_ENV });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('close', (code) => resolve({ code, out, err }));
  });
  t.is(run.code, 0, run.err);
  const results = Object.fromEntries(run.out.trim().split('\n').map((line) => {
    const r = JSON.parse(line) as { case: string; type?: string; message?: string; value?: number[] };
    return [r.case, r];
  }));
  t.like(results['unknown id'], { type: 'RewardServerError' });
  t.regex(results['unknown id']!.message!, /serves the rewards format; not nope/);
  t.regex(results['wrong token']!.message!, /HTTP 401: missing or wrong token/);
  t.like(results['not json'], { type: 'ValueError' });
  t.regex(results['not json']!.message!, /sample\[0\] is not JSON/);
  t.like(results['bad completion'], { type: 'TypeError' });
  t.regex(results['bad completion']!.message!, /completions\[0\] is int/);
  t.regex(results['bad sample']!.message!, /HTTP 400: samples\[0\]\.answerKind: expected one of/);
  t.regex(results['too big']!.message!, /bytes; the server at .* accepts at most 4000 \(start it with a larger --max-body-bytes/);
  t.regex(results['server down']!.message!, /gave up after 3 attempts; is `npx ladder serve rewards` running there\?/);
  t.deepEqual(results.retried!.value, [1]);
  t.deepEqual(results.reconnects!.value, [0.25, 0.25, 2], 'a connection closed while idle is reopened, silently');
  t.false(run.err.includes(`:${port(closing)}/`), 'no retry was needed or reported');
  t.regex(run.err, /HTTP 503: warming up; retrying in 0.01 s \(attempt 2 of 3\)/);
});
