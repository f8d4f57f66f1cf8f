import test from 'ava';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLadder, readJsonLines, runCurriculum, type MetricEvent } from '../../../core/index.ts';
import { CSV_HEADER, csvRows, openCsv } from '../../../plugins/tracker-csv/index.ts';
import { tempDir } from '../../helpers/temp.ts';
import { toyConfig, toyPlugins } from '../../helpers/toy-ladder.ts';

/** A CSV parser for the rows the tracker writes (quoted fields with "" escapes). */
const parseCsv = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)].slice(0, -1).map((m) => (m[1]!.startsWith('"') ? m[1]!.slice(1, -1).replace(/""/g, '"') : m[1]!)));

test('one row per numeric field of each metric event: stage (or evaluation point), step, metric, value', (t) => {
  t.is(csvRows({ event: 'step', stage: 'reasoning', step: 3, time: 12.5, loss: 0.25, backend: 'wasm', kl: 1e-7 }), '12.5,step,reasoning,3,loss,0.25\n12.5,step,reasoning,3,kl,1e-7\n');
  t.is(csvRows({ event: 'evaluate', point: 'base', benchmark: 'spbench,si', nq: 1, mcq: 2, avg: 1.5, time: 1 }), '1,evaluate,base,,"spbench,si/nq",1\n1,evaluate,base,,"spbench,si/mcq",2\n1,evaluate,base,,"spbench,si/avg",1.5\n');
});

test('a run with tracker-csv writes metrics.csv holding every number of metrics.jsonl; a resumed run appends', async (t) => {
  const runs = tempDir(t);
  const make = (failOnce: string[]) =>
    createLadder({ ...toyConfig(runs), plugins: [...toyPlugins({ stageRuns: [], evaluations: [], failOnce: new Set(failOnce) }), 'tracker-csv'] }, { defaults: [] });
  await t.throwsAsync(runCurriculum(await make(['second'])), { message: /simulated crash in second/ });
  await runCurriculum(await make([]), { resume: true });
  const [header, ...rows] = parseCsv(readFileSync(join(runs, 'toy', 'metrics.csv'), 'utf8'));
  t.deepEqual(header, CSV_HEADER.split(','));
  const metrics = readJsonLines<MetricEvent>(join(runs, 'toy', 'metrics.jsonl'));
  const expected = metrics.flatMap((m) =>
    Object.entries(m)
      .filter(([k, v]) => typeof v === 'number' && !['time', 'step'].includes(k))
      .map(([k, v]) => [String(m.time), m.event, String(m.stage ?? m.point ?? ''), m.step === undefined ? '' : String(m.step), m.benchmark ? `${m.benchmark}/${k}` : k, String(v)]),
  );
  t.deepEqual(rows, expected);
  t.deepEqual(rows.filter((r) => r[4] === 'loss').map((r) => [r[2], r[3], r[5]]), [['first', '1', '2'], ['first', '2', '1'], ['first', '3', '0'], ['second', '1', '2'], ['second', '2', '1'], ['second', '3', '0']]);
});

test('a resumed run that repeats events (the steps after its last checkpoint) rewrites them, as metrics.jsonl does; a torn row is cut', async (t) => {
  const file = join(tempDir(t), 'metrics.csv');
  const step = (n: number, loss: number): MetricEvent => ({ event: 'step', stage: 'sft', step: n, time: n, loss, lr: 0.1 });
  const first = await openCsv(file);
  await first.write([{ event: 'stage-start', stage: 'sft', time: 0 }, step(1, 4), step(2, 3), step(3, 2)]);
  appendFileSync(file, '4,step,sft,4,lo'); // killed mid-row
  const resumed = await openCsv(file); // the checkpoint was at step 1: steps 2 and 3 come again
  await resumed.write([step(2, 3.5), step(3, 2.5)]);
  await resumed.write([step(4, 1.5)]);
  t.is(
    readFileSync(file, 'utf8'),
    `${CSV_HEADER}\n1,step,sft,1,loss,4\n1,step,sft,1,lr,0.1\n2,step,sft,2,loss,3.5\n2,step,sft,2,lr,0.1\n3,step,sft,3,loss,2.5\n3,step,sft,3,lr,0.1\n4,step,sft,4,loss,1.5\n4,step,sft,4,lr,0.1\n`,
  );
});
