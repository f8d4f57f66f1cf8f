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
 * Conventions of the release kept here: the grounding `question` is the
 * spatial question alone (the stage-1 script adds the localization prompt);
 * grounding boxes are in the colour image's own pixels (the stage-1 script
 * rescales them to the model's input size, assuming ScanNet's 1296x968).
 * `data_type` is "single_image" or "video" in the scripts; "multi_view" for
 * multi-view samples is our assumption (the scripts treat anything but
 * "video" as images).
 */
import { join } from 'node:path';
import { writeFileAtomic, type Sample } from '../../core/index.ts';
import { roundHalfEven } from '../../lib/media/index.ts';

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

export const EXPORT_FILES = { grounding: 'spld_grounding_data.jsonl', spatial: 'spld_spatial_data.jsonl' } as const;

interface LocalizationFacts {
  question: string;
  objects: { category: string; box2d: number[] }[];
}

export function groundingRows(samples: readonly Sample[]): Record<string, unknown>[] {
  return samples
    .filter((s) => s.task === 'localization')
    .map((s, i) => {
      const facts = s.facts as unknown as LocalizationFacts;
      return {
        question_id: i,
        question: facts.question,
        answer: facts.objects.map((o) => ({ bbox_2d: o.box2d.map(roundHalfEven), label: o.category })),
        image: s.media.images,
        data_type: DATA_TYPES[s.modality],
      };
    });
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

const jsonl = (rows: Record<string, unknown>[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join('');

/** Write `export/<split>/` for each split; returns the files written, relative to `dir`. */
export async function writeExport(dir: string, samples: readonly Sample[]): Promise<string[]> {
  const files: string[] = [];
  for (const split of ['train', 'held-out'] as const) {
    const part = samples.filter((s) => (s.split ?? 'train') === split);
    for (const [rows, name] of [
      [groundingRows(part), EXPORT_FILES.grounding],
      [spatialRows(part), EXPORT_FILES.spatial],
    ] as const) {
      const file = join('export', split, name);
      await writeFileAtomic(join(dir, file), jsonl(rows));
      files.push(file);
    }
  }
  return files;
}
