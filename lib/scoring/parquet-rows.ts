/**
 * Benchmark files in the VSI-Bench layout (VSI-Bench, SPBench-SI/MV): parquet
 * rows `id, dataset, scene_name, question_type, question, ground_truth,
 * options` (+ `images` for SPBench), read with hyparquet one row group at a
 * time, so a damaged row group costs its rows, not the benchmark. Every
 * codec parquet allows is read (snappy, gzip, brotli, zstd, lz4), whichever
 * tool wrote the file.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { optionLetters } from './extract.ts';
import { pythonFloat } from './python-numerics.ts';
import type { EvalRow } from './evaluate.ts';

/** A row that could not be read or validated: reported, not scored. */
export interface RowProblem {
  id: string;
  message: string;
}

/** Question types of VSI-Bench and SPBench and how each is scored. */
export const QUESTION_TYPES: Readonly<Record<string, 'NQ' | 'MCQ'>> = {
  object_counting: 'NQ',
  object_abs_distance: 'NQ',
  object_size_estimation: 'NQ',
  room_size_estimation: 'NQ',
  object_rel_distance: 'MCQ',
  object_rel_direction: 'MCQ',
  object_rel_direction_easy: 'MCQ',
  object_rel_direction_medium: 'MCQ',
  object_rel_direction_hard: 'MCQ',
  route_planning: 'MCQ',
  obj_appearance_order: 'MCQ',
};

export interface ParquetTable {
  file: string;
  /** Rows of the readable row groups, with their index in the file. */
  rows: { index: number; values: Record<string, unknown> }[];
  /** One entry per unreadable row group. */
  problems: RowProblem[];
}

/**
 * Read every row of a parquet file. Throws (naming the file) when the file is
 * missing, its footer is unreadable or a required column is absent; a row
 * group that fails to decode becomes a problem and the others are read.
 */
export async function readParquetTable(file: string, required: readonly string[]): Promise<ParquetTable> {
  if (!existsSync(file)) throw new Error(`${file}: no such parquet file`);
  const buffer = await asyncBufferFromFile(file);
  let metadata;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (error) {
    throw new Error(`${file}: not a readable parquet file (${(error as Error).message})`);
  }
  const columns = parquetSchema(metadata).children.map((c) => c.element.name);
  const missing = required.filter((c) => !columns.includes(c));
  if (missing.length) throw new Error(`${file}: missing column(s) ${missing.join(', ')} (columns: ${columns.join(', ')})`);
  const table: ParquetTable = { file, rows: [], problems: [] };
  let start = 0;
  for (const [group, rowGroup] of metadata.row_groups.entries()) {
    const end = start + Number(rowGroup.num_rows);
    try {
      const objects = await parquetReadObjects({ file: buffer, metadata, rowStart: start, rowEnd: end, compressors });
      objects.forEach((values, i) => table.rows.push({ index: start + i, values }));
    } catch (error) {
      table.problems.push({
        id: `${basename(file)}:rows ${start}-${end - 1}`,
        message: `row group ${group} (rows ${start}-${end - 1}) cannot be decoded: ${(error as Error).message}`,
      });
    }
    start = end;
  }
  return table;
}

/**
 * The benchmark's parquet file in `dir`: `name` when given; else the one file
 * `release` accepts (a download that holds several, e.g. VSI-Bench's full set
 * beside its debiased and pruned subsets); else the one `*.parquet` file.
 * Throws listing what it found otherwise.
 */
export function parquetIn(dir: string, name?: string, release?: (file: string) => boolean): string {
  if (name) return join(dir, name);
  if (!existsSync(dir)) throw new Error(`${dir}: no such directory`);
  const found = readdirSync(dir).filter((f) => f.endsWith('.parquet')).sort();
  const released = release ? found.filter(release) : [];
  const chosen = released.length === 1 ? released : found;
  if (chosen.length !== 1)
    throw new Error(`${dir}: expected one .parquet file, found ${found.length ? found.join(', ') : 'none'} (set the \`parquet\` option)`);
  return join(dir, chosen[0]!);
}

/** A validated VSI-Bench style question. */
export interface QuestionRow {
  id: string;
  type: string;
  kind: 'NQ' | 'MCQ';
  question: string;
  /** Options as written ("A. sofa"); undefined for numeric questions. */
  options?: string[];
  /** A letter, or a number as text. */
  answer: string;
  scene: string;
}

const text = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** A row's id as text (parquet int64 ids arrive as bigint), or undefined when it has none. */
const idText = (id: unknown): string | undefined =>
  typeof id === 'string' || typeof id === 'number' || typeof id === 'bigint' ? String(id) : undefined;

/** Validate one row; throws a message naming the bad field. */
export function parseQuestionRow(values: Record<string, unknown>, index: number): QuestionRow {
  const id = idText(values.id);
  if (id === undefined) throw new Error(`id: missing or not a number/string (${JSON.stringify(values.id)})`);
  const type = values.question_type;
  if (!text(type) || !(type in QUESTION_TYPES))
    throw new Error(`unknown question_type ${JSON.stringify(type)} (known: ${Object.keys(QUESTION_TYPES).join(', ')})`);
  const kind = QUESTION_TYPES[type]!;
  if (!text(values.question)) throw new Error('question: missing or empty');
  if (!text(values.scene_name)) throw new Error('scene_name: missing or empty');
  const truth = values.ground_truth;
  if (!(typeof truth === 'string' || typeof truth === 'number' || typeof truth === 'bigint')) throw new Error('ground_truth: missing');
  const answer = String(truth);
  const options = values.options;
  if (kind === 'NQ') {
    if (Array.isArray(options) && options.length) throw new Error(`options: a numeric question (${type}) has ${options.length} options`);
    const value = pythonFloat(answer);
    if (value === null || !Number.isFinite(value)) throw new Error(`ground_truth ${JSON.stringify(answer)} is not a number`);
    if (!(value > 0)) throw new Error(`ground_truth ${answer}: numeric answers must be positive (relative accuracy divides by it)`);
    return { id, type, kind, question: values.question as string, answer, scene: values.scene_name as string };
  }
  if (!Array.isArray(options) || options.length < 2 || !options.every(text))
    throw new Error(`options: a multiple-choice question (${type}) needs a list of at least two options, got ${JSON.stringify(options ?? null)}`);
  const letters = optionLetters(options);
  options.forEach((option, i) => {
    if (!option.startsWith(`${letters[i]}.`)) throw new Error(`options[${i}]: ${JSON.stringify(option)} should start with "${letters[i]}."`);
  });
  if (!letters.includes(answer.trim()))
    throw new Error(`option count mismatch: ground_truth ${JSON.stringify(answer)} is not one of the ${options.length} option letters (${letters.join(', ')})`);
  return { id, type, kind, question: values.question as string, options: options as string[], answer, scene: values.scene_name as string };
}

/**
 * Benchmark items of a parquet file: each readable row validated and turned
 * into an evaluation row by `build` (its answer kind follows from the
 * question type), or a problem naming the row and the bad field; unreadable
 * row groups are problems too; rows `keep` refuses are not part of the
 * benchmark (a subset of the file). File-level failures throw.
 */
export async function parquetItems(
  file: string,
  columns: readonly string[],
  build: (question: QuestionRow, values: Record<string, unknown>) => Omit<EvalRow, 'answerKind'>,
  keep: (values: Record<string, unknown>) => boolean = () => true,
): Promise<(EvalRow | RowProblem)[]> {
  const table = await readParquetTable(file, columns);
  const items: (EvalRow | RowProblem)[] = table.rows.filter(({ values }) => keep(values)).map(({ index, values }) => {
    try {
      const question = parseQuestionRow(values, index);
      return { ...build(question, values), answerKind: question.kind === 'NQ' ? 'number' : 'choice' };
    } catch (error) {
      return { id: idText(values.id) ?? `row ${index}`, message: (error as Error).message };
    }
  });
  return [...items, ...table.problems];
}
