/**
 * Relative distance (docs/method.md#answer-rules): a target and two candidates; the
 * answer is the candidate whose 3D box comes closer to the target's
 * (closest points). Single image, multi-view, video. An exact tie names the
 * first-listed candidate; `filter-distance-ratio` drops ties and every pair
 * whose larger distance is under twice the smaller.
 *
 * References, in order: target, first-listed candidate, second candidate.
 */
import { MODALITIES } from '../../core/index.ts';
import { boxDistance, defineTask, objectFacts, objectTuples, round, shuffledOptions, TEMPLATES } from '../../lib/tasks/index.ts';

const PLUGIN_NAME = 'task-relative-distance';

export default defineTask({
  name: PLUGIN_NAME,
  id: 'relative-distance',
  modalities: MODALITIES,
  generate: (input) =>
    objectTuples(input, 3, true, ([target, a, b], observation, random) => {
      if (a!.id > b!.id) return undefined; // (t, a, b) and (t, b, a) ask the same; the listing order is drawn below
      const [first, second] = random.shuffle([a!, b!]);
      const distances = [boxDistance(target!.box, first!.box), boxDistance(target!.box, second!.box)];
      const closer = distances[1]! < distances[0]! ? 1 : 0;
      const choices = [first!.category, second!.category];
      return input.emit({
        frames: observation.frames,
        refs: [target!, first!, second!],
        question: TEMPLATES.relativeDistance(choices[0]!, choices[1]!, target!.category),
        ...shuffledOptions(choices, closer, random),
        answerKind: 'choice',
        facts: {
          target: objectFacts(target!),
          choices: [first!, second!].map((o, i) => ({ ...objectFacts(o), distance: round(distances[i]!, 3) })),
          closer: choices[closer],
          method: 'closest points of the 3D boxes',
        },
      });
    }),
});
