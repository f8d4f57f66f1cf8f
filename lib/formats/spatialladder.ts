/**
 * The released SpatialLadder-26k layout, for trainers that read it (the
 * authors' VLM-R1 scripts): a grounding file and a spatial file, JSON Lines,
 * with the field names of the dataset card (huggingface.co/datasets/
 * hongxingli/SpatialLadder-26k) and the `question_type` vocabulary of the
 * authors' stage-3 script (github.com/ZJU-REAL/SpatialLadder,
 * VLM-R1/src/open-r1-multimodal/src/open_r1/grpo_spld_stage3.py).
 *
 *   spld_grounding_data.jsonl  question_id, question, answer: [{bbox_2d, label}], image: [path], data_type
 *   spld_spatial_data.jsonl    question_id, question, options (null for numbers), answer, image: [paths],
 *                              question_type, data_type
 *
 * The grounding `question` is the spatial question alone (the stage-1 script
 * adds the localization prompt). Boxes are in the pixels of the image file
 * the row names (the resized image the model sees), like every other
 * format here; the authors' stage-1 script rescales boxes from a 1296x968
 * colour frame, a step to leave out for these files. `data_type` is
 * "single_image" or "video" in the scripts; "multi_view" for multi-view
 * samples is our assumption (the scripts treat anything but "video" as images).
 */
import type { Sample } from '../../core/index.ts';

export const QUESTION_TYPES: Readonly<Record<string, string>> = {
  'object-counting': 'object count',
  'absolute-distance': 'absolute distance',
  'object-size': 'object size',
  'room-size': 'room size',
  'relative-distance': 'relative distance',
  'relative-direction': 'relative direction',
  'appearance-order': 'appearance order',
};

export const DATA_TYPES = { 'single-image': 'single_image', 'multi-view': 'multi_view', video: 'video' } as const;

export const SPATIALLADDER_FILES = { grounding: 'spld_grounding_data.jsonl', spatial: 'spld_spatial_data.jsonl' } as const;

interface LocalizationFacts {
  question: string;
}

/** The boxes of a localization sample's answer: `[{bbox_2d, label}]` in the pixels of its image file. */
export const answerBoxes = (sample: Sample): { bbox_2d: number[]; label: string }[] => JSON.parse(sample.answer) as { bbox_2d: number[]; label: string }[];

export function groundingRows(samples: readonly Sample[]): Record<string, unknown>[] {
  return samples
    .filter((s) => s.task === 'localization')
    .map((s, i) => ({
      question_id: i,
      question: (s.facts as unknown as LocalizationFacts).question,
      answer: answerBoxes(s),
      image: s.media.images,
      data_type: DATA_TYPES[s.modality],
    }));
}

export function spatialRows(samples: readonly Sample[]): Record<string, unknown>[] {
  return samples
    .filter((s) => QUESTION_TYPES[s.task])
    .map((s, i) => ({
      question_id: i,
      question: s.question,
      options: s.options ?? null,
      answer: s.answer,
      image: s.media.images,
      question_type: QUESTION_TYPES[s.task],
      data_type: DATA_TYPES[s.modality],
    }));
}
