import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet';
import { parseQuestionRow, parquetIn, QUESTION_TYPES, readParquetTable } from '../../../lib/scoring/index.ts';
import { tempDir } from '../../helpers/temp.ts';
import { benchRows, writeBenchParquet } from './benchmark-files.ts';

const COLUMNS = ['id', 'scene_name', 'question_type', 'question', 'ground_truth', 'options'];

test('rows are read back with list columns, nulls and int64 ids', async (t) => {
  const file = join(tempDir(t), 'b.parquet');
  writeBenchParquet(file, benchRows(6, ['object_counting', 'object_rel_distance'], QUESTION_TYPES), { rowGroupSize: 4 });
  const table = await readParquetTable(file, COLUMNS);
  t.is(table.rows.length, 6);
  t.deepEqual(table.problems, []);
  const [numeric, choice] = table.rows.map((r) => parseQuestionRow(r.values, r.index));
  t.deepEqual(numeric, { id: '1000', type: 'object_counting', kind: 'NQ', question: 'Question 0 about object counting?', answer: '0.5', scene: 'scene0011_00' });
  t.deepEqual(choice!.options, ['A. choice 0', 'B. choice 1', 'C. choice 2', 'D. choice 3']);
  t.is(choice!.answer, 'B');
});

test('files compressed with gzip, brotli (hyparquet-writer) or zstd (pyarrow, as polars and many re-saves write) read like snappy', async (t) => {
  const dir = tempDir(t);
  const rows = benchRows(6, ['object_counting', 'object_rel_distance'], QUESTION_TYPES);
  const compressors = { GZIP: (b: Uint8Array) => gzipSync(b), BROTLI: (b: Uint8Array) => brotliCompressSync(b) };
  for (const codec of ['SNAPPY', 'GZIP', 'BROTLI'] as const) {
    const file = join(dir, `${codec}.parquet`);
    writeBenchParquet(file, rows, { codec, compressors });
    const codecs = (await parquetMetadataAsync(await asyncBufferFromFile(file))).row_groups[0]!.columns.map((c) => c.meta_data!.codec);
    t.true(codecs.every((c) => c === codec), `${codec}: written as ${codecs.join(', ')}`);
    const table = await readParquetTable(file, COLUMNS);
    t.deepEqual(table.problems, [], codec);
    t.deepEqual(table.rows.map((r) => parseQuestionRow(r.values, r.index).answer), ['0.5', 'B', '4', 'D', '7.5', 'B'], codec);
  }
  const zstd = join(import.meta.dirname, '..', '..', 'fixtures', 'parquet', 'vsi-zstd.parquet');
  const table = await readParquetTable(zstd, [...COLUMNS, 'pruned']);
  t.deepEqual(table.problems, []);
  t.deepEqual(table.rows.map((r) => [parseQuestionRow(r.values, r.index).answer, r.values.pruned]), [['4', false], ['B', true], ['A', false], ['1.6', false]]);
});

test('a corrupt or truncated file, or a missing column, is an error naming the file', async (t) => {
  const dir = tempDir(t);
  const garbage = join(dir, 'garbage.parquet');
  writeFileSync(garbage, 'PAR1 this is not parquet at all PAR1');
  await t.throwsAsync(readParquetTable(garbage, COLUMNS), { message: /garbage\.parquet: not a readable parquet file/ });
  const good = join(dir, 'good.parquet');
  writeBenchParquet(good, benchRows(3, ['object_counting'], QUESTION_TYPES));
  const truncated = join(dir, 'truncated.parquet');
  writeFileSync(truncated, readFileSync(good).subarray(0, 100));
  await t.throwsAsync(readParquetTable(truncated, COLUMNS), { message: /truncated\.parquet: not a readable parquet file/ });
  await t.throwsAsync(readParquetTable(good, [...COLUMNS, 'images']), { message: /good\.parquet: missing column\(s\) images/ });
  await t.throwsAsync(readParquetTable(join(dir, 'none.parquet'), COLUMNS), { message: /none\.parquet: no such parquet file/ });
});

test('a damaged row group costs its rows only', async (t) => {
  const file = join(tempDir(t), 'b.parquet');
  writeBenchParquet(file, benchRows(12, ['object_counting', 'object_rel_distance'], QUESTION_TYPES), { rowGroupSize: 4 });
  const metadata = await parquetMetadataAsync(await asyncBufferFromFile(file));
  const chunk = metadata.row_groups[1]!.columns.find((c) => c.meta_data!.path_in_schema[0] === 'question_type')!.meta_data!;
  const bytes = readFileSync(file);
  bytes.fill(0xff, Number(chunk.data_page_offset), Number(chunk.data_page_offset) + 6); // break its page header
  writeFileSync(file, bytes);
  const table = await readParquetTable(file, COLUMNS);
  t.deepEqual(table.rows.map((r) => r.index), [0, 1, 2, 3, 8, 9, 10, 11]);
  t.is(table.problems.length, 1);
  t.is(table.problems[0]!.id, 'b.parquet:rows 4-7');
  t.regex(table.problems[0]!.message, /row group 1 \(rows 4-7\) cannot be decoded/);
});

test('row validation names the field', (t) => {
  const base = { id: 7n, question_type: 'object_rel_distance', question: 'q', ground_truth: 'B', scene_name: 's', options: ['A. x', 'B. y', 'C. z'] };
  const error = (values: Record<string, unknown>) => t.throws(() => parseQuestionRow({ ...base, ...values }, 0))!.message;
  t.is(error({ question_type: 'object_height' }).split(' (')[0], 'unknown question_type "object_height"');
  t.regex(error({ ground_truth: 'D' }), /option count mismatch: ground_truth "D" is not one of the 3 option letters \(A, B, C\)/);
  t.regex(error({ options: ['A. x'] }), /needs a list of at least two options/);
  t.regex(error({ options: null }), /needs a list of at least two options, got null/);
  t.regex(error({ options: ['A. x', 'C. y'] }), /options\[1\]: "C. y" should start with "B."/);
  t.regex(error({ question_type: 'object_counting', ground_truth: '3' }), /a numeric question \(object_counting\) has 3 options/);
  t.regex(error({ question_type: 'object_counting', options: null, ground_truth: 'three' }), /ground_truth "three" is not a number/);
  t.regex(error({ question_type: 'object_counting', options: null, ground_truth: '-2' }), /numeric answers must be positive/);
  t.regex(error({ question_type: 'object_counting', options: null, ground_truth: '0' }), /numeric answers must be positive/);
  t.regex(error({ id: undefined }), /id: missing/);
  t.regex(error({ question: '' }), /question: missing or empty/);
  t.regex(error({ scene_name: undefined }), /scene_name: missing/);
  t.regex(error({ ground_truth: null }), /ground_truth: missing/);
  t.is(parseQuestionRow({ ...base, question_type: 'room_size_estimation', options: [], ground_truth: 12.5 }, 0).answer, '12.5');
});

test('parquetIn finds the one parquet file or says what it found', (t) => {
  const dir = tempDir(t);
  t.throws(() => parquetIn(dir), { message: /expected one \.parquet file, found none \(set the `parquet` option\)/ });
  writeFileSync(join(dir, 'a.parquet'), '');
  t.is(parquetIn(dir), join(dir, 'a.parquet'));
  writeFileSync(join(dir, 'b.parquet'), '');
  t.throws(() => parquetIn(dir), { message: /found a\.parquet, b\.parquet/ });
  t.is(parquetIn(dir, 'b.parquet'), join(dir, 'b.parquet'));
});

test("parquetIn takes the release's file when a download holds several (VSI-Bench: the full set beside its subsets)", (t) => {
  const dir = tempDir(t);
  const fullSet = (f: string) => /^test-\d+-of-\d+\.parquet$/.test(f);
  for (const name of ['test_debiased.parquet', 'test_pruned.parquet', 'test-00000-of-00001.parquet']) writeFileSync(join(dir, name), '');
  t.is(parquetIn(dir, undefined, fullSet), join(dir, 'test-00000-of-00001.parquet'));
  t.throws(() => parquetIn(dir), { message: /found test-00000-of-00001\.parquet, test_debiased\.parquet, test_pruned\.parquet \(set the `parquet` option\)/ });
  t.is(parquetIn(dir, 'test_debiased.parquet', fullSet), join(dir, 'test_debiased.parquet'));
  writeFileSync(join(dir, 'test-00001-of-00002.parquet'), '');
  t.throws(() => parquetIn(dir, undefined, fullSet), { message: /expected one \.parquet file/ }, 'two files of the release: the user says which');
});
