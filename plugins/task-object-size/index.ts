/**
 * Object size (docs/method.md#answer-rules): the longest side of the object's 3D box, in
 * centimetres, rounded to an integer. Single image, multi-view, video.
 * Human-scale limits are the `filter-human-scale` plugin's job.
 */
import { MODALITIES } from '../../core/index.ts';
import { defineTask, longestSide, objectFacts, objectTuples, round, TEMPLATES } from '../../lib/tasks/index.ts';

const PLUGIN_NAME = 'task-object-size';

export default defineTask({
  name: PLUGIN_NAME,
  id: 'object-size',
  modalities: MODALITIES,
  generate: (input) =>
    objectTuples(input, 1, false, ([object], observation) => {
      const centimetres = longestSide(object!.box) * 100;
      return input.emit({
        frames: observation.frames,
        refs: [object!],
        question: TEMPLATES.objectSize(object!.category),
        answer: String(Math.round(centimetres)),
        answerKind: 'number',
        facts: { object: objectFacts(object!), longestCm: round(centimetres, 1), method: 'longest side of the object\'s 3D box' },
      });
    }),
});
