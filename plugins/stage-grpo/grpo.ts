/**
 * The GRPO objective (paper eq. 2; docs/method.md#grpo) as a function of per-token
 * log-probabilities, so any trainable backend can optimise it.
 *
 * Per completion o_i of a group: advantage A_i = (r_i - mean r) / std r, with
 * std the unbiased (n - 1) estimate as torch.std in TRL / VLM-R1, and A_i = 0
 * for every member when std < 1e-6 (a group whose rewards do not differ
 * teaches nothing). Per token t:
 *
 *   ratio  = exp(logp - logp_old)
 *   L_t    = -min(ratio * A, clip(ratio, 1 - eps, 1 + eps) * A) + beta * k3
 *   k3     = exp(ref - logp) - (ref - logp) - 1     (unbiased KL estimator)
 *
 * The loss is the mean over each completion's tokens, summed over
 * completions and divided by `completions` (all completions of the optimizer
 * step, so micro-batching does not change it). Derivatives with respect to logp:
 *
 *   d(-min(.))/dlogp = -A * ratio when the unclipped term is the minimum, else 0
 *   d(k3)/dlogp      = 1 - exp(ref - logp)
 */
import type { TokenObjective } from '../../core/index.ts';
import { mean, std } from '../../lib/training/index.ts';

export const STD_GUARD = 1e-6;

export function groupAdvantages(rewards: number[]): number[] {
  const s = std(rewards, true);
  if (!(s >= STD_GUARD)) return rewards.map(() => 0);
  const m = mean(rewards);
  return rewards.map((r) => (r - m) / s);
}

export interface GrpoLossOptions {
  epsilon: number;
  beta: number;
}

export interface GrpoStats {
  /** Sum over tokens of k3, and of tokens whose ratio was clipped, and the token count. */
  kl: number;
  clipped: number;
  tokens: number;
}

/**
 * Objective for a batch of completions with `advantages`; `old` (per-token
 * log-probs under the sampling policy) defaults to the current values (the
 * first of `mu` iterations, ratio 1); `ref` to none (beta ignored).
 */
export function grpoObjective(
  advantages: number[],
  options: GrpoLossOptions,
  completions: number,
  old?: number[][],
  ref?: number[][],
  stats?: GrpoStats,
): TokenObjective {
  const { epsilon, beta } = options;
  return (logProbs) => {
    let loss = 0;
    const grads = logProbs.map((lp, i) => {
      const A = advantages[i]!;
      const scale = 1 / (Math.max(1, lp.length) * completions);
      return lp.map((logp, t) => {
        const ratio = old ? Math.exp(logp - old[i]![t]!) : 1;
        const clippedRatio = Math.min(Math.max(ratio, 1 - epsilon), 1 + epsilon);
        const unclipped = ratio * A;
        const clipped = clippedRatio * A;
        let tokenLoss = -Math.min(unclipped, clipped);
        let grad = unclipped <= clipped ? -A * ratio : 0;
        if (stats && clippedRatio !== ratio) stats.clipped += 1;
        if (ref && beta > 0) {
          const d = ref[i]![t]! - logp;
          const k3 = Math.exp(d) - d - 1;
          tokenLoss += beta * k3;
          grad += beta * (1 - Math.exp(d));
          if (stats) stats.kl += k3;
        }
        if (stats) stats.tokens += 1;
        loss += tokenLoss * scale;
        return grad * scale;
      });
    });
    return { loss, grads };
  };
}
