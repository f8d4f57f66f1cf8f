/**
 * `ladder data export`: a dataset written in the format another trainer reads,
 * with its media (hard links where the file system allows, else copies) and a
 * dataset card, so the folder can be loaded or uploaded as it is.
 *
 *   trl            perception/ understanding/ reasoning/  {train,held_out}.jsonl  (trl.ts)
 *   vlm-r1         grounding/ spatial/                    {train,held_out}.jsonl  (vlm-r1.ts)
 *   spatialladder  train/ held_out/                       spld_grounding_data.jsonl, spld_spatial_data.jsonl
 *
 * Every format points at the resized images the model sees, and localization
 * boxes are in those images' pixels.
 */
import { copyFile, link, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SPATIAL_TASKS, writeFileAtomic, type Dataset, type Sample } from '../../core/index.ts';
import type { PromptStyle } from '../prompts/index.ts';
import { datasetCard, type CardConfig, type Feature } from './card.ts';
import { groundingRows, spatialRows, SPATIALLADDER_FILES } from './spatialladder.ts';
import { trlRow } from './trl.ts';
import { vlmR1Row } from './vlm-r1.ts';

export const EXPORT_FORMATS = ['trl', 'vlm-r1', 'spatialladder'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Split names as Hugging Face datasets accepts them. */
const SPLITS = { train: 'train', 'held-out': 'held_out', validation: 'validation' } as const;

const jsonl = (rows: unknown[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join('');
const bySplit = (samples: readonly Sample[]) =>
  Object.entries(SPLITS)
    .map(([split, name]) => ({ name, samples: samples.filter((s) => (s.split ?? 'train') === split) }))
    .filter((part) => part.name !== 'validation' || part.samples.length > 0);
const isSpatial = (s: Sample) => (SPATIAL_TASKS as readonly string[]).includes(s.task);

const MESSAGES: Feature = { list: { struct: { role: 'string', content: 'string' } } };
const TRL_BASE: Record<string, Feature> = { id: 'string', task: 'string', modality: 'string', images: { list: 'string' }, prompt: MESSAGES };

interface Part {
  config: string;
  /** Rows of one split. */
  rows: (samples: readonly Sample[]) => unknown[];
  features: Record<string, Feature>;
  /** File of a split, relative to the export folder. */
  file: (split: string) => string;
}

const trlPart = (config: string, filter: (s: Sample) => boolean, style: PromptStyle, sft: boolean): Part => ({
  config,
  rows: (samples) => samples.filter(filter).map((s) => trlRow(s, { style, completion: sft ? s.answer : undefined })),
  features: { ...TRL_BASE, ...(sft ? { completion: MESSAGES } : { solution: 'string' }), sample: 'string' },
  file: (split) => `${config}/${split}.jsonl`,
});

const PARTS: Record<ExportFormat, Part[]> = {
  trl: [
    trlPart('perception', (s) => s.task === 'localization', 'plain', true),
    trlPart('understanding', isSpatial, 'direct', true),
    trlPart('reasoning', isSpatial, 'think', false),
  ],
  'vlm-r1': [
    ['grounding', (s: Sample) => s.task === 'localization'],
    ['spatial', isSpatial],
  ].map(([config, filter]) => ({
    config: config as string,
    rows: (samples: readonly Sample[]) => samples.filter(filter as (s: Sample) => boolean).map(vlmR1Row),
    features: { id: 'int64', image: { list: 'string' }, conversations: { list: { struct: { from: 'string', value: 'string' } } }, question_type: 'string', data_type: 'string' },
    file: (split: string) => `${config as string}/${split}.jsonl`,
  })),
  spatialladder: [
    {
      config: 'grounding',
      rows: groundingRows,
      features: { question_id: 'int64', question: 'string', answer: { list: { struct: { bbox_2d: { list: 'int64' }, label: 'string' } } }, image: { list: 'string' }, data_type: 'string' },
      file: (split) => `${split}/${SPATIALLADDER_FILES.grounding}`,
    },
    {
      config: 'spatial',
      rows: spatialRows,
      features: { question_id: 'int64', question: 'string', options: { list: 'string' }, answer: 'string', image: { list: 'string' }, question_type: 'string', data_type: 'string' },
      file: (split) => `${split}/${SPATIALLADDER_FILES.spatial}`,
    },
  ],
};

const BODY: Record<ExportFormat, string> = {
  trl: `## Format

Conversational prompt-completion rows as TRL's SFTTrainer and GRPOTrainer read them for vision-language models.

- \`perception\`: localization questions (the localization template) -> Qwen2.5-VL \`bbox_2d\` JSON; SFT.
- \`understanding\`: the seven spatial dimensions, answered directly (option letter or number); SFT.
- \`reasoning\`: the same questions with the thinking prompt (\`<think>...</think><answer>...</answer>\`), prompt only, with \`solution\`; GRPO.

\`images\` lists the image files (TRL places them before the user text): one for single-image questions, the views of multi-view questions, the evenly spaced frames of video questions (video goes in as frames). Files are the resized images the model sees, and localization boxes are in their pixels. \`sample\` is the spatial-ladder Sample as JSON (answer, options, facts), what \`ladder serve rewards\` scores completions against.

\`\`\`python
from datasets import load_dataset, Image, List
root = "path/to/this/folder"
ds = load_dataset(root, "understanding")
ds = ds.map(lambda r: {"images": [f"{root}/{p}" for p in r["images"]]}).cast_column("images", List(Image()))
\`\`\``,
  'vlm-r1': `## Format

VLM-R1's JSON Lines: \`image\` (paths relative to this folder: pass it as \`--image_folders\`), \`conversations\` with one \`<image>\` per image, then the question and its options; the answer in the \`gpt\` turn (a letter, a number, or Qwen2.5-VL \`bbox_2d\` JSON in the pixels of the named image). Video questions carry their evenly spaced frames as images.`,
  spatialladder: `## Format

The released SpatialLadder-26k layout (field names of its dataset card, \`question_type\` of the authors' stage-3 script). Grounding boxes are in the pixels of the image file each row names (the resized image the model sees): leave out the authors' stage-1 rescaling from 1296x968. Image paths are relative to this folder (\`--image_folders\`).`,
};

async function linkOrCopy(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  await link(from, to).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code === 'EEXIST') return;
    await copyFile(from, to);
  });
}

/** Write `dataset` in `format` into `out`: data files, the media they name, README.md. Returns the files written, relative to `out`. */
export async function exportDataset(dataset: Dataset, format: ExportFormat, out: string, onMedia?: (done: number, total: number) => void): Promise<{ files: string[]; rows: Record<string, Record<string, number>> }> {
  const files: string[] = [];
  const configs: CardConfig[] = [];
  const media = new Set<string>();
  for (const part of PARTS[format]) {
    const splits: CardConfig['splits'] = {};
    for (const { name, samples } of bySplit(dataset.samples)) {
      const rows = part.rows(samples);
      const file = part.file(name);
      await writeFileAtomic(join(out, file), jsonl(rows));
      files.push(file);
      splits[name] = { path: file, rows: rows.length };
    }
    configs.push({ name: part.config, splits, features: part.features });
  }
  for (const sample of dataset.samples) for (const image of sample.media.images) media.add(image);
  let done = 0;
  for (const image of [...media].sort()) {
    await linkOrCopy(join(dataset.dir, image), join(out, image));
    onMedia?.(++done, media.size);
  }
  const title = `spatial-ladder ${String((dataset.manifest as { hash?: string }).hash ?? '')} (${format})`.replace(/\s+\(/, ' (');
  await writeFileAtomic(join(out, 'README.md'), datasetCard({ title, dataset, configs, body: BODY[format] }));
  files.push('README.md');
  return { files, rows: Object.fromEntries(configs.map((c) => [c.name, Object.fromEntries(Object.entries(c.splits).map(([s, v]) => [s, v.rows]))])) };
}

/** The SpatialLadder-26k files a dataset build writes into `<dataset>/export/<split>/` (split names as the dataset's). */
export async function writeSpatialLadderFiles(dir: string, samples: readonly Sample[]): Promise<string[]> {
  const files: string[] = [];
  const splits = ['train', 'held-out', ...(samples.some((s) => s.split === 'validation') ? ['validation' as const] : [])];
  for (const split of splits) {
    const part = samples.filter((s) => (s.split ?? 'train') === split);
    for (const [rows, name] of [
      [groundingRows(part), SPATIALLADDER_FILES.grounding],
      [spatialRows(part), SPATIALLADDER_FILES.spatial],
    ] as const) {
      const file = join('export', split, name);
      await writeFileAtomic(join(dir, file), jsonl(rows));
      files.push(file);
    }
  }
  return files;
}
