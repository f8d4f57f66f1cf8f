import test from 'ava';
import sharp from 'sharp';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { appendJsonLine, createLadder, readRunState, RunDirectory, summarizeAblation, writeFileAtomic, type AblationRun, type BenchmarkReport, type MetricEvent } from '../../../core/index.ts';
import { ablationPairedTables, pairedTables } from '../../../lib/analysis/index.ts';
import runReport, { dominantAnswerLines, rewardTrends, stageSeries } from '../../../plugins/run-report/index.ts';
import { tempDir } from '../../helpers/temp.ts';

const step = (stage: string, s: number, fields: Record<string, number>): MetricEvent => ({ event: 'step', stage, step: s, time: 0, ...fields });

test('stages are laid end to end on one step axis; stages without the key are left out', (t) => {
  const events = [step('perception', 1, { loss: 3 }), step('perception', 2, { loss: 2 }), { event: 'stage-end', stage: 'perception', time: 0 }, step('reasoning', 1, { loss: 1, reward_mean: 0.5 }), step('reasoning', 2, { loss: 0.5, reward_mean: 0.9 })];
  t.deepEqual(stageSeries(events, 'loss'), [
    { name: 'perception', points: [[1, 3], [2, 2]] },
    { name: 'reasoning', points: [[3, 1], [4, 0.5]] },
  ]);
  t.deepEqual(stageSeries(events, 'reward_mean'), [{ name: 'reasoning', points: [[3, 0.5], [4, 0.9]] }]);
  t.deepEqual(stageSeries(events, 'reward_mean', true), [{ name: 'reasoning', points: [[1, 0.5], [2, 0.9]] }], 'local: on the stage\'s own steps');
  t.deepEqual(stageSeries(events, 'loss', true).map((s) => s.points[0]), [[1, 3], [1, 1]]);
});

test("reward trends: first and last fifth of each stage's reward components, the change in standard errors", (t) => {
  // 10 GRPO steps: fifths of 2; accuracy 0.2, 0.4 first and 0.6, 0.8 last (variances 0.02: SE 0.1414, z 2.83); format flat
  const accuracy = [0.2, 0.4, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.6, 0.8];
  const events = [step('understanding', 1, { loss: 1 }), ...accuracy.map((a, i) => step('reasoning', i + 1, { reward_mean: a + 1, reward_std: 0.3, reward_accuracy: a, reward_format: 1 }))];
  t.deepEqual(rewardTrends(events), [
    'reasoning: reward_accuracy 0.300 -> 0.700, first -> last fifth of 10 steps (+0.400, z 2.8: a rise beyond step noise)',
    'reasoning: reward_format 1.000 -> 1.000, first -> last fifth of 10 steps (+0.000, z 0.0: within step noise)',
  ]);
  t.deepEqual(rewardTrends(events.slice(0, 10)), [], 'under 10 steps: no trend');
});

const report = (): BenchmarkReport => ({ benchmark: 'held-out', scores: [], nq: 0, mcq: 0, avg: 0 });

test('dominant answers: types answered one way to at least 90% of their questions, per point and benchmark, controls left out', (t) => {
  const dir = tempDir(t);
  const write = (folder: string, rows: { type: string; extracted: unknown; prediction?: string }[]) => rows.forEach((r) => appendJsonLine(join(dir, 'eval', folder, 'predictions.jsonl'), r));
  const rows = (type: string, answers: unknown[]) => answers.map((extracted) => ({ type, extracted }));
  // counting: "1" to 9 of 10 (90%); size: 8 of 10 (under 90%); direction: "A" to all 9 (under 10 questions); unparsed answers do not count;
  // localization by its boxes: after stage 3 the same box for 11 of 12 objects (one answer names two), after stage 2 a box of its own for each
  const counting = rows('object-counting', [...Array(9).fill(1), 2, null, null]);
  write('understanding/held-out', [...counting, ...rows('object-size', [...Array(8).fill(50), 60, 70]), ...rows('relative-direction', Array(9).fill('A')), ...Array.from({ length: 12 }, (_, i) => ({ type: 'localization', extracted: null, prediction: `[{"bbox_2d":[${i},0,9,9],"label":"door"}]` }))]);
  write('understanding/held-out-blind', rows('object-size', Array(12).fill(50)));
  write('reasoning/held-out', [...rows('object-size', Array(10).fill(46)), ...rows('appearance-order', [...Array(10).fill('B'), 'C']), ...Array(9).fill({ type: 'localization', extracted: null, prediction: '[{"bbox_2d":[0,0,335,251],"label":"door"}]\n' }), { type: 'localization', extracted: null, prediction: '[{"bbox_2d":[0,0,335,251],"label":"door"},{"bbox_2d":[0,0,335,251],"label":"door"}]' }, { type: 'localization', extracted: null, prediction: '[{"bbox_2d":[1,2,3,4],"label":"bed"}]' }, { type: 'localization', extracted: null, prediction: '[{"bbox_2d":[0,0,335' }]);
  write('chance/held-out', rows('object-size', Array(12).fill(50)));
  const run = new RunDirectory(dirname(dir), basename(dir));
  t.deepEqual(dominantAnswerLines(run), [], 'no state.json: nothing recorded');
  // the run recorded the base (no predictions written), understanding and reasoning; blind and chance apart
  run.saveState({ status: 'done', stages: [], evaluations: { base: { 'held-out': report() }, understanding: { 'held-out': report() }, reasoning: { 'held-out': report() } }, blind: { understanding: { 'held-out': report() } }, chance: { 'held-out': report() } });
  t.deepEqual(dominantAnswerLines(run), [
    'understanding, held-out: one answer whatever the question: object-counting "1" to 9 of 10',
    'reasoning, held-out: one answer whatever the question: object-size "46" to 10 of 10, appearance-order "B" to 10 of 11, localization "[0,0,335,251] door" to 11 of 12',
  ]);
});

test('done writes the loss and reward PNGs; compare writes the ablation chart', async (t) => {
  const dir = tempDir(t);
  for (const [s, loss] of [[1, 2], [2, 1]] as const) appendJsonLine(join(dir, 'metrics.jsonl'), step('understanding', s, { loss }));
  appendJsonLine(join(dir, 'metrics.jsonl'), step('reasoning', 1, { loss: 0.8, reward_mean: 1.2, reward_std: 0.4 }));
  const ladder = await createLadder({ plugins: [runReport({ width: 400, height: 300 })] }, { defaults: [] });
  await ladder.hooks.done.promise({ name: 'r', dir, seed: 1, curriculum: [] });
  for (const file of ['loss.png', 'reward_mean.png', 'reward_std.png']) {
    const meta = await sharp(join(dir, 'plots', file)).metadata();
    t.deepEqual([meta.format, meta.width, meta.height], ['png', 400, 300], file);
  }
  const report = (avg: number) => ({ benchmark: 'held-out', scores: [], nq: avg, mcq: avg, avg });
  await ladder.hooks.compare.promise(
    summarizeAblation([{ variant: 'progressive', seed: 1, name: 'p', dir: '/p', stages: ['a'], point: 'a', final: { 'held-out': report(40) } }], dir),
  );
  t.true(existsSync(join(dir, 'ablation.png')));
});

test('paired differences: per point, against its controls, the references and the point before; report.md gets the table', async (t) => {
  const dir = tempDir(t);
  const run = new RunDirectory(dirname(dir), basename(dir));
  // 120 questions of two types; `right` of each type's rows score 1, by row
  const write = (folder: string, right: number) => {
    for (const type of ['object-counting', 'relative-direction'])
      for (let i = 0; i < 60; i++) appendJsonLine(join(dir, 'eval', folder, 'predictions.jsonl'), { id: `${type}/${i}`, type, score: i < right ? 1 : 0 });
  };
  write('understanding/held-out', 40);
  write('understanding/held-out-blind', 20); // 20 fewer right rows of each type, the others answered alike
  write('reasoning/held-out', 41);
  write('chance/held-out', 15);
  const scored = (avg: number): BenchmarkReport => ({
    benchmark: 'held-out',
    scores: [{ type: 'object-counting', kind: 'NQ', count: 60, score: avg }, { type: 'relative-direction', kind: 'MCQ', count: 60, score: avg }],
    nq: avg,
    mcq: avg,
    avg,
  });
  // a caption benchmark (word F1, outside every average) has no Avg to compare
  const captions: BenchmarkReport = { benchmark: 'captions', scores: [], nq: Number.NaN, mcq: Number.NaN, avg: Number.NaN };
  for (const point of ['understanding', 'reasoning']) appendJsonLine(join(dir, 'eval', point, 'captions', 'predictions.jsonl'), { id: 'c0', type: 'caption', score: 0.5 });
  run.saveState({
    status: 'done',
    stages: [],
    evaluations: { understanding: { 'held-out': scored(66.7), captions }, reasoning: { 'held-out': scored(68.3), captions } },
    blind: { understanding: { 'held-out': scored(33.3) } },
    chance: { 'held-out': scored(25) },
  });
  const [table, ...more] = pairedTables(run, readRunState(dir));
  t.is(more.length, 0, 'no table for the caption benchmark');
  const lines = table!.split('\n');
  t.regex(lines[0]!, /held-out: Avg minus \(95% CI\) \| its blind control +\| chance +\| the point before/);
  t.false(lines[0]!.includes('swapped'), 'a control scored at no point gets no column');
  t.regex(lines[2]!, /^\| understanding +\| \+33\.3 \(\+\d+\.\d to \+\d+\.\d\) \* \| \+41\.7 \(\+\d+\.\d to \+\d+\.\d\) \* \| - +\|$/);
  // one right row more of each type, the others alike: +1.7, its interval reaching 0 (resamples without those rows): not beyond noise
  t.regex(lines[3]!, /^\| reasoning +\| - +\| \+43\.3 \(.+\) \* \| \+1\.7 \(\+0\.0 to \+\d\.\d\) +\|$/);

  await writeFileAtomic(join(dir, 'report.md'), '# r\n\n(tables)\n');
  const ladder = await createLadder({ plugins: [runReport({ width: 400, height: 300 })] }, { defaults: [] });
  await ladder.hooks.done.promise({ name: basename(dir), dir, seed: 1, curriculum: [] });
  const markdown = readFileSync(join(dir, 'report.md'), 'utf8');
  t.true(markdown.startsWith('# r\n\n(tables)\n\n## Paired differences\n\n| held-out: Avg minus (95% CI)'), markdown);
  t.regex(markdown, /the noise of the benchmark's rows\.\n$/);
});

test('ablation: each variant against the first at the same seed and against its controls, pooled over seeds; comparison.md gets the table', async (t) => {
  const dir = tempDir(t);
  const scored = (avg: number): BenchmarkReport => ({ benchmark: 'held-out', scores: [{ type: 'object-counting', kind: 'NQ', count: 80, score: avg }], nq: avg, mcq: Number.NaN, avg });
  // `right` of the 80 rows score 1
  const write = (folder: string, right: number) => {
    for (let i = 0; i < 80; i++) appendJsonLine(join(dir, folder, 'predictions.jsonl'), { id: `q${i}`, type: 'object-counting', score: i < right ? 1 : 0 });
  };
  const runs: AblationRun[] = [];
  for (const [variant, seed, right, blind] of [['progressive', 1, 50, 30], ['progressive', 2, 52, 30], ['mixed', 1, 40, 40], ['mixed', 2, 41, 41], ['mixed', 3, 60, 60]] as const) {
    const name = `${variant}-seed${seed}`;
    write(`${name}/eval/reasoning/held-out`, right);
    write(`${name}/eval/reasoning/held-out-blind`, blind);
    runs.push({ variant, seed, name, dir: join(dir, name), stages: ['reasoning'], point: 'reasoning', final: { 'held-out': scored((100 * right) / 80) }, blind: { 'held-out': scored((100 * blind) / 80) } });
  }
  const summary = summarizeAblation(runs, dir);
  const [table] = ablationPairedTables(summary);
  const lines = table!.split('\n');
  t.regex(lines[0]!, /held-out: final Avg minus \(95% CI\) \| seeds \| progressive +\| its blind control +\|$/);
  // progressive: 51 of 80 against 30 blind on average, +26.3; mixed against progressive at seeds 1 and 2 only (seed 3 has no partner): (-10 - 11) / 2 of 80 rows
  t.regex(lines[2]!, /^\| progressive +\| +2 \| - +\| \+26\.3 \(\+\d+\.\d to \+\d+\.\d\) \* \|$/);
  t.regex(lines[3]!, /^\| mixed +\| +3 \| -13\.1 \(-\d+\.\d to -\d+\.\d\) \* \| \+0\.0 \(\+0\.0 to \+0\.0\) +\|$/);

  await writeFileAtomic(join(dir, 'comparison.md'), '| table |\n');
  const ladder = await createLadder({ plugins: [runReport({ width: 400, height: 300 })] }, { defaults: [] });
  await ladder.hooks.compare.promise(summary);
  t.regex(readFileSync(join(dir, 'comparison.md'), 'utf8'), /^\| table \|\n\n## Paired differences\n\n\| held-out: final Avg minus/);
});
