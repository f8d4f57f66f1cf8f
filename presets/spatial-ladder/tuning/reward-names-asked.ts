/**
 * A local plugin for experiments: the reward "names-asked", the share of the
 * objects a question names (its sample's `grounding` phrases) that the
 * completion's reasoning names in an "I see the <object>" sentence, times the
 * share of those sentences that name one of them (recall x precision; 0 when
 * it names nothing, which a penalty for wrong names would favour). 0 for
 * questions that name no object (room size). GRPO's accuracy reward does not care which object the
 * reasoning names; this one does (presets/spatial-ladder/README.md, "Copying
 * the question's objects into the reasoning").
 *
 *   "plugins": [["./reward-names-asked.ts", {}]], "rewards": {"format": 1, "accuracy": 1, "names-asked": 1}
 */
import { definePlugin, type Sample } from '../../../core/index.ts';

const SEEN = /I see the ([a-z ]+?)[.,<]/g;

export function namesAsked(completion: string, sample: Sample): number {
  const asked = new Set((sample.grounding ?? []).map((g) => g.phrase.toLowerCase()));
  if (!asked.size) return 0;
  const reasoning = completion.split('</think>')[0]!;
  const seen = [...reasoning.matchAll(SEEN)].map((m) => m[1]!);
  if (!seen.length) return 0;
  const hits = new Set(seen.filter((s) => asked.has(s)));
  return (hits.size / asked.size) * (seen.filter((s) => asked.has(s)).length / seen.length);
}

export default definePlugin({
  name: 'reward-names-asked',
  apply(ladder) {
    ladder.hooks.rewards.for('names-asked').tap('reward-names-asked', () => (completions, samples) => completions.map((c, i) => namesAsked(c, samples[i]!)));
  },
});
