import test from 'ava';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonLines, SPATIAL_TASKS, UsageError, type MetricEvent, type RunState, type StageEntry, type UserConfig } from '../../../core/index.ts';
import { componentVariants } from '../../../plugins/analysis-components/index.ts';
import { tempDir } from '../../helpers/temp.ts';
import { analyze, shrunkLadder } from '../../helpers/analysis-ladder.ts';

const read = <T>(file: string) => JSON.parse(readFileSync(file, 'utf8')) as T;
const entry = (name: string, kind: string, tasks: string[], options: Record<string, unknown> = {}): StageEntry => ({ name, kind, data: [{ tasks }], options, evaluate: true });

test('the variants are found by what each stage does, not by its name', (t) => {
  const spatial = [...SPATIAL_TASKS];
  const curriculum = [entry('a', 'sft', ['localization']), entry('b', 'sft', spatial), entry('c', 'cold-start', spatial), entry('d', 'grpo', spatial)];
  const { variants, skipped } = componentVariants(curriculum);
  t.deepEqual(variants, {
    full: {},
    'no-stage1': { drop: ['a'] },
    'no-stage2': { drop: ['b'] },
    'no-stage3': { drop: ['c', 'd'] },
    'no-si-mv': { stages: { b: { modalities: ['video'] }, c: { modalities: ['video'] }, d: { modalities: ['video'] } } },
    'no-cot': { drop: ['c'], stages: { d: { options: { style: 'direct' }, rewards: { accuracy: 1 } } } },
  });
  t.deepEqual(skipped, {});
  // a curriculum of SFT stages alone has no stage 3 and no chain of thought
  const sftOnly = componentVariants(curriculum.slice(0, 2));
  t.deepEqual(Object.keys(sftOnly.variants), ['full', 'no-stage1', 'no-stage2', 'no-si-mv']);
  t.deepEqual(sftOnly.skipped, { 'no-stage3': 'no cold-start or GRPO stage', 'no-cot': 'no GRPO stage asks for a chain of thought' });
  t.false('no-cot' in componentVariants([entry('d', 'grpo', spatial, { style: 'direct' })]).variants, 'GRPO on direct answers already');
});

/** The shrunk ladder, each stage two steps, evaluated only after each variant's last stage. */
const SHORT: Partial<UserConfig> = {
  curriculum: [
    { name: 'perception', kind: 'sft', data: { tasks: ['localization'] }, options: { batchSize: 2, maxSteps: 2 } },
    { name: 'understanding', kind: 'sft', data: { tasks: [...SPATIAL_TASKS] }, options: { batchSize: 2, maxSteps: 2 } },
    { name: 'cold-start', kind: 'cold-start', data: { tasks: [...SPATIAL_TASKS], limit: 8 }, options: { batchSize: 2, maxSteps: 2, generations: 2, teacherBatch: 4 }, evaluate: false },
    { name: 'reasoning', kind: 'grpo', data: { tasks: [...SPATIAL_TASKS] }, options: { maxSteps: 2, generations: 2, batchSize: 2, gradAccum: 1, maxTokens: 12 } },
  ],
  evaluate: { benchmarks: ['held-out'], at: ['reasoning'], limit: 8, batchSize: 4 },
};

test('the six variants run through the ablation machinery: their curricula, data, prompts and rewards, the final Avg beside full and chance; a second invocation trains nothing', async (t) => {
  const dir = tempDir(t);
  const { result, markdown, dir: out } = await analyze(await shrunkLadder(dir, [], SHORT), 'components');
  const { variants, runs, chance, comparison } = result as {
    variants: { variant: string; curriculum: string; avg: Record<string, { mean: number }> }[];
    runs: { variant: string; name: string; stages: string[]; avg: Record<string, number> }[];
    chance: Record<string, number>;
    comparison: string;
  };
  t.is(comparison, join(dir, 'runs', 'fault-components'));
  t.deepEqual(
    runs.map((r) => [r.variant, r.name, r.stages.join(',')]),
    [
      ['full', 'fault-full', 'perception,understanding,cold-start,reasoning'],
      ['no-stage1', 'fault-no-stage1', 'understanding,cold-start,reasoning'],
      ['no-stage2', 'fault-no-stage2', 'perception,cold-start,reasoning'],
      ['no-stage3', 'fault-no-stage3', 'perception,understanding'],
      ['no-si-mv', 'fault-no-si-mv', 'perception,understanding,cold-start,reasoning'],
      ['no-cot', 'fault-no-cot', 'perception,understanding,reasoning'],
    ],
  );
  const runDir = (variant: string) => join(dir, 'runs', `fault-${variant}`);
  const curriculum = (variant: string) => read<{ config: { curriculum: StageEntry[] } }>(join(runDir(variant), 'config.json')).config.curriculum;
  t.deepEqual(
    curriculum('no-si-mv').map((e) => e.data.map((s) => s.modalities ?? null)),
    [[null], [['video']], [['video']], [['video']]],
    'spatial stages on video alone, localization kept',
  );
  const reasoning = (variant: string) => curriculum(variant).find((e) => e.name === 'reasoning')!;
  t.is(reasoning('no-cot').options.style, 'direct');
  t.deepEqual(reasoning('no-cot').rewards, { accuracy: 1 });
  t.is(reasoning('full').rewards, undefined, 'the full ladder keeps the config\'s rewards');
  const grpoSteps = (variant: string) => readJsonLines<MetricEvent>(join(runDir(variant), 'metrics.jsonl')).filter((e) => e.event === 'step' && e.stage === 'reasoning');
  t.true(grpoSteps('no-cot').length > 0 && grpoSteps('no-cot').every((e) => 'reward_accuracy' in e && !('reward_format' in e)), 'no-cot: the accuracy reward alone');
  t.true(grpoSteps('full').every((e) => 'reward_format' in e));
  const settings = (variant: string) => read<{ settings?: { prompt?: string } }>(join(runDir(variant), 'eval', 'reasoning', 'held-out', 'report.json')).settings?.prompt;
  t.is(settings('no-cot'), 'direct', 'evaluated the way it was trained');
  t.is(settings('full'), 'think');
  for (const r of runs) {
    const state = read<RunState>(join(runDir(r.variant), 'state.json'));
    const last = r.stages.at(-1)!;
    t.deepEqual(Object.keys(state.evaluations), [last], `${r.variant}: evaluated after its last stage`);
    t.is(r.avg['held-out'], state.evaluations[last]!['held-out']!.avg);
    t.is(variants.find((v) => v.variant === r.variant)!.avg['held-out']!.mean, r.avg['held-out']!);
  }
  t.is(chance['held-out'], read<{ avg: number }>(join(out, 'chance', 'held-out', 'report.json')).avg);
  t.true(chance['held-out']! > 5 && chance['held-out']! < 50);
  const full = runs[0]!.avg['held-out']!;
  const noCot = runs[5]!.avg['held-out']!;
  t.regex(markdown, /held-out vs full/);
  t.regex(markdown, new RegExp(`\\| no-cot .*\\| +${noCot.toFixed(1)} \\| ${noCot - full >= 0 ? '\\+' : '-'}${Math.abs(noCot - full).toFixed(1)} +\\| +${chance['held-out']!.toFixed(1)} \\|`));
  t.true(statSync(join(out, 'components.png')).size > 1000);
  t.true(statSync(join(dir, 'runs', 'fault-components', 'comparison.json')).size > 100, 'the ablation\'s comparison, as `ladder ablate` writes it');

  const metrics = readFileSync(join(runDir('no-cot'), 'metrics.jsonl'), 'utf8');
  const again = await analyze(await shrunkLadder(dir, [], SHORT), 'components', { options: { variants: ['full', 'no-cot'] } });
  t.deepEqual((again.result as { runs: unknown[] }).runs, [runs[0], runs[5]]);
  t.is(readFileSync(join(runDir('no-cot'), 'metrics.jsonl'), 'utf8'), metrics, 'nothing trained again');
});

test('--variants names the components; an unknown one is a usage error listing them', async (t) => {
  const dir = tempDir(t);
  const error = await t.throwsAsync(analyze(await shrunkLadder(dir, [], SHORT), 'components', { options: { variants: ['full', 'no-stage4'] } }), { instanceOf: UsageError });
  t.regex(error.message, /--variants: unknown no-stage4; the components are full, no-stage1, no-stage2, no-stage3, no-si-mv, no-cot/);
});
