/**
 * Category uniqueness filter (paper B.1; docs/method.md#quality-filters): a question that
 * names "the chair" is kept only when exactly one chair is present in the
 * views it uses (single image: the view; multi-view: the 8 views; video: the
 * whole capture). Counting and appearance order name categories, not
 * objects, and are exempt by default.
 */
import { definePlugin, z } from '../../core/index.ts';
import { categoryCounts, scopeFrames, tapFilter } from '../../lib/tasks/index.ts';

const PLUGIN_NAME = 'filter-unique-category';

export default definePlugin({
  name: PLUGIN_NAME,
  options: z.strictObject({
    /** Task ids this filter leaves alone. */
    exempt: z.array(z.string()).default(['object-counting', 'appearance-order']),
  }),
  apply(ladder, { exempt }) {
    tapFilter(ladder, PLUGIN_NAME, (candidate, { index }) => {
      if (exempt.includes(candidate.task)) return true;
      const counts = categoryCounts(index, scopeFrames(index, candidate.modality, candidate.frames));
      return candidate.refs.every((ref) => counts.get(ref.category) === 1);
    });
  },
});
