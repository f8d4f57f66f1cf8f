/**
 * Object counting (docs/method.md#answer-rules): how many distinct instances of a
 * category the views show (multi-view: any of the 8 views; video: anywhere in
 * the capture). Every instance is a reference, so `filter-visibility` drops a
 * count that includes an instance the sample's frames barely show.
 */
import { z } from '../../core/index.ts';
import { bestVisibility, defineTask, objectFacts, perObservation, TEMPLATES } from '../../lib/tasks/index.ts';
import type { SceneObject } from '../../core/index.ts';

const PLUGIN_NAME = 'task-object-counting';

export default defineTask({
  name: PLUGIN_NAME,
  id: 'object-counting',
  modalities: ['multi-view', 'video'],
  options: z.strictObject({
    /** Smallest count asked about. */
    minCount: z.number().int().positive().default(1),
    /** Largest count asked about. */
    maxCount: z.number().int().positive().default(20),
  }),
  generate: (input, { minCount, maxCount }) =>
    perObservation(input, function* (observation, random) {
      const byCategory = new Map<string, SceneObject[]>();
      for (const object of observation.objects) {
        const instances = byCategory.get(object.category);
        if (instances) instances.push(object);
        else byCategory.set(object.category, [object]);
      }
      const categories = random.shuffle([...byCategory.keys()].sort());
      for (const category of categories) {
        const instances = byCategory.get(category)!;
        if (instances.length < minCount || instances.length > maxCount) continue;
        yield input.emit({
          frames: observation.frames,
          refs: instances,
          question: TEMPLATES.counting(category),
          answer: String(instances.length),
          answerKind: 'number',
          facts: {
            category,
            count: instances.length,
            instances: instances.map((o) => ({
              ...objectFacts(o),
              /** 1-based positions of the sample's images that show it. */
              shownIn: observation.frames.flatMap((frame, i) => (bestVisibility(input.index, o.id, [frame]) > 0 ? [i + 1] : [])),
            })),
          },
        });
      }
    }),
});
