import test from 'ava';
import { createLadder, type Reward } from '../../../core/index.ts';
import { startRewardServer } from '../../../lib/reward-server/index.ts';
import { MRA_THRESHOLDS, totalReward } from '../../../lib/scoring/index.ts';
import { tempDir } from '../../helpers/temp.ts';
import { realSamples, rewardCases } from '../../lib/reward-server/reward-cases.ts';
import { doubleHex, runDriver } from './reward-driver.ts';

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
