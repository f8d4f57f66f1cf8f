/**
 * Captions: "Describe the image." answered with the categories a view shows,
 * the most visible first ("a bed, a lamp and a window."). A recognition
 * target for pretraining a base model (`ladder pretrain tiny-vlm`), as real
 * VLMs are pretrained on captions before any spatial curriculum. It is none
 * of the ladder's question types: no count (a category is named once however
 * many instances show), no box, no distance, size, direction or order of
 * appearance. Single image; answer kind "text", scored by word F1.
 */
import { z } from '../../core/index.ts';
import { defineTask } from '../../lib/tasks/index.ts';

const PLUGIN_NAME = 'task-caption';

export const CAPTION_QUESTION = 'Describe the image.';

/** Categories a caption never names: building structure and catch-alls (a regular expression over the whole category, case-insensitive). */
export const UNNAMED_CATEGORIES = '^((.+ )?(wall|floor|ceiling)|object|structure|doorframe)$';

const article = (word: string) => (/^[aeiou]/i.test(word) ? `an ${word}` : `a ${word}`);

/** Where a box's centre lies across the image, in thirds. */
export const IMAGE_THIRDS = ['on the left', 'in the middle', 'on the right'] as const;

/**
 * "a bed, a lamp and an armchair." from categories in the order given; with
 * `where` (one per category) each is placed: "a bed on the left, ...".
 */
export function captionText(categories: readonly string[], where?: readonly string[]): string {
  const named = categories.map((c, i) => (where ? `${article(c)} ${where[i]}` : article(c)));
  if (named.length <= 1) return `${named[0] ?? 'nothing'}.`;
  return `${named.slice(0, -1).join(', ')} and ${named.at(-1)}.`;
}

export default defineTask({
  name: PLUGIN_NAME,
  id: 'caption',
  modalities: ['single-image'],
  options: z.strictObject({
    /** An object is named when at least this fraction of it is visible. */
    minVisibility: z.number().min(0).max(1).default(0.3),
    /** At most this many categories, the most visible (largest 2D box) first. */
    maxCategories: z.number().int().positive().default(8),
    /** Categories never named (a regular expression matched against the whole category, case-insensitive): building structure, catch-alls. */
    exclude: z.string().default(UNNAMED_CATEGORIES),
    /**
     * Say where each category's largest box is across the image (left, middle or
     * right third): an image-plane target with spatial structure, still none of the
     * ladder's question types (no box coordinates, nothing in 3-D, no order of
     * appearance).
     */
    positions: z.boolean().default(false),
  }),
  generate: function* (input, options) {
    const excluded = new RegExp(options.exclude, 'i');
    for (const observation of input.observations) {
      const frame = observation.frames[0]!;
      const shown = input.index.shown.get(frame);
      const width = input.index.byFrame.get(frame)!.intrinsics.width;
      // category -> its largest box: area and the third of the image its centre is in
      const largest = new Map<string, { area: number; third: number }>();
      const refs = [];
      for (const object of observation.objects) {
        const view = shown?.get(object.id);
        if (!view || view.visibility < options.minVisibility || excluded.test(object.category)) continue;
        const [x1, y1, x2, y2] = view.box2d;
        const area = (x2 - x1) * (y2 - y1);
        if (area > (largest.get(object.category)?.area ?? -1)) largest.set(object.category, { area, third: Math.min(2, Math.floor((3 * (x1 + x2)) / 2 / width)) });
        refs.push(object);
      }
      if (!largest.size) continue;
      const kept = [...largest].sort((a, b) => b[1].area - a[1].area || (a[0] < b[0] ? -1 : 1)).slice(0, options.maxCategories);
      const categories = kept.map(([category]) => category);
      const where = options.positions ? kept.map(([, box]) => IMAGE_THIRDS[box.third]!) : undefined;
      yield input.emit({
        frames: [frame],
        refs,
        question: CAPTION_QUESTION,
        answer: captionText(categories, where),
        answerKind: 'text',
        facts: where ? { categories, where } : { categories },
      });
    }
  },
});
