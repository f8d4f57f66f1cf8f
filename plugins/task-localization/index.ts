/**
 * Object localization (paper B.1; docs/method.md#localization-answers): the grounding twin of
 * every single-image spatial question. Its question is the localization
 * template around the spatial question; its answer is the Qwen2.5-VL
 * grounding JSON, `[{"bbox_2d": [x1, y1, x2, y2], "label": "chair"}, ...]`,
 * for the objects the question names, in the pixel coordinates of the
 * resized image the model sees, encoded once.
 *
 * SpatialLadder has no localization question of its own (Table 6: one per
 * single-image question), so `generate` yields nothing: the generator's
 * `pair` (TaskGenerator.pair) makes the twin of each single-image question
 * that survived the filters, and the dataset builder writes it.
 */
import type { Box2D, Candidate, ResizedImage, Scene } from '../../core/index.ts';
import { roundHalfEven } from '../../lib/media/index.ts';
import { defineTask, sceneIndex, TEMPLATES } from '../../lib/tasks/index.ts';

const PLUGIN_NAME = 'task-localization';

/**
 * Scale a box from colour-image pixels to the resized image: multiply by the
 * size ratio, round half to even (as Python's round) and clamp into
 * [0, size - 1], as the reference converter does.
 */
export function scaleBox(box: Box2D, image: ResizedImage): Box2D {
  const sx = image.resized.width / image.width;
  const sy = image.resized.height / image.height;
  const clamp = (v: number, max: number) => Math.max(0, Math.min(max - 1, v));
  return [
    clamp(roundHalfEven(box[0] * sx), image.resized.width),
    clamp(roundHalfEven(box[1] * sy), image.resized.height),
    clamp(roundHalfEven(box[2] * sx), image.resized.width),
    clamp(roundHalfEven(box[3] * sy), image.resized.height),
  ];
}

export function pairLocalization(question: Candidate, scene: Scene, image: ResizedImage): Candidate {
  if (question.modality !== 'single-image' || question.frames.length !== 1)
    throw new Error(`localization pairs with single-image questions; ${question.id} is ${question.modality}`);
  const frame = question.frames[0]!;
  const shown = sceneIndex(scene).shown.get(frame);
  const objects = question.refs.map((ref) => {
    const view = shown?.get(ref.objectId);
    if (!view) throw new Error(`${question.id}: object ${ref.objectId} (${ref.category}) is not shown in frame ${frame} of ${scene.id}`);
    return { ref, box: view.box2d, bbox: scaleBox(view.box2d, image) };
  });
  const id = `${question.id}/localization`;
  return {
    id,
    task: 'localization',
    modality: 'single-image',
    scene: question.scene,
    question: TEMPLATES.localization(question.question),
    answer: JSON.stringify(objects.map((o) => ({ bbox_2d: o.bbox, label: o.ref.category }))),
    answerKind: 'boxes',
    media: question.media,
    facts: {
      question: question.question,
      objects: objects.map((o) => ({ id: o.ref.objectId, category: o.ref.category, box2d: o.box, bbox_2d: o.bbox })),
      image: { width: image.width, height: image.height, resizedWidth: image.resized.width, resizedHeight: image.resized.height },
    },
    pairedWith: question.id,
    refs: question.refs,
    frames: question.frames,
  };
}

export default defineTask({
  name: PLUGIN_NAME,
  id: 'localization',
  modalities: ['single-image'],
  generate: () => [],
  // every single-image question that names objects gets a twin
  pair: (question, scene, images) =>
    question.modality === 'single-image' && question.refs.length ? pairLocalization(question, scene, images[0]!) : undefined,
});
