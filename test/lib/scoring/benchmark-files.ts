/**
 * Builders of small but real benchmark files for tests: parquet written with
 * hyparquet-writer in the VSI-Bench / SPBench column layout, images written
 * by sharp, videos encoded by ffmpeg from a lavfi source.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { parquetWriteFile } from 'hyparquet-writer';
import type { Policy, PolicyInput, SamplingOptions } from '../../../core/index.ts';
import { findFfmpeg } from '../../../lib/media/index.ts';

export interface BenchRow {
  id: number;
  question_type: string;
  question: string;
  ground_truth: string;
  options: string[] | null;
  scene_name: string;
  dataset?: string;
  images?: string[];
  /** VSI-Bench's full set marks the rows left out of VSI-Bench-Debiased. */
  pruned?: boolean;
}

export interface ParquetWriting {
  rowGroupSize?: number;
  /** Compression codec (default SNAPPY); others need `compressors`. */
  codec?: 'SNAPPY' | 'GZIP' | 'BROTLI';
  compressors?: Record<string, (input: Uint8Array) => Uint8Array>;
}

const string = (name: string) => ({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' }) as const;
const stringList = (name: string) => [
  { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
] as const;

/** Write rows as parquet with the benchmark's columns (dataset, images and pruned only when the rows have them). */
export function writeBenchParquet(file: string, rows: BenchRow[], { rowGroupSize = 1000, codec, compressors }: ParquetWriting = {}): void {
  mkdirSync(dirname(file), { recursive: true });
  const withDataset = rows.some((r) => r.dataset !== undefined);
  const withImages = rows.some((r) => r.images !== undefined);
  const withPruned = rows.some((r) => r.pruned !== undefined);
  const texts = ['question_type', 'question', 'ground_truth', 'scene_name', ...(withDataset ? ['dataset'] : [])] as const;
  const schema = [
    { name: 'root', num_children: 2 + texts.length + (withImages ? 1 : 0) + (withPruned ? 1 : 0) },
    { name: 'id', type: 'INT64', repetition_type: 'OPTIONAL' },
    ...texts.map(string),
    ...stringList('options'),
    ...(withImages ? stringList('images') : []),
    ...(withPruned ? [{ name: 'pruned', type: 'BOOLEAN', repetition_type: 'OPTIONAL' }] : []),
  ];
  parquetWriteFile({
    filename: file,
    schema: schema as never,
    rowGroupSize,
    codec,
    compressors: compressors as never,
    columnData: [
      { name: 'id', data: rows.map((r) => BigInt(r.id)) },
      ...texts.map((name) => ({ name, data: rows.map((r) => (r as unknown as Record<string, string>)[name] ?? null) })),
      { name: 'options', data: rows.map((r) => r.options) },
      ...(withImages ? [{ name: 'images', data: rows.map((r) => r.images ?? null) }] : []),
      ...(withPruned ? [{ name: 'pruned', data: rows.map((r) => r.pruned ?? null) }] : []),
    ],
  });
}

/** A small JPEG whose colour depends on `seed`. */
export async function writeImage(file: string, seed: number, width = 32, height = 24): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  await sharp({ create: { width, height, channels: 3, background: { r: (seed * 37) % 256, g: (seed * 91) % 256, b: 128 } } })
    .jpeg()
    .toFile(file);
}

/** A short mp4 (mpeg4 codec) whose frame n has luma 2n, so decoded frames tell their index. */
export function writeVideo(file: string, { frames = 20, width = 64, height = 48, fps = 10 } = {}): void {
  mkdirSync(dirname(file), { recursive: true });
  const run = spawnSync(
    findFfmpeg().path,
    ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `color=black:s=${width}x${height}:r=${fps},format=gray,geq=lum='N*2'`,
      '-frames:v', String(frames), '-c:v', 'mpeg4', '-q:v', '2', '-pix_fmt', 'yuv420p', file],
    { encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(`ffmpeg could not write ${file}: ${run.stderr}`);
}

const LETTERS = ['A', 'B', 'C', 'D'];

/**
 * `count` rows cycling through the given question types: numeric rows get a
 * positive answer, multiple-choice rows four options and a letter.
 */
export function benchRows(count: number, types: readonly string[], kinds: Record<string, 'NQ' | 'MCQ'>, scenes = ['scene0011_00', 'scene0015_00']): BenchRow[] {
  return Array.from({ length: count }, (_, i) => {
    const type = types[i % types.length]!;
    const scene = scenes[i % scenes.length]!;
    const numeric = kinds[type] === 'NQ';
    return {
      id: 1000 + i,
      question_type: type,
      question: `Question ${i} about ${type.replaceAll('_', ' ')}?`,
      ground_truth: numeric ? String(((i * 7) % 40) / 4 + 0.5) : LETTERS[i % 4]!,
      options: numeric ? null : LETTERS.map((l, k) => `${l}. choice ${k}`),
      scene_name: scene,
    };
  });
}

export const imagePath = (root: string, scene: string, name: string) => join(root, 'images', scene, name);

/** Write an SPBench-style benchmark under `root`: parquet plus `views` images per row under images/<scene>/. */
export async function writeSpbench(root: string, rows: BenchRow[], views = 1): Promise<BenchRow[]> {
  const withImages = rows.map((r) => ({ ...r, images: r.images ?? Array.from({ length: views }, (_, v) => `${r.id}_${v}.jpg`) }));
  writeBenchParquet(join(root, 'SPBench.parquet'), withImages);
  const written = new Set<string>();
  for (const row of withImages)
    for (const name of row.images) {
      const file = imagePath(root, row.scene_name, name);
      if (!written.has(file) && !name.includes('..')) await writeImage(file, row.id);
      written.add(file);
    }
  return withImages;
}

export const SPBENCH_SI_TYPES = ['object_abs_distance', 'object_size_estimation', 'object_rel_distance', 'object_rel_direction'];
export const SPBENCH_MV_TYPES = ['object_counting', ...SPBENCH_SI_TYPES];

/**
 * A policy that answers each question with `write(its reference answer)`
 * (by default "<answer>. because", which lmms-eval's and SpatialLadder's
 * parsers read as right) and records what it was asked and how.
 */
export class AnswerWriter implements Policy {
  readonly seen: { input: PolicyInput; sampling: SamplingOptions }[] = [];
  constructor(
    readonly id = 'asked',
    readonly acceptsVideo = false,
    private readonly write = (answer: string) => `${answer}. because`,
  ) {}
  /** The same for frames and video: the recorded media alone keeps their predictions apart. */
  fingerprint() {
    return `asked:${this.id}`;
  }
  async generate(inputs: PolicyInput[], sampling: SamplingOptions) {
    this.seen.push(...inputs.map((input) => ({ input, sampling })));
    return inputs.map((input) => [{ text: this.write(input.reference!.answer) }]);
  }
}
