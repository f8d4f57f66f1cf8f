import type { Reward, Sample, StageContext } from '../../core/index.ts';

/**
 * Score completions with a stage's rewards (`ctx.rewards`): each reward's
 * scores, and the weighted total R = sum of weight x reward (SPEC section 6).
 */
export async function scoreCompletions(rewards: StageContext['rewards'], completions: string[], samples: Sample[]) {
  const parts: Record<string, number[]> = {};
  const total = completions.map(() => 0);
  for (const [id, { reward, weight }] of Object.entries(rewards) as [string, { reward: Reward; weight: number }][]) {
    const scores = await reward(completions, samples);
    if (scores.length !== completions.length) throw new Error(`reward "${id}" returned ${scores.length} scores for ${completions.length} completions`);
    parts[id] = scores;
    scores.forEach((s, i) => (total[i]! += weight * s));
  }
  return { parts, total };
}
