/**
 * Absolute distance (docs/method.md#answer-rules): the distance between the closest
 * points of two objects' 3D boxes, in metres, one decimal. Single image,
 * multi-view, video. The rule "keep only pairs farther apart than the
 * smaller object's size" is `filter-distance-ratio`'s.
 */
import { MODALITIES } from '../../core/index.ts';
import { boxDistance, defineTask, objectFacts, objectTuples, round, TEMPLATES } from '../../lib/tasks/index.ts';

const PLUGIN_NAME = 'task-absolute-distance';

export default defineTask({
  name: PLUGIN_NAME,
  id: 'absolute-distance',
  modalities: MODALITIES,
  generate: (input) =>
    objectTuples(input, 2, false, (pair, observation, random) => {
      const [a, b] = random.shuffle(pair);
      const distance = boxDistance(a!.box, b!.box);
      return input.emit({
        frames: observation.frames,
        refs: [a!, b!],
        question: TEMPLATES.absoluteDistance(a!.category, b!.category),
        answer: distance.toFixed(1),
        answerKind: 'number',
        facts: { objects: [objectFacts(a!), objectFacts(b!)], distance: round(distance, 3), method: 'closest points of the two 3D boxes' },
      });
    }),
});
