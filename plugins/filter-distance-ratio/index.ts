/**
 * Distance filter (paper B.1; docs/method.md#quality-filters), on closest-point distances
 * between 3D boxes:
 *
 * - absolute distance: keep only pairs whose distance exceeds the smaller
 *   of the two objects' sizes (longest box side), and whose answer is not
 *   "0.0" (two objects under 5 cm apart, tiny ones such as a light switch
 *   by a door): no prediction can score against a zero distance, mean
 *   relative accuracy divides by it;
 * - relative distance: keep only when the farther candidate is at least
 *   `ratio` (default 2) times as far from the target as the closer one (a
 *   tie is dropped; a candidate touching the target while the other does not
 *   is kept).
 */
import { definePlugin, z, type Candidate } from '../../core/index.ts';
import { boxDistance, longestSide, refObjects, tapFilter, type SceneIndex } from '../../lib/tasks/index.ts';

const PLUGIN_NAME = 'filter-distance-ratio';

function keepAbsolute(candidate: Candidate, index: SceneIndex): boolean {
  const [a, b] = refObjects(candidate, index);
  return boxDistance(a!.box, b!.box) > Math.min(longestSide(a!.box), longestSide(b!.box)) && Number(candidate.answer) > 0;
}

function keepRelative(candidate: Candidate, index: SceneIndex, ratio: number): boolean {
  const [target, a, b] = refObjects(candidate, index);
  const d = [boxDistance(target!.box, a!.box), boxDistance(target!.box, b!.box)];
  const near = Math.min(...d);
  const far = Math.max(...d);
  return near === 0 ? far > 0 : far >= ratio * near;
}

export default definePlugin({
  name: PLUGIN_NAME,
  options: z.strictObject({
    /** Relative distance: smallest farther/closer distance ratio. */
    ratio: z.number().min(1).default(2),
    /** Tasks to check: "absolute-distance", "relative-distance". */
    tasks: z.array(z.enum(['absolute-distance', 'relative-distance'])).default(['absolute-distance', 'relative-distance']),
  }),
  apply(ladder, { ratio, tasks }) {
    tapFilter(
      ladder,
      PLUGIN_NAME,
      (candidate, { index }) => (candidate.task === 'absolute-distance' ? keepAbsolute(candidate, index) : keepRelative(candidate, index, ratio)),
      tasks,
    );
  },
});
