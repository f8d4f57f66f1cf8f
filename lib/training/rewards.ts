import type { Generation, Sample, StageContext } from '../../core/index.ts';
import { totalReward } from '../scoring/index.ts';

/**
 * Score generations (G per question, as `generate` returns them) with a
 * stage's rewards (`ctx.rewards`): the flat list of (generation, question
 * index), and per flat entry each reward's scores and the weighted total
 * R = sum of weight x reward (docs/method.md#rewards).
 */
export async function scoreGenerations(rewards: StageContext['rewards'], generations: Generation[][], samples: Sample[]) {
  const flat = generations.flatMap((g, q) => g.map((gen) => ({ gen, q })));
  const { parts, total } = await totalReward(
    flat.map((f) => f.gen.text),
    flat.map((f) => samples[f.q]!),
    rewards,
  );
  return { flat, parts, total };
}
