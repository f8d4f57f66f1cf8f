import test from 'ava';
import type { Reward } from '../../../core/index.ts';
import { tinyVlmBackend, type TinyVlmPolicy } from '../../../plugins/model-tiny-vlm/index.ts';
import { grpoObjective, grpoStage, groupAdvantages } from '../../../plugins/stage-grpo/index.ts';
import { tempDir } from '../../helpers/temp.ts';
import { stageContext } from '../../helpers/stage-context.ts';
import { writeToyDataset } from '../../helpers/toy-dataset.ts';

const close = (a: number, b: number, tol = 1e-9) => Math.abs(a - b) <= tol;

test('group-normalised advantages use the unbiased std; zero spread gives zero advantage', (t) => {
  const a = groupAdvantages([1, 0, 0, 1]);
  const expected = 0.5 / Math.sqrt(1 / 3); // mean .5, std sqrt(4 * .25 / 3)
  t.true(a.every((x, i) => close(x, i === 0 || i === 3 ? expected : -expected)), String(a));
  t.deepEqual(groupAdvantages([1, 1, 1, 1]), [0, 0, 0, 0]);
  t.deepEqual(groupAdvantages([0.3, 0.3, 0.3]), [0, 0, 0]);
  t.deepEqual(groupAdvantages([2]), [0]);
});

test('GRPO objective: ratio 1 on the first iteration, clipping, and the k3 KL term (hand-computed)', (t) => {
  // first iteration: d loss / d logp = -A / (|o| * completions)
  const first = grpoObjective([1, -2], { epsilon: 0.2, beta: 0 }, 2)([[-1, -2], [-0.5]]);
  t.deepEqual(first.grads, [[-0.25, -0.25], [1]]);
  t.true(close(first.loss, (-1 + 2) / 2));
  // ratio e^0.5 = 1.6487 > 1.2: with A = 1 the clipped term is the minimum (no gradient); with A = -1 the unclipped one
  const clipped = grpoObjective([1, -1], { epsilon: 0.2, beta: 0 }, 1, [[0], [0]])([[0.5], [0.5]]);
  t.is(clipped.grads[0]![0], 0);
  t.true(close(clipped.grads[1]![0]!, Math.exp(0.5)));
  t.true(close(clipped.loss, -1.2 + Math.exp(0.5)));
  // KL: ref 0, logp -1 -> k3 = e - 2, d/dlogp = beta (1 - e)
  const kl = grpoObjective([0], { epsilon: 0.2, beta: 0.5 }, 1, undefined, [[0]])([[-1]]);
  t.true(close(kl.loss, 0.5 * (Math.E - 2)));
  t.true(close(kl.grads[0]![0]!, 0.5 * (1 - Math.E)));
});

test('GRPO objective gradients match finite differences of its loss', (t) => {
  const objective = grpoObjective([0.7, -1.3, 0.2], { epsilon: 0.2, beta: 0.04 }, 3, [[-1, -0.4], [-2.1], [-0.3, -0.2, -0.9]], [[-1.2, -0.1], [-1.5], [-0.6, -0.1, -1.4]]);
  const logp = [[-0.95, -0.5], [-2.0], [-0.35, -0.15, -1.0]];
  const { grads } = objective(logp);
  logp.forEach((row, i) =>
    row.forEach((_, k) => {
      const at = (d: number) => objective(logp.map((r, j) => r.map((x, m) => (j === i && m === k ? x + d : x)))).loss;
      const numeric = (at(1e-6) - at(-1e-6)) / 2e-6;
      t.true(close(numeric, grads[i]![k]!, 1e-6), `${i}/${k}: ${numeric} vs ${grads[i]![k]}`);
    }),
  );
});

/** A learnable toy reward: the share of digits among the completion's characters. */
const digits: Reward = (completions) => completions.map((c) => (c.length ? c.replace(/[^0-9]/g, '').length / c.length : 0));

test('GRPO raises the mean reward on a toy task whose reward is learnable', async (t) => {
  const dir = tempDir(t);
  const dataset = await writeToyDataset(dir, { count: 8, images: [1, 1] });
  const policy = (await tinyVlmBackend().create({ dim: 32, layers: 1, heads: 2, ffn: 64, visionDim: 16, imageWidth: 28, imageHeight: 28, maxLength: 512 }, { seed: 3, dataset, log: () => {} })) as TinyVlmPolicy;
  const options = { generations: 8, maxTokens: 6, batchSize: 2, gradAccum: 1, epochs: 6, lr: 3e-2, beta: 0.01, checkpointEvery: 0 };
  const { ctx, emitted } = stageContext({ policy, dataset, dir, kind: 'grpo', options, rewards: { digits: { reward: digits, weight: 1 } } });
  const result = await grpoStage.run(ctx);
  const rewards = emitted.map((e) => e.reward_mean as number);
  t.is(rewards.length, 24);
  const early = (rewards[0]! + rewards[1]! + rewards[2]!) / 3;
  const late = (rewards.at(-1)! + rewards.at(-2)! + rewards.at(-3)!) / 3;
  t.true(late > early + 0.15 && late > 2 * early, `reward ${early.toFixed(3)} -> ${late.toFixed(3)}: ${rewards.map((r) => r.toFixed(2)).join(' ')}`);
  for (const e of emitted) for (const key of ['step', 'loss', 'lr', 'grad_norm', 'reward_mean', 'reward_std', 'reward_digits', 'kl', 'completion_length', 'tokens_per_s', 'rollout_tokens_per_s', 'backend']) t.true(key in e, key);
  t.true(emitted.at(-1)!.kl as number > 0);
  t.is(result.metrics.steps, 24);
  t.is(result.promptStyle, 'think');
});

test('skipUniform: groups whose rewards do not differ are left out of the update; a step of only such groups takes none', async (t) => {
  const dir = tempDir(t);
  const dataset = await writeToyDataset(dir, { count: 4, images: [1, 1] });
  const model = { dim: 32, layers: 1, heads: 2, ffn: 64, visionDim: 16, imageWidth: 28, imageHeight: 28, maxLength: 512 };
  const run = async (reward: Reward, name: string) => {
    const policy = (await tinyVlmBackend().create(model, { seed: 3, dataset, log: () => {} })) as TinyVlmPolicy;
    const before = Float32Array.from(policy.values);
    const options = { generations: 4, maxTokens: 4, batchSize: 1, gradAccum: 2, maxSteps: 2, lr: 3e-2, beta: 0.01, checkpointEvery: 0, skipUniform: true };
    const { ctx, emitted } = stageContext({ policy, dataset, dir: `${dir}/${name}`, kind: 'grpo', options, rewards: { r: { reward, weight: 1 } } });
    await grpoStage.run(ctx);
    const moved = policy.values.some((v, i) => v !== before[i]);
    await policy.dispose?.();
    return { emitted, moved };
  };
  // every completion rewarded alike: nothing to learn, no update at all
  const constant = await run((completions) => completions.map(() => 1), 'constant');
  t.deepEqual(constant.emitted.map((e) => e.groups_uniform), [1, 1]);
  t.deepEqual(constant.emitted.map((e) => e.grad_norm), [0, 0]);
  t.false(constant.moved, 'the weights did not move');
  // one question of each step rewarded by length (differs within its group), the other constant: half the groups are uniform
  const first = dataset.samples.filter((s) => s.split !== 'held-out')[0]!.question;
  const mixed = await run((completions, samples) => completions.map((c, i) => (samples[i]!.question === first ? c.length : 0)), 'mixed');
  t.true(mixed.emitted.some((e) => e.groups_uniform === 0.5 && (e.grad_norm as number) > 0), JSON.stringify(mixed.emitted.map((e) => [e.groups_uniform, e.grad_norm])));
  t.true(mixed.moved);
});
