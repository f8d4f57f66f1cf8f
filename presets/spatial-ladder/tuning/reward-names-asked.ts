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

/** The objects a completion's reasoning names, in order: its "I see the <object>" sentences (teacher-metadata's words). */
export const namedObjects = (completion: string) => [...completion.split('</think>')[0]!.matchAll(/I see the ([a-z ]+?)[.,<]/g)].map((m) => m[1]!);

export function namesAsked(completion: string, sample: Sample): number {
  const asked = new Set((sample.grounding ?? []).map((g) => g.phrase.toLowerCase()));
  const seen = namedObjects(completion);
  if (!asked.size || !seen.length) return 0;
  const hits = seen.filter((s) => asked.has(s));
  return (new Set(hits).size / asked.size) * (hits.length / seen.length);
}

export default definePlugin({
  name: 'reward-names-asked',
  apply(ladder) {
    ladder.hooks.rewards.for('names-asked').tap('reward-names-asked', () => (completions, samples) => completions.map((c, i) => namesAsked(c, samples[i]!)));
  },
});
