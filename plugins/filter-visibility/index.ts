/**
 * Visibility filter (paper B.1; docs/method.md#quality-filters): every object a candidate
 * refers to must reach a visibility ratio of at least `min` (default 0.40) in
 * at least one of the frames the sample shows.
 */
import { definePlugin, z } from '../../core/index.ts';
import { bestVisibility, tapFilter } from '../../lib/tasks/index.ts';

const PLUGIN_NAME = 'filter-visibility';

export default definePlugin({
  name: PLUGIN_NAME,
  options: z.strictObject({
    /** Smallest visibility ratio (0..1) an object needs in some frame of the sample. */
    min: z.number().min(0).max(1).default(0.4),
  }),
  apply(ladder, { min }) {
    tapFilter(ladder, PLUGIN_NAME, (candidate, { index }) =>
      candidate.refs.every((ref) => bestVisibility(index, ref.objectId, candidate.frames) >= min),
    );
  },
});
