/**
 * A small hand-made dataset: one sample of each answer kind and modality,
 * a localization twin whose `box2d` is in the colour frame's pixels and
 * whose `bbox_2d` is in the resized image's (as in its answer), and one
 * held-out row. Shared by the dataset statistics and export-format tests.
 */
import type { Sample } from '../../core/index.ts';

export const sample = (over: Partial<Sample>): Sample => ({
  id: 'x',
  task: 'object-size',
  modality: 'single-image',
  scene: 'room',
  question: 'q',
  answer: '50',
  answerKind: 'number',
  media: { images: ['media/room/0.jpg'] },
  split: 'train',
  ...over,
});

export const samples: Sample[] = [
  sample({ id: 'a', answer: '45' }),
  sample({
    id: 'a/localization',
    task: 'localization',
    question: 'q Please carefully observe ...',
    answer: '[{"bbox_2d":[28,13,84,65],"label":"chair"}]',
    answerKind: 'boxes',
    facts: { question: 'q', objects: [{ id: 1, category: 'chair', box2d: [100.4, 50.5, 300, 250.5], bbox_2d: [28, 13, 84, 65] }] },
    pairedWith: 'a',
  }),
  sample({ id: 'b', task: 'relative-direction', modality: 'multi-view', options: ['A. front-left', 'B. back-left', 'C. back-right', 'D. front-right'], answer: 'C', answerKind: 'choice', media: { images: ['1.jpg', '2.jpg'] } }),
  sample({ id: 'c', task: 'object-counting', modality: 'video', answer: '3', media: { images: ['1.jpg'], video: 'media/room/video.mp4' } }),
  sample({ id: 'd', task: 'room-size', modality: 'video', answer: '23.5', split: 'held-out' }),
  sample({ id: 'e', task: 'relative-direction', modality: 'single-image', options: ['A. left-front', 'B. left-back', 'C. right-front', 'D. right-back'], answer: 'A', answerKind: 'choice' }),
];
