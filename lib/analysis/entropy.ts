/**
 * Semantic entropy (paper C.6, after Kuhn et al. 2023): a question's sampled
 * answers are clustered by their accuracy reward (answers with the same
 * reward are one cluster), p_k = |C_k| / N, SE = -sum p_k ln p_k (nats).
 */
import type { ChanceOutcome } from '../scoring/index.ts';

/** Semantic entropy of one question's answers, given each answer's accuracy reward. */
export function semanticEntropy(rewards: readonly number[]): number {
  if (!rewards.length) return NaN;
  const clusters = new Map<number, number>();
  for (const r of rewards) clusters.set(r, (clusters.get(r) ?? 0) + 1);
  let h = 0;
  for (const count of clusters.values()) {
    const p = count / rewards.length;
    h -= p * Math.log(p);
  }
  return h === 0 ? 0 : h; // no -0
}

const memo = new Map<string, number>();

/**
 * The expected semantic entropy of `n` independent answers whose rewards
 * follow `outcomes`: the chance level of a question, exact (every split of
 * the n answers over the outcomes, weighted by its multinomial probability).
 */
export function expectedEntropy(outcomes: readonly ChanceOutcome[], n: number): number {
  const probs = outcomes.map((o) => o.p).filter((p) => p > 0);
  const key = `${n}:${probs.join(',')}`;
  const cached = memo.get(key);
  if (cached !== undefined) return cached;
  const logFactorial = [0];
  for (let i = 1; i <= n; i++) logFactorial.push(logFactorial[i - 1]! + Math.log(i));
  let total = 0;
  const counts: number[] = [];
  const walk = (k: number, left: number) => {
    if (k === probs.length - 1) {
      counts[k] = left;
      let logP = logFactorial[n]!;
      let h = 0;
      counts.forEach((c, i) => {
        logP += c * Math.log(probs[i]!) - logFactorial[c]!;
        if (c) h -= (c / n) * Math.log(c / n);
      });
      total += Math.exp(logP) * h;
      return;
    }
    for (let c = 0; c <= left; c++) {
      counts[k] = c;
      walk(k + 1, left - c);
    }
  };
  if (probs.length > 1 && n > 0) walk(0, n);
  memo.set(key, total);
  return total;
}
