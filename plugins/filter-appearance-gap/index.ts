/**
 * Appearance gap filter (docs/method.md#quality-filters): an appearance-order question is
 * kept only when its categories' first appearances are pairwise more than
 * `seconds` (default 1) apart, and when the sample's frame list shows them
 * in the same order, each in a different frame (so the frames alone
 * determine the answer).
 */
import { definePlugin, z, type Candidate } from '../../core/index.ts';
import { firstShowing, tapFilter, type SceneIndex } from '../../lib/tasks/index.ts';

const PLUGIN_NAME = 'filter-appearance-gap';

function keepAppearance(candidate: Candidate, index: SceneIndex, seconds: number): boolean {
  const times = candidate.refs.map((ref) => index.firstSeen.get(ref.objectId)?.time ?? NaN);
  for (let i = 1; i < times.length; i++) if (!(times[i]! - times[i - 1]! > seconds)) return false;
  const shownAt = candidate.refs.map((ref) => firstShowing(index, candidate.frames, ref.category));
  return shownAt.every((at, i) => at >= 0 && (i === 0 || at > shownAt[i - 1]!));
}

export default definePlugin({
  name: PLUGIN_NAME,
  options: z.strictObject({
    /** Smallest gap between consecutive first appearances (exclusive). */
    seconds: z.number().nonnegative().default(1),
  }),
  apply(ladder, { seconds }) {
    tapFilter(ladder, PLUGIN_NAME, (candidate, { index }) => keepAppearance(candidate, index, seconds), ['appearance-order']);
  },
});
