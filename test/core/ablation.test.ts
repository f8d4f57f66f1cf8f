import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  applyVariant,
  ConfigError,
  meanStd,
  parseOrder,
  runAblation,
  summarizeAblation,
  UsageError,
  variantEvaluationPoints,
  type AblationRun,
  type Ladder,
  type LoadedConfig,
  type Plugin,
  type StageEntry,
  type UserConfig,
} from '../../core/index.ts';
import { tempDir } from '../helpers/temp.ts';
import { toyConfig, toyPlugins } from '../helpers/toy-ladder.ts';

const entry = (name: string): StageEntry => ({ name, kind: 'sft', data: [{ tasks: [name] }], options: {}, evaluate: true });
const curriculum = ['perception', 'understanding', 'reasoning'].map(entry);

test('parseOrder: commas order stages, "+" mixes them', (t) => {
  t.deepEqual(parseOrder('perception+understanding, reasoning'), { mix: [['perception', 'understanding']], order: ['perception+understanding', 'reasoning'] });
  t.deepEqual(applyVariant(curriculum, parseOrder('perception+understanding,reasoning')).map((e) => e.name), ['perception+understanding', 'reasoning']);
  t.deepEqual(applyVariant(curriculum, parseOrder('reasoning,perception')).map((e) => e.name), ['reasoning', 'perception']);
  t.throws(() => parseOrder(' , '), { message: /expected stage names/ });
});

test('a variant is evaluated at the configured points it still has, and always after its last stage', (t) => {
  const at = ['base', 'understanding', 'reasoning'];
  t.deepEqual(variantEvaluationPoints(at, curriculum), at);
  t.deepEqual(variantEvaluationPoints(at, applyVariant(curriculum, { order: ['understanding'] })), ['base', 'understanding']);
  t.deepEqual(variantEvaluationPoints(at, applyVariant(curriculum, { drop: ['reasoning'] })), ['base', 'understanding']);
  t.deepEqual(variantEvaluationPoints(at, applyVariant(curriculum, { mix: [['perception', 'understanding']] })), ['base', 'reasoning']);
  t.deepEqual(variantEvaluationPoints(['base'], curriculum), ['base', 'reasoning']);
  t.deepEqual(variantEvaluationPoints(at, []), ['base']);
  const quiet = curriculum.map((e) => ({ ...e, evaluate: e.name === 'perception' }));
  t.deepEqual(variantEvaluationPoints(undefined, quiet), ['base', 'perception', 'reasoning']);
});

test('meanStd uses the sample standard deviation', (t) => {
  t.deepEqual(meanStd([40]), { mean: 40, std: 0 });
  const { mean, std } = meanStd([40, 42, 44]);
  t.is(mean, 42);
  t.is(std, 2); // sqrt(((-2)^2 + 0 + 2^2) / 2)
});

test('summarizeAblation groups runs by variant, averaging each benchmark over seeds', (t) => {
  const report = (avg: number) => ({ benchmark: 'held-out', scores: [], nq: avg, mcq: avg, avg });
  const runs: AblationRun[] = [
    { variant: 'progressive', seed: 1, name: 'p1', dir: '/p1', stages: ['perception', 'understanding'], point: 'understanding', final: { 'held-out': report(50) } },
    { variant: 'progressive', seed: 2, name: 'p2', dir: '/p2', stages: ['perception', 'understanding'], point: 'understanding', final: { 'held-out': report(54) } },
    { variant: 'spatial-only', seed: 1, name: 's1', dir: '/s1', stages: ['understanding'], point: 'understanding', final: { 'held-out': report(47) } },
    { variant: 'spatial-only', seed: 2, name: 's2', dir: '/s2', stages: ['understanding'], point: 'understanding', final: { 'held-out': report(47) } },
  ];
  const summary = summarizeAblation(runs, '/out');
  t.deepEqual(summary.variants.map((v) => [v.variant, v.curriculum, v.avg['held-out']!.mean]), [
    ['progressive', 'perception -> understanding', 52],
    ['spatial-only', 'understanding', 47],
  ]);
  t.is(summary.variants[0]!.avg['held-out']!.std, Math.sqrt(8));
  t.regex(summary.table, /\| progressive +\| perception -> understanding \| +2 \| 52\.0 ± 2\.8 +\|/);
});

test('summarizeAblation: each variant beside its blind and swapped controls, the chance and prior levels as the last rows', (t) => {
  const report = (avg: number) => ({ benchmark: 'held-out', scores: [], nq: avg, mcq: avg, avg });
  const run = (seed: number, avg: number, blind: number, swapped: number, chance: number): AblationRun => ({
    variant: 'progressive',
    seed,
    name: `p${seed}`,
    dir: `/p${seed}`,
    stages: ['perception'],
    point: 'perception',
    final: { 'held-out': report(avg) },
    blind: { 'held-out': report(blind) },
    swapped: { 'held-out': report(swapped) },
    chance: { 'held-out': report(chance) },
    prior: { 'held-out': report(55) },
  });
  const summary = summarizeAblation([run(1, 50, 40, 49, 30), run(2, 54, 44, 51, 30)], '/out');
  t.deepEqual(summary.variants[0]!.blind['held-out'], { mean: 42, std: Math.sqrt(8) });
  t.deepEqual(summary.variants[0]!.swapped['held-out'], { mean: 50, std: Math.sqrt(2) });
  t.deepEqual(summary.chance['held-out'], { mean: 30, std: 0 });
  t.regex(summary.table, /\| variant +\| curriculum +\| seeds \| held-out Avg \| held-out blind Avg \| held-out swapped Avg \|/);
  t.regex(summary.table, /\| progressive +\| perception +\| +2 \| 52\.0 ± 2\.8 +\| 42\.0 ± 2\.8 +\| 50\.0 ± 1\.4 +\|/);
  t.regex(summary.table, /\| chance +\| \(the `chance` policy\) \| +2 \| 30\.0 ± 0\.0 +\| - +\| - +\|\n\| prior +\| \(the `prior` policy\) +\| +2 \| 55\.0 ± 0\.0 +\| - +\| - +\|/);
  t.deepEqual(summary.prior['held-out'], { mean: 55, std: 0 });
  // runs scored without the swapped control: no column for it
  const blindOnly = summarizeAblation([{ ...run(1, 50, 40, 49, 30), swapped: {} }], '/out');
  t.notRegex(blindOnly.table, /swapped/);
});

/** A loaded config as `loadConfig` returns it, for a config given inline. */
const loadedOf = (configs: UserConfig[], sweep = false): LoadedConfig => ({
  configs,
  afterPresets: configs.map(() => []),
  sweep,
  baseDir: process.cwd(),
  overrides: [],
  command: 'ablate',
  cwd: process.cwd(),
});

test('runAblation runs each (variant, seed) once from the config\'s seed, the waterfall once per run, no ladder\'s config changed', async (t) => {
  const runsDir = tempDir(t);
  const counters = { stageRuns: [] as string[], evaluations: [] as string[], failOnce: new Set<string>() };
  const ladders: Ladder[] = [];
  let waterfalls = 0;
  const watcher: Plugin = {
    name: 'watcher',
    apply(ladder) {
      ladders.push(ladder);
      ladder.hooks.curriculum.tap('watcher', (stages) => (waterfalls++, stages));
    },
  };
  const config: UserConfig = {
    ...toyConfig(runsDir),
    seed: 7,
    plugins: [watcher, ...toyPlugins(counters), ['reporter', false]],
    evaluate: { benchmarks: ['exact'], at: ['base', 'second'] },
    ablations: { full: {}, 'no-second': { drop: ['second'] } },
  };
  const summary = await runAblation(loadedOf([config]), { seeds: 2, orders: ['second,first'] });
  t.deepEqual(summary.runs.map((r) => [r.name, r.seed, r.stages.join('>')]), [
    ['toy-full-seed7', 7, 'first>second'],
    ['toy-full-seed8', 8, 'first>second'],
    ['toy-no-second-seed7', 7, 'first'],
    ['toy-no-second-seed8', 8, 'first'],
    ['toy-second_first-seed7', 7, 'second>first'],
    ['toy-second_first-seed8', 8, 'second>first'],
  ]);
  t.is(waterfalls, 7, 'one curriculum waterfall per run, and one on the base ladder that checks every variant first');
  t.is(ladders.length, 7, 'the base ladder and one per run');
  for (const ladder of ladders) t.deepEqual(ladder.config.evaluate.at, ['base', 'second'], `${ladder.config.name}: evaluate.at unchanged`);
  // a variant without "second" is still evaluated after its last stage, and the run records where it was evaluated
  const noSecond = JSON.parse(readFileSync(join(runsDir, 'toy-no-second-seed7', 'config.json'), 'utf8')).config;
  t.deepEqual(noSecond.evaluate.at, ['base', 'first']);
  t.deepEqual(Object.keys(summary.runs[2]!.final), ['exact']);
  t.true(existsSync(join(runsDir, 'toy-ablation', 'comparison.json')));
});

test('runAblation checks every variant before any run: a misspelt stage in --order or `ablations` stops it at once', async (t) => {
  const runsDir = tempDir(t);
  const counters = { stageRuns: [] as string[], evaluations: [] as string[], failOnce: new Set<string>() };
  const config: UserConfig = { ...toyConfig(runsDir), plugins: [...toyPlugins(counters), ['reporter', false]], ablations: { full: {}, solo: { order: ['secnd'] } } };
  await t.throwsAsync(runAblation(loadedOf([config]), { variants: ['full'], orders: ['second,frist'] }), {
    instanceOf: ConfigError,
    message: 'variant "second>frist" (--order second,frist): no stage "frist" in the curriculum (it has first, second)',
  });
  await t.throwsAsync(runAblation(loadedOf([config])), { instanceOf: ConfigError, message: /^variant "solo" \(ablations\.solo\): no stage "secnd"/ });
  t.deepEqual(counters.stageRuns, [], 'nothing trained');
});

test('runAblation of a sweep takes each entry\'s seed from its presets, not a fixed default', async (t) => {
  const runsDir = tempDir(t);
  const counters = { stageRuns: [] as string[], evaluations: [] as string[], failOnce: new Set<string>() };
  const preset = { name: 'seeded', settings: { seed: 5 } };
  const entry = (name: string): UserConfig => ({ ...toyConfig(runsDir), name, presets: [preset], plugins: [...toyPlugins(counters), ['reporter', false]] });
  const summary = await runAblation(loadedOf([entry('a'), { ...entry('b'), curriculum: toyConfig(runsDir).curriculum.slice(0, 1) }], true), { seeds: 2 });
  t.deepEqual(summary.runs.map((r) => [r.name, r.seed]), [['a-seed5', 5], ['a-seed6', 6], ['b-seed5', 5], ['b-seed6', 6]]);
  const dataSeeds = summary.runs.map((r) => JSON.parse(readFileSync(join(r.dir, 'config.json'), 'utf8')).config.data.seed);
  t.deepEqual(dataSeeds, [5, 5, 5, 5], 'every seed of a variant trains on the dataset of the config\'s data seed');
  await t.throwsAsync(runAblation(loadedOf([entry('a')], true), { variants: ['x'] }), { instanceOf: UsageError, message: /--variants and --order apply to a single config/ });
});
