import test from 'ava';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appendJsonLine, RunDirectory, type BenchmarkReport, type RunState } from '../../../core/index.ts';
import { analyze, shrunkLadder } from '../../helpers/analysis-ladder.ts';
import { tempDir } from '../../helpers/temp.ts';

const report = (avg: number): BenchmarkReport => ({ benchmark: 'held-out', scores: [{ type: 'object-counting', kind: 'NQ', count: 100, score: avg }], nq: avg, mcq: Number.NaN, avg });

/** A finished run on disk: per point (and control) how many of 100 counting rows score 1; config.json records the seed. */
function writeRun(runsDir: string, name: string, seed: number, points: Record<string, number>, blind: Record<string, number> = {}): void {
  const run = new RunDirectory(runsDir, name);
  mkdirSync(run.dir, { recursive: true });
  const write = (dir: string, right: number) => {
    for (let i = 0; i < 100; i++) appendJsonLine(join(dir, 'predictions.jsonl'), { id: `q${i}`, type: 'object-counting', score: i < right ? 1 : 0 });
  };
  const state: RunState = { status: 'done', stages: [], evaluations: {}, blind: {} };
  for (const [point, right] of Object.entries(points)) {
    write(run.evalDir(point, 'held-out'), right);
    state.evaluations[point] = { 'held-out': report(right) };
  }
  for (const [point, right] of Object.entries(blind)) {
    write(`${run.evalDir(point, 'held-out')}-blind`, right);
    state.blind![point] = { 'held-out': report(right) };
  }
  run.saveState(state);
  writeFileSync(join(run.dir, 'config.json'), JSON.stringify({ config: { seed } }));
}

test('one run: each point against its blind control and the point before; runs against runs paired by seed, per seed and pooled', async (t) => {
  const ladder = await shrunkLadder(tempDir(t));
  const { runsDir } = ladder.config;
  writeRun(runsDir, 'a-seed1', 1, { understanding: 60, reasoning: 62 }, { understanding: 40 });
  writeRun(runsDir, 'a-seed2', 2, { understanding: 58, reasoning: 59 });
  writeRun(runsDir, 'b-seed1', 1, { understanding: 50 });
  writeRun(runsDir, 'b-seed2', 2, { understanding: 47 });

  const own = await analyze(ladder, 'paired', { runs: ['a-seed1'] });
  t.is(own.dir, join(runsDir, 'a-seed1', 'analysis', 'paired'));
  const lines = own.markdown.split('\n');
  t.regex(own.markdown, /^## a-seed1\n\n\| held-out: Avg minus \(95% CI\) \| its blind control +\| the point before +\|/);
  t.true(lines.some((l) => /^\| understanding +\| \+20\.0 \(\+\d+\.\d to \+\d+\.\d\) \* \| - +\|$/.test(l)), own.markdown);
  t.true(lines.some((l) => /^\| reasoning +\| - +\| \+2\.0 \(\+0\.0 to \+\d\.\d\) +\|$/.test(l)), own.markdown);

  // a's last point (reasoning) against b's (understanding): +12 and +12 rows of 100
  const paired = await analyze(ladder, 'paired', { runs: ['a-seed1', 'a-seed2'], options: { against: ['b-seed2', 'b-seed1'] } });
  t.regex(paired.markdown, /\| seed 1: a-seed1 \(reasoning\) - b-seed1 \(understanding\) \| \+12\.0 \(\+\d+\.\d to \+\d+\.\d\) \* \|/);
  t.regex(paired.markdown, /\| seed 2: a-seed2 \(reasoning\) - b-seed2 \(understanding\) \| \+12\.0 /);
  t.regex(paired.markdown, /\| mean over the 2 seeds +\| \+12\.0 \(\+\d+\.\d to \+\d+\.\d\) \* \|/);
  const same = await analyze(ladder, 'paired', { runs: ['a-seed1', 'a-seed2'], options: { against: ['a-seed1', 'a-seed2'], point: 'reasoning', againstPoint: 'understanding' } });
  t.regex(same.markdown, /\| mean over the 2 seeds +\| \+1\.5 \(\+0\.0 to \+\d\.\d\) +\|/, 'stage against stage of the same runs: 2 and 1 rows');

  await t.throwsAsync(analyze(ladder, 'paired', { runs: ['a-seed1', 'a-seed2'], options: { against: ['b-seed1'] } }), {
    message: /a-seed2 \(seed 2\): no run to compare with at seed 2 \(b-seed1: seed 1\)/,
  });
  await t.throwsAsync(analyze(ladder, 'paired', { runs: ['a-seed1'], options: { against: ['b-seed1'], point: 'cold-start' } }), {
    message: /--point: run a-seed1 has no evaluation "cold-start" \(it has understanding, reasoning\)/,
  });
  await t.throwsAsync(analyze(ladder, 'paired', { runs: ['a-seed1'], options: { point: 'reasoning' } }), { message: /--point and --against-point pick the points compared with --against/ });
  await t.throwsAsync(analyze(ladder, 'paired', { runs: ['b-seed1'] }), { message: /nothing to compare in b-seed1/ });
});

test('an ablation folder: each variant against the first at its seeds and against its controls, pooled over seeds', async (t) => {
  const ladder = await shrunkLadder(tempDir(t));
  const { runsDir } = ladder.config;
  writeRun(runsDir, 'p1', 1, { reasoning: 60 }, { reasoning: 55 });
  writeRun(runsDir, 'p2', 2, { reasoning: 62 }, { reasoning: 55 });
  writeRun(runsDir, 'm1', 1, { reasoning: 50 }, { reasoning: 50 });
  writeRun(runsDir, 'm2', 2, { reasoning: 50 }, { reasoning: 50 });
  mkdirSync(join(runsDir, 'x-ablation'), { recursive: true });
  const runs = [['progressive', 1, 'p1'], ['progressive', 2, 'p2'], ['mixed', 1, 'm1'], ['mixed', 2, 'm2']].map(([variant, seed, name]) => ({ variant, seed, name }));
  writeFileSync(join(runsDir, 'x-ablation', 'comparison.json'), JSON.stringify({ runs }));
  const { markdown } = await analyze(ladder, 'paired', { runs: ['x-ablation'] });
  t.regex(markdown, /\| progressive +\| +2 \| - +\| \+6\.0 \(\+\d\.\d to \+\d+\.\d\) \* \|/);
  t.regex(markdown, /\| mixed +\| +2 \| -11\.0 \(-\d+\.\d to -\d+\.\d\) \* \| \+0\.0 \(\+0\.0 to \+0\.0\) +\|/);
});
