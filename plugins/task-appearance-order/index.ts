/**
 * Appearance order (docs/method.md#answer-rules): four categories ordered by the first
 * time any instance of each becomes visible in the video: its first sighting
 * (`SceneIndex.firstSeen`: the source's `video.firstSeen` when it gives one,
 * and an object it leaves out is not asked about). Video only; a video
 * with fewer than four categories asks nothing. The options are the true
 * order and three other orders drawn with the seeded stream.
 *
 * References: the first-seen instance of each category, in true order.
 * `filter-appearance-gap` drops questions whose first appearances are not
 * pairwise more than one second apart, or whose frame list would show
 * another order.
 */
import type { SceneObject } from '../../core/index.ts';
import { combos, defineTask, firstShowing, perObservation, round, shuffledOptions, TEMPLATES } from '../../lib/tasks/index.ts';

const PLUGIN_NAME = 'task-appearance-order';
const CATEGORIES = 4;
const OPTIONS = 4;

/** All orderings of 0..n-1. */
const permutations = (n: number): number[][] =>
  n <= 1 ? [[0]] : permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
const ORDERS = permutations(CATEGORIES);

export default defineTask({
  name: PLUGIN_NAME,
  id: 'appearance-order',
  modalities: ['video'],
  generate: (input) =>
    perObservation(input, function* (observation, random) {
      const { index } = input;
      const first = new Map<string, { object: SceneObject; time: number; frame: number }>();
      for (const object of observation.objects) {
        const seen = index.firstSeen.get(object.id);
        if (!seen) continue;
        const have = first.get(object.category);
        if (!have || seen.time < have.time || (seen.time === have.time && object.id < have.object.id))
          first.set(object.category, { object, time: seen.time, frame: seen.frame });
      }
      // only categories the frame list shows, and never two first shown in the same frame: the frames could not order those
      // (filter-appearance-gap still checks the one-second rule; this only spares drawing candidates it would drop)
      const shownAt = new Map([...first.keys()].map((category) => [category, firstShowing(index, observation.frames, category)]));
      const categories = [...first.keys()].filter((category) => shownAt.get(category)! >= 0).sort();
      if (categories.length < CATEGORIES) return;
      for (const tuple of combos(categories.length, CATEGORIES, false, random)) {
        if (new Set(tuple.map((i) => shownAt.get(categories[i]!))).size < CATEGORIES) continue;
        const picked = tuple.map((i) => first.get(categories[i]!)!);
        const order = [...picked].sort((a, b) => a.time - b.time || a.object.category.localeCompare(b.object.category));
        const listed = random.shuffle(order.map((p) => p.object.category));
        const truth = order.map((p) => p.object.category);
        const others = random
          .shuffle(ORDERS.map((p) => p.map((i) => truth[i]!)).filter((p) => p.join() !== truth.join()))
          .slice(0, OPTIONS - 1);
        const texts = [truth, ...others].map((p) => p.join(', '));
        yield input.emit({
          frames: observation.frames,
          refs: order.map((p) => p.object),
          question: TEMPLATES.appearanceOrder(listed),
          ...shuffledOptions(texts, 0, random),
          answerKind: 'choice',
          facts: {
            order: order.map((p) => {
              const sampled = firstShowing(index, observation.frames, p.object.category);
              return {
                category: p.object.category,
                objectId: p.object.id,
                firstTime: round(p.time, 3),
                firstFrame: p.frame,
                /** Time of the first frame of the sample's frame list that shows the category (null: none does). */
                firstShownTime: sampled < 0 ? null : round(index.byFrame.get(observation.frames[sampled]!)!.time, 3),
              };
            }),
          },
        });
      }
    }),
});
