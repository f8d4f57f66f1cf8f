/**
 * Event files checked by TensorBoard's own reader (EventAccumulator, which
 * verifies the record CRCs), run in Python: the interpreter of the TRL
 * engine's environment (`npx ladder setup trl`, whose pinned requirements
 * include tensorboard); a test fails saying so when it is not set up.
 */
import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLadder, readJsonLines, runCurriculum, type MetricEvent } from '../../../core/index.ts';
import { crc32c, fileVersionEvent, maskedCrc32c, readRecords, scalarEvent, tfRecord } from '../../../plugins/tracker-tensorboard/event-file.ts';
import { openEventFile, scalarsOf } from '../../../plugins/tracker-tensorboard/index.ts';
import { requirePython } from '../../helpers/engine-trl.ts';
import { tempDir } from '../../helpers/temp.ts';
import { toyConfig, toyPlugins } from '../../helpers/toy-ladder.ts';

const READ = `
import json, sys
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
ea = EventAccumulator(sys.argv[1], size_guidance={'scalars': 0})
ea.Reload()
print(json.dumps({'version': ea.file_version, 'scalars': {t: [[e.wall_time, e.step, e.value] for e in ea.Scalars(t)] for t in ea.Tags()['scalars']}}))
`;

type Read = { version: number; scalars: Record<string, [number, number, number][]> };
let python: string | undefined;
/** The event files of `dir` as TensorBoard reads them. */
const read = (t: ExecutionContext, dir: string): Read => {
  python ??= requirePython(t);
  const run = spawnSync(python, ['-c', READ, dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) t.fail(`TensorBoard could not read ${dir}:\n${run.stderr}`);
  return JSON.parse(run.stdout) as Read;
};

test('CRC-32C and the TFRecord framing follow the published format', (t) => {
  t.is(crc32c(Buffer.from('123456789')), 0xe3069283, 'the CRC-32C check value');
  const data = Buffer.from('abc');
  const record = tfRecord(data);
  t.is(record.length, 8 + 4 + 3 + 4);
  t.is(record.readBigUInt64LE(0), 3n);
  const crc = crc32c(record.subarray(0, 8));
  t.is(record.readUInt32LE(8), (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0);
  t.is(record.readUInt32LE(15), maskedCrc32c(data));
});

test('TensorBoard reads hand-encoded events: file version, wall times, steps past 2^32, float32 values; a bad CRC ends the file', async (t) => {
  const dir = tempDir(t);
  const good = join(dir, 'good');
  mkdirSync(good);
  const steps = [0, 7, 2 ** 32 + 5, 2 ** 40];
  const records = [
    tfRecord(fileVersionEvent(1_700_000_000.25)),
    ...steps.map((step, i) => tfRecord(scalarEvent(1_700_000_001.5 + i, step, [['stage/loss', 1 / (i + 3)], ['stage/lr', -1e-4 * i]]))),
  ];
  writeFileSync(join(good, 'events.out.tfevents.1.test'), Buffer.concat(records));
  const { version, scalars } = read(t, good);
  t.is(version, 2);
  t.deepEqual(scalars['stage/loss'], steps.map((step, i) => [1_700_000_001.5 + i, step, Math.fround(1 / (i + 3))]));
  t.deepEqual(scalars['stage/lr']!.map((s) => s[2]), steps.map((_, i) => Math.fround(-1e-4 * i)));

  const bad = join(dir, 'bad');
  mkdirSync(bad);
  const broken = Buffer.concat(records);
  broken[broken.length - 1]! ^= 1; // the last record's data CRC
  writeFileSync(join(bad, 'events.out.tfevents.1.test'), broken);
  t.deepEqual(read(t, bad).scalars['stage/loss']!.map((s) => s[1]), steps.slice(0, -1), 'the reader checks the CRC we wrote');
});

test('a run with tracker-tensorboard: every numeric metric of metrics.jsonl is a TensorBoard scalar at its step; evaluations at their point', async (t) => {
  const runs = tempDir(t);
  const counters = { stageRuns: [], evaluations: [], failOnce: new Set<string>() };
  const config = { ...toyConfig(runs), plugins: [...toyPlugins(counters), 'tracker-tensorboard'] };
  await runCurriculum(await createLadder(config, { defaults: [] }));
  const dir = join(runs, 'toy', 'tensorboard');
  t.is(readdirSync(dir).filter((f) => f.startsWith('events.out.tfevents.')).length, 1);
  const { scalars } = read(t, dir);

  const metrics = readJsonLines<MetricEvent>(join(runs, 'toy', 'metrics.jsonl'));
  const expected: Record<string, [number, number, number][]> = {};
  for (const m of metrics.filter((m) => m.event === 'step')) (expected[`${m.stage}/loss`] ??= []).push([m.time, m.step!, m.loss as number]);
  const points = ['base', 'first', 'second'];
  for (const m of metrics.filter((m) => m.event === 'evaluate'))
    for (const [key, field] of [['NQ', 'nq'], ['MCQ', 'mcq'], ['Avg', 'avg']] as const)
      (expected[`eval/exact/${key}`] ??= []).push([m.time, points.indexOf(m.point as string), m[field] as number]);
  t.deepEqual(scalars, expected);
  t.deepEqual(scalars['first/loss']!.map((s) => s[1]), [1, 2, 3]);
  t.deepEqual(scalars['eval/exact/Avg']!.map((s) => [s[1], s[2]]), [[0, 0], [1, 50], [2, 100]]);
});

test('logDir puts each run in <logDir>/<run name>/, so one TensorBoard compares runs', async (t) => {
  const root = tempDir(t);
  const logDir = join(root, 'tb');
  for (const name of ['a', 'b']) {
    const counters = { stageRuns: [], evaluations: [], failOnce: new Set<string>() };
    const config = { ...toyConfig(join(root, 'runs')), name, plugins: [...toyPlugins(counters), ['tracker-tensorboard', { logDir }]] };
    await runCurriculum(await createLadder(config as never, { defaults: [] }));
  }
  t.deepEqual(readdirSync(logDir).sort(), ['a', 'b']);
  t.deepEqual(read(t, join(logDir, 'b')).scalars['second/loss']!.map((s) => s[2]), [2, 1, 0]);
  t.false(readdirSync(join(root, 'runs', 'a')).includes('tensorboard'));
  t.true(readFileSync(join(root, 'runs', 'a', 'config.json'), 'utf8').includes('tracker-tensorboard'));
});

test('a resumed run continues the file: repeated steps replace their earlier records, a torn record is cut, TensorBoard sees each step once', async (t) => {
  const dir = tempDir(t);
  const run = { name: 'r', dir, seed: 1, curriculum: [{ name: 'sft', kind: 'sft', data: [{}], options: {}, evaluate: true }] };
  const step = (n: number, loss: number): MetricEvent => ({ event: 'step', stage: 'sft', step: n, time: 1_700_000_000 + n, loss });
  const first = await openEventFile(dir, run);
  await first.write([step(1, 4), step(2, 3), step(3, 2)]);
  await first.close!();
  const [file] = readdirSync(dir);
  appendFileSync(join(dir, file!), tfRecord(scalarEvent(1, 4, [['sft/loss', 9]])).subarray(0, 20)); // killed mid-record
  const resumed = await openEventFile(dir, run); // the last checkpoint was at step 1: steps 2 and 3 come again
  await resumed.write([step(2, 3.5), step(3, 2.5)]);
  await resumed.write([step(4, 1.5), { event: 'evaluate', point: 'sft', benchmark: 'b', nq: 1, mcq: 2, avg: 1.5, time: 1_700_000_009 }]);
  await resumed.close!();
  t.deepEqual(readdirSync(dir), [file]);
  const { scalars } = read(t, dir);
  t.deepEqual(scalars['sft/loss']!.map((s) => [s[1], s[2]]), [[1, 4], [2, 3.5], [3, 2.5], [4, 1.5]]);
  t.deepEqual(scalars['eval/b/Avg']!.map((s) => [s[1], s[2]]), [[1, 1.5]]);
  t.deepEqual(readRecords(readFileSync(join(dir, file!))).records.map((r) => r.step), [0, 1, 2, 3, 4, 1]);
});

test('scalars of a training step: every numeric field, strings left out', (t) => {
  const run = { name: 'r', dir: '/r', seed: 1, curriculum: [{ name: 'reasoning', kind: 'grpo', data: [{}], options: {}, evaluate: true }] };
  const step = { event: 'step', stage: 'reasoning', step: 4, time: 5, loss: 0.5, reward_mean: 1.25, kl: 0.01, backend: 'wasm', epoch: 0 };
  t.deepEqual(scalarsOf(step, run), [4, [['reasoning/loss', 0.5], ['reasoning/reward_mean', 1.25], ['reasoning/kl', 0.01], ['reasoning/epoch', 0]]]);
  t.deepEqual(scalarsOf({ event: 'evaluate', point: 'reasoning', benchmark: 'held-out', nq: 1, mcq: 2, avg: 1.5, time: 6 }, run), [1, [['eval/held-out/NQ', 1], ['eval/held-out/MCQ', 2], ['eval/held-out/Avg', 1.5]]]);
  t.is(scalarsOf({ event: 'stage-start', stage: 'reasoning', kind: 'grpo', time: 1 }, run), undefined);
});
