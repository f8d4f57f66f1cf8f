import test from 'ava';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { buildDataset } from '../../../core/index.ts';
import { chanceScore } from '../../../lib/scoring/index.ts';
import { fifthsTrend } from '../../../lib/analysis/index.ts';
import { analyze, shrunkLadder } from '../../helpers/analysis-ladder.ts';
import { tempDir } from '../../helpers/temp.ts';

interface Result {
  runs: { label: string; chance: Record<string, number>; stages: Record<string, { step: number; [key: string]: number }[]> }[];
  charts: { stage: string; metric: string; file: string }[];
}

/** metrics.jsonl of a run: 4 SFT steps, then 3 GRPO steps whose step 2 was written twice (a resume replaced it). */
function writeRun(runsDir: string, name: string, shift: number, config: object): void {
  const dir = join(runsDir, name);
  mkdirSync(dir, { recursive: true });
  const lines = [
    { event: 'stage-start', stage: 'understanding', time: 1 },
    ...[1, 2, 3, 4].map((step) => ({ event: 'step', stage: 'understanding', step, loss: 4 - step + shift, time: 1 + step })),
    { event: 'stage-end', stage: 'understanding', time: 6 },
    ...[1, 2].map((step) => ({ event: 'step', stage: 'reasoning', step, loss: 0.1, reward_mean: 0.5, reward_std: 0.3, reward_accuracy: 0.2 * step + shift, reward_format: 0.9, time: 7 + step })),
    { event: 'step', stage: 'reasoning', step: 2, loss: 0.1, reward_mean: 0.6, reward_std: 0.2, reward_accuracy: 0.45 + shift, reward_format: 1, time: 20 },
    { event: 'step', stage: 'reasoning', step: 3, loss: 0.1, reward_mean: 0.7, reward_std: 0.1, reward_accuracy: 0.5 + shift, reward_format: 1, time: 21 },
  ];
  writeFileSync(join(dir, 'metrics.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ config }));
}

test('curves on stage-local steps, the last line of a repeated step, components and std apart, one line per run, the accuracy reward beside chance', async (t) => {
  const dir = tempDir(t);
  const ladder = await shrunkLadder(dir);
  const { seed, model, data, curriculum, runsDir } = ladder.config;
  const recorded = { seed, model, data, curriculum };
  writeRun(runsDir, 'full', 0, recorded);
  writeRun(runsDir, 'no-perception', 0.1, { ...recorded, data: { ...data, scenes: 3 } });
  mkdirSync(join(runsDir, 'study-ablation'), { recursive: true });
  writeFileSync(
    join(runsDir, 'study-ablation', 'comparison.json'),
    JSON.stringify({ runs: [{ variant: 'progressive', seed: 42, name: 'full' }, { variant: 'no-perception', seed: 42, name: 'no-perception' }] }),
  );
  const { result, dir: out, markdown } = await analyze(ladder, 'dynamics', { runs: ['study-ablation'] });
  const { runs, charts } = result as Result;
  t.deepEqual(runs.map((r) => r.label), ['progressive', 'no-perception'], 'an ablation folder stands for its variants');
  t.is(out, join(runsDir, 'study-ablation', 'analysis', 'dynamics'));
  const reasoning = runs[0]!.stages.reasoning!;
  t.deepEqual(reasoning.map((e) => e.step), [1, 2, 3], 'GRPO steps count from 1, not after the SFT steps');
  t.is(reasoning[1]!.reward_accuracy, 0.45, 'a step written twice counts once, as last written');
  t.deepEqual(
    charts.filter((c) => c.stage === 'reasoning').map((c) => c.metric),
    ['loss', 'reward_mean', 'reward_std', 'reward_accuracy', 'reward_format'],
  );
  for (const chart of charts) t.true(existsSync(join(out, chart.file)), chart.file);
  t.is((await sharp(join(out, 'reasoning-reward_accuracy.png')).metadata()).width, 720);

  // chance: the expected score of uniform guessing on the stage's training samples, for the run made from this dataset
  const dataset = await buildDataset(ladder);
  const tasks = curriculum.find((e) => e.name === 'reasoning')!.data[0]!.tasks!;
  const train = dataset.samples.filter((s) => s.split === 'train' && tasks.includes(s.task));
  const expected = train.reduce((sum, s) => sum + chanceScore(s), 0) / train.length;
  t.true(Math.abs(runs[0]!.chance.reasoning! - expected) < 1e-12);
  t.deepEqual(runs[1]!.chance, {}, 'another dataset: no chance level is claimed');
  t.regex(markdown, /\| reasoning +\| reward_accuracy +\| progressive +\| +3 \| +0\.2000 \| +0\.5000 \| +\| +0\.2\d{3} \|/, 'no trend under 10 steps');
  t.regex(markdown, /No chance level for no-perception/);
});

test("the trend: the last fifth's mean minus the first fifth's, in standard errors of that difference", (t) => {
  // fifths of 2 steps: first [1, 3] (mean 2, variance 2), last [6, 4] (mean 5, variance 2): SE sqrt((2 + 2) / 2)
  const trend = fifthsTrend([1, 3, 9, 9, 0, 0, 9, 9, 6, 4])!;
  t.is(trend.change, 3);
  t.true(Math.abs(trend.z! - 3 / Math.sqrt(2)) < 1e-12);
  // 11 values: fifths of 2, the 11th value is in the last fifth's place, the 9th is not
  t.is(fifthsTrend([1, 3, 0, 0, 0, 0, 0, 0, 100, 6, 4])!.change, 3);
  t.is(fifthsTrend([1, 2, 3, 4, 5, 6, 7, 8, 9]), undefined, 'under 10 steps: no trend');
  t.deepEqual(fifthsTrend(new Array(10).fill(0.5)), { first: 0.5, last: 0.5, change: 0, z: undefined }, 'constant fifths: no z');
});

test('dynamics reads runs, not models: --model is a usage error', async (t) => {
  const ladder = await shrunkLadder(tempDir(t));
  await t.throwsAsync(analyze(ladder, 'dynamics', { model: 'oracle' }), { message: /--model does not apply \(this analysis reads runs/ });
  await t.throwsAsync(analyze(ladder, 'dynamics', { runs: ['nothing-here'] }), { message: /--run nothing-here: .* holds no run/ });
});
