/**
 * A recognition target that makes a base read a word of its question and look
 * for it in the image: "Is there a door in the image?" -> "yes." or "no.".
 * Per view, `perFrame` times: a category the view shows (at least
 * `minVisibility` of an instance visible) answered "yes.", and a category of
 * the same room that the view does not show at all answered "no.". None of
 * the ladder's question types (no count, box, distance, size, direction or
 * order). Single image; answer kind "text", scored by word F1 (here: right or
 * wrong). A local plugin of the experiment in presets/spatial-ladder/README.md
 * ("Pretraining on a question about the image"), loaded by path from
 * presence-base.json.
 */
import { z } from '../../../core/index.ts';
import { defineTask } from '../../../lib/tasks/index.ts';
import { UNNAMED_CATEGORIES } from '../../../plugins/task-caption/index.ts';

export const presenceQuestion = (category: string) => `Is there a ${category} in the image?`;

export default defineTask({
  name: 'task-presence',
  id: 'presence',
  modalities: ['single-image'],
  options: z.strictObject({
    /** A category counts as shown when this fraction of one of its instances is visible. */
    minVisibility: z.number().min(0).max(1).default(0.3),
    /** Categories never asked about (as task-caption's `exclude`). */
    exclude: z.string().default(UNNAMED_CATEGORIES),
    /** Questions of each answer per view. */
    perFrame: z.number().int().positive().default(1),
  }),
  generate: function* (input, options) {
    const excluded = new RegExp(options.exclude, 'i');
    const random = input.ctx.random.fork(`presence/${input.scene.id}`);
    const roomCategories = [...new Set(input.scene.objects.map((o) => o.category))].filter((c) => !excluded.test(c)).sort();
    for (const observation of input.observations) {
      const frame = observation.frames[0]!;
      const shown = input.index.shown.get(frame)!;
      const visible = new Set<string>(); // shown at all: never asked as absent
      const clear = new Map<string, typeof observation.objects>(); // shown clearly enough to be asked as present
      for (const object of observation.objects) {
        const view = shown.get(object.id);
        if (!view) continue;
        visible.add(object.category);
        if (view.visibility >= options.minVisibility && !excluded.test(object.category)) clear.set(object.category, [...(clear.get(object.category) ?? []), object]);
      }
      const present = [...clear.keys()].sort();
      const absent = roomCategories.filter((c) => !visible.has(c));
      for (let k = 0; k < options.perFrame; k++) {
        if (present.length) {
          const category = present[random.int(present.length)]!;
          yield input.emit({ frames: [frame], refs: clear.get(category)!, question: presenceQuestion(category), answer: 'yes.', answerKind: 'text', facts: { category, present: true } });
        }
        if (absent.length) {
          const category = absent[random.int(absent.length)]!;
          yield input.emit({ frames: [frame], refs: [], question: presenceQuestion(category), answer: 'no.', answerKind: 'text', facts: { category, present: false } });
        }
      }
    }
  },
});
