/**
 * Human-scale filter (paper B.1: object size "filtering out objects that are
 * either excessively large or small"): the longest side of every referenced
 * object's 3D box must lie within [minCm, maxCm]. Applies to object size by
 * default; list more task ids in `tasks`.
 */
import { definePlugin, z } from '../../core/index.ts';
import { longestSide, refObjects, tapFilter } from '../../lib/tasks/index.ts';

const PLUGIN_NAME = 'filter-human-scale';

export default definePlugin({
  name: PLUGIN_NAME,
  options: z
    .strictObject({
      minCm: z.number().nonnegative().default(10),
      maxCm: z.number().positive().default(300),
      tasks: z.array(z.string()).default(['object-size']),
    })
    .refine((o) => o.minCm < o.maxCm, { message: 'minCm must be below maxCm', path: ['minCm'] }),
  apply(ladder, { minCm, maxCm, tasks }) {
    tapFilter(
      ladder,
      PLUGIN_NAME,
      (candidate, { index }) =>
        refObjects(candidate, index).every((o) => {
          const cm = longestSide(o.box) * 100;
          return cm >= minCm && cm <= maxCm;
        }),
      tasks,
    );
  },
});
