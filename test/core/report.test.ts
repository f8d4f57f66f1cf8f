import test from 'ava';
import { checkpointTable, evaluationTable, markdownTable, type BenchmarkReport } from '../../core/index.ts';

const report = (avg: number, cells: [string, string, number][]): BenchmarkReport => ({
  benchmark: 'held-out',
  scores: [],
  nq: avg - 5,
  mcq: avg + 5,
  avg,
  byModality: cells.map(([type, modality, score]) => ({ type, modality, kind: 'NQ', count: 10, score })),
});

test('markdownTable: one decimal for numbers, numeric columns right-aligned, text left', (t) => {
  t.is(markdownTable(['name', 'score'], [['a', 1], ['bb', 12.34]]), ['| name | score |', '|:-----|------:|', '| a    |   1.0 |', '| bb   |  12.3 |'].join('\n'));
});

test('evaluationTable: checkpoints x benchmark NQ / MCQ / Avg (paper Table 1 columns)', (t) => {
  const table = evaluationTable({ base: { 'held-out': report(30, []) }, reasoning: { 'held-out': report(45, []) } });
  t.regex(table, /\| base +\| +25\.0 \| +35\.0 \| +30\.0 \|/);
  t.regex(table, /\| reasoning +\| +40\.0 \| +50\.0 \| +45\.0 \|/);
});

test('checkpointTable: per (type, modality) rows across checkpoints, with the change from first to last', (t) => {
  const table = checkpointTable(
    {
      base: { 'held-out': report(30, [['object-size', 'video', 20], ['object-size', 'single-image', 10]]) },
      understanding: { 'held-out': report(40, [['object-size', 'single-image', 30], ['object-size', 'video', 35]]) },
      reasoning: { 'held-out': report(45, [['object-size', 'single-image', 32.5]]) },
    },
    'held-out',
  );
  const lines = table.split('\n');
  t.regex(lines[0]!, /\| held-out: type \/ modality +\| base \| understanding \| reasoning \| change \|/);
  t.regex(lines[2]!, /\| object-size \/ single-image \| +10\.0 \| +30\.0 \| +32\.5 \| \+22\.5 +\|/, 'single-image sorts before video');
  t.regex(lines[3]!, /\| object-size \/ video +\| +20\.0 \| +35\.0 \| +- \| -  +\|/);
  t.regex(lines.at(-1)!, /\| Avg +\| +30\.0 \| +40\.0 \| +45\.0 \| \+15\.0 +\|/);
});
