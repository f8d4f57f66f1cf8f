import test from 'ava';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, UsageError, readJsonLines, type RunState, type Sample, type StageEntry, type UserConfig } from '../../../core/index.ts';
import type { ScalingPoint } from '../../../plugins/analysis-scaling/index.ts';
import { tempDir } from '../../helpers/temp.ts';
import { analyze, shrunkLadder } from '../../helpers/analysis-ladder.ts';

/** Two short SFT stages: the scaling runs train in seconds. */
const SHORT: Partial<UserConfig> = {
  curriculum: [
    { name: 'perception', kind: 'sft', data: { tasks: ['localization'] }, options: { epochs: 1, batchSize: 2, maxSteps: 2 } },
    { name: 'understanding', kind: 'sft', data: { tasks: ['object-counting', 'relative-direction'] }, options: { epochs: 1, batchSize: 2, maxSteps: 2 } },
  ],
};

const read = <T>(file: string) => JSON.parse(readFileSync(file, 'utf8')) as T;

test('shares 0, 50 and 100%: one run each with every selection cut to the share, the final Avg of each beside the chance policy; a second invocation trains nothing', async (t) => {
  const dir = tempDir(t);
  const ladder = await shrunkLadder(dir, [], SHORT);
  const { result, markdown, dir: out } = await analyze(ladder, 'scaling', { options: { fractions: ['1', '0', '0.5'] } });
  const { points, chance } = result as { points: ScalingPoint[]; chance: Record<string, { avg: number }> };
  t.deepEqual(points.map((p) => [p.fraction, p.run, p.point]), [
    [0, 'fault-data0', 'base'],
    [0.5, 'fault-data50', 'understanding'],
    [1, 'fault-data100', 'understanding'],
  ]);
  t.is(out, join(dir, 'runs', 'fault', 'analysis', 'scaling'));
  const [hash] = (await import('node:fs')).readdirSync(join(dir, 'cache', 'datasets')).filter((n) => /^[0-9a-f]{16}$/.test(n));
  const train = readJsonLines<Sample>(join(dir, 'cache', 'datasets', hash!, 'samples.jsonl')).filter((s) => (s.split ?? 'train') === 'train');
  const counts = { perception: train.filter((s) => s.task === 'localization').length, understanding: train.filter((s) => ['object-counting', 'relative-direction'].includes(s.task)).length };
  t.true(counts.perception > 4 && counts.understanding > 4, JSON.stringify(counts));
  t.deepEqual(points[2]!.samples, counts);
  t.deepEqual(points[1]!.samples, { perception: Math.ceil(counts.perception / 2), understanding: Math.ceil(counts.understanding / 2) });
  t.deepEqual(points[0]!.samples, {}, 'nothing trained at 0%');
  for (const p of points) {
    const runDir = join(dir, 'runs', p.run);
    const state = read<RunState>(join(runDir, 'state.json'));
    const { config } = read<{ config: { curriculum: StageEntry[]; evaluate: { at: string[] } } }>(join(runDir, 'config.json'));
    t.is(state.status, 'done');
    t.deepEqual(state.stages.map((s) => s.name), p.fraction ? ['perception', 'understanding'] : []);
    t.deepEqual(Object.keys(state.evaluations), [p.point], 'evaluated only where the analysis reads it');
    t.is(p.scores['held-out']!.avg, state.evaluations[p.point]!['held-out']!.avg, 'the Avg the run recorded');
    if (p.fraction) t.deepEqual(config.curriculum.flatMap((e) => e.data.map((s) => s.fraction)), [p.fraction, p.fraction]);
  }
  const chanceReport = read<{ avg: number; policy: { id: string } }>(join(out, 'chance', 'held-out', 'report.json'));
  t.is(chanceReport.policy.id, 'chance');
  t.is(chance['held-out']!.avg, chanceReport.avg);
  t.true(chance['held-out']!.avg > 5 && chance['held-out']!.avg < 50, `chance ${chance['held-out']!.avg}`);
  t.regex(markdown, /\| 50% +\| fault-data50 +\| understanding/);
  t.regex(markdown, /held-out chance/);
  t.true(statSync(join(out, 'scaling.png')).size > 1000);

  // again: the runs are done, nothing is trained or asked again
  const metrics = join(dir, 'runs', 'fault-data100', 'metrics.jsonl');
  const before = readFileSync(metrics, 'utf8');
  const again = await analyze(await shrunkLadder(dir, [], SHORT), 'scaling', { options: { fractions: ['0', '0.5', '1'] } });
  t.deepEqual(again.result, result);
  t.is(readFileSync(metrics, 'utf8'), before);

  // a share run of another curriculum is not continued silently
  const changed = structuredClone(SHORT);
  (changed.curriculum![1]!.options as Record<string, number>).maxSteps = 3;
  const error = await t.throwsAsync(analyze(await shrunkLadder(dir, [], changed), 'scaling', { options: { fractions: ['0.5'] } }), { instanceOf: ConfigError });
  t.regex(error.message, /fault-data50 was trained with another curriculum than this config gives; pass --fresh/);
  t.true(existsSync(metrics));
});

test('--fractions outside [0, 1] is a usage error naming the value', async (t) => {
  const dir = tempDir(t);
  const error = await t.throwsAsync(analyze(await shrunkLadder(dir, [], SHORT), 'scaling', { options: { fractions: ['0.5', '1.5'] } }), { instanceOf: UsageError });
  t.regex(error.message, /--fractions: "1.5" is not a share of the training set in \[0, 1\]/);
});
