/**
 * Curriculum ablations: named variants of the curriculum (drop, mix, reorder
 * stages), each run from the same initial weights and seeds on the same cached
 * dataset, compared on their final benchmark scores (mean and spread over seeds).
 *
 * `runAblation` does the whole job for `ladder ablate`: it plans the runs,
 * builds the shared dataset once, runs every (variant, seed), writes the
 * comparison and fires the `compare` hook. Each run gets its own ladder made
 * from the user's config with its name and seed set; no ladder's config is
 * changed afterwards.
 */
import { join, resolve } from 'node:path';
import { ConfigError, UsageError, messageOf } from './errors.ts';
import { applyVariant } from './curriculum.ts';
import { createLadder, type Ladder } from './ladder.ts';
import type { CurriculumVariant, LoadedConfig, UserConfig } from './config.ts';
import { writeFileAtomic, writeJsonAtomic } from './files.ts';
import { CHECKPOINT_CONTROLS, CONTROLS_LEGEND, markdownTable } from './report.ts';
import { buildDataset, checkOptions, preflight, resolveCurriculum, runCurriculum } from './runner.ts';
import type { BenchmarkReport, StageEntry } from './types.ts';

/**
 * Where a variant is evaluated: the configured points its curriculum still has
 * (a dropped stage is no point), and always after its last stage, so that
 * variants are compared on what they end with.
 */
export function variantEvaluationPoints(at: string[] | undefined, curriculum: StageEntry[]): string[] {
  const names = curriculum.map((e) => e.name);
  const last = names.at(-1) ?? 'base';
  const kept = (at ?? ['base', ...curriculum.filter((e) => e.evaluate).map((e) => e.name)]).filter((p) => p === 'base' || names.includes(p));
  return kept.includes(last) ? kept : [...kept, last];
}

/** `--order "perception+understanding,reasoning"`: commas separate stages, "+" mixes. */
export function parseOrder(text: string): CurriculumVariant {
  const steps = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (!steps.length) throw new UsageError(`--order "${text}": expected stage names separated by commas`);
  return { mix: steps.filter((s) => s.includes('+')).map((s) => s.split('+')), order: steps };
}

export interface AblationRun {
  variant: string;
  seed: number;
  name: string;
  dir: string;
  stages: string[];
  /** The run's last evaluation point (its predictions are under `<dir>/eval/<point>/`). */
  point: string;
  /** Benchmark id -> report at the run's last evaluation point. */
  final: Record<string, BenchmarkReport>;
  /** Benchmark id -> the blind control of that point (every image a blank frame), when the run scored it. */
  blind?: Record<string, BenchmarkReport>;
  /** Benchmark id -> the swapped control of that point (another room's frames), when the run scored it. */
  swapped?: Record<string, BenchmarkReport>;
  /** Benchmark id -> the run's chance reference. */
  chance?: Record<string, BenchmarkReport>;
  /** Benchmark id -> the run's answer-prior reference. */
  prior?: Record<string, BenchmarkReport>;
}

export interface AblationVariantSummary {
  variant: string;
  curriculum: string;
  seeds: number[];
  /** Benchmark id -> mean and sample standard deviation of Avg over seeds. */
  avg: Record<string, { mean: number; std: number }>;
  /** The same for the blind controls of the final checkpoints. */
  blind: Record<string, { mean: number; std: number }>;
  /** The same for their swapped controls. */
  swapped: Record<string, { mean: number; std: number }>;
}

export interface AblationSummary {
  dir: string;
  benchmarks: string[];
  variants: AblationVariantSummary[];
  runs: AblationRun[];
  /** Benchmark id -> the chance reference's Avg over every run (mean and std). */
  chance: Record<string, { mean: number; std: number }>;
  /** The same for the answer-prior reference. */
  prior: Record<string, { mean: number; std: number }>;
  /** Markdown: one row per variant, mean (+- std) per benchmark and of its blind and swapped controls; the chance and prior levels last. */
  table: string;
}

export function meanStd(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = values.length > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1)) : 0;
  return { mean, std };
}

/** Benchmark id -> mean and std of the Avg of `pick(run)[benchmark]` over the runs that have one. */
function avgOver(runs: AblationRun[], benchmarks: string[], pick: (run: AblationRun) => Record<string, BenchmarkReport> | undefined) {
  return Object.fromEntries(
    benchmarks
      .map((b) => [b, runs.map((r) => pick(r)?.[b]?.avg).filter((v): v is number => v !== undefined)] as const)
      .filter(([, values]) => values.length)
      .map(([b, values]) => [b, meanStd(values)]),
  );
}

export function summarizeAblation(runs: AblationRun[], dir: string): AblationSummary {
  const benchmarks = [...new Set(runs.flatMap((r) => Object.keys(r.final)))];
  const names = [...new Set(runs.map((r) => r.variant))];
  const variants = names.map((variant): AblationVariantSummary => {
    const mine = runs.filter((r) => r.variant === variant);
    return {
      variant,
      curriculum: mine[0]!.stages.join(' -> ') || '(none)',
      seeds: mine.map((r) => r.seed),
      avg: avgOver(mine, benchmarks, (r) => r.final),
      blind: avgOver(mine, benchmarks, (r) => r.blind),
      swapped: avgOver(mine, benchmarks, (r) => r.swapped),
    };
  });
  const chance = avgOver(runs, benchmarks, (r) => r.chance);
  const prior = avgOver(runs, benchmarks, (r) => r.prior);
  const cell = (s: { mean: number; std: number } | undefined, seeds: number) => {
    if (!s) return '-';
    return seeds > 1 ? `${s.mean.toFixed(1)} ± ${s.std.toFixed(1)}` : s.mean;
  };
  // per benchmark, the controls some variant was scored under: one column each after its Avg
  const controlsOf = (b: string) => CHECKPOINT_CONTROLS.filter((c) => variants.some((v) => v[c][b]));
  const rows = variants.map((v) => [
    v.variant,
    v.curriculum,
    String(v.seeds.length),
    ...benchmarks.flatMap((b) => [cell(v.avg[b], v.seeds.length), ...controlsOf(b).map((c) => cell(v[c][b], v.seeds.length))]),
  ]);
  for (const [reference, levels] of Object.entries({ chance, prior }))
    if (Object.keys(levels).length)
      rows.push([reference, `(the \`${reference}\` policy)`, String(runs.length), ...benchmarks.flatMap((b) => [cell(levels[b], runs.length), ...controlsOf(b).map(() => '-')])]);
  const table = markdownTable(['variant', 'curriculum', 'seeds', ...benchmarks.flatMap((b) => [`${b} Avg`, ...controlsOf(b).map((c) => `${b} ${c} Avg`)])], rows);
  return { dir, benchmarks, variants, chance, prior, runs, table };
}

export interface AblationOptions {
  /** Variant names from the config's `ablations` (default: all of them); not with a sweep. */
  variants?: string[];
  /** Extra variants given as stage orders (`parseOrder`), named by the order ("a>b"); not with a sweep. */
  orders?: string[];
  /** Runs per variant, with seeds seed .. seed + seeds - 1 (default 1). */
  seeds?: number;
  /** Where the comparison goes (default `<runsDir>/<name>-ablation`, or `<runsDir>/ablation` for a sweep). */
  out?: string;
  /** Continue every run that exists and start the others (`ladder ablate --resume`). */
  resume?: boolean;
  force?: boolean;
}

/** One planned variant: which config entry it runs and how its curriculum changes. */
interface Plan {
  variant: string;
  /** Index into `loaded.configs` (a sweep's entry, or 0). */
  index: number;
  spec?: CurriculumVariant;
  /** Where the variant was defined (`ablations.<name>`, `--order ...`), for errors. */
  from?: string;
}

/**
 * Run every variant of a loaded config and compare them. Variants come from a
 * sweep (one per entry) or from the config's `ablations` plus `orders`. Every
 * run of a variant keeps the config's data seed, so all seeds train on one
 * dataset; the run seed is the config's seed plus the repetition index.
 */
export async function runAblation(loaded: LoadedConfig, opts: AblationOptions = {}): Promise<AblationSummary> {
  const where = loaded.filepath ?? 'default config';
  const make = (config: UserConfig, index: number) =>
    createLadder(config, { baseDir: loaded.baseDir, where, overrides: loaded.afterPresets[index] });
  const seeds = opts.seeds ?? 1;
  let base: Ladder | undefined;
  let plans: Plan[];
  if (loaded.sweep) {
    if (opts.variants || opts.orders?.length) throw new UsageError('--variants and --order apply to a single config, not a sweep');
    plans = loaded.configs.map((config, index) => ({ variant: config.name ?? `variant-${index}`, index }));
  } else {
    base = await make(loaded.configs[0]!, 0);
    const defined = base.config.ablations;
    const wanted = opts.variants ?? Object.keys(defined);
    const unknown = wanted.filter((v) => !(v in defined));
    if (unknown.length)
      throw new UsageError(`--variants: unknown ${unknown.join(', ')}; the config defines ${Object.keys(defined).join(', ') || 'none (config key `ablations`)'}`);
    const custom = (opts.orders ?? []).map((order) => ({ variant: order.replace(/,/g, '>'), index: 0, spec: parseOrder(order), from: `--order ${order}` }));
    plans = [...wanted.map((variant) => ({ variant, index: 0, spec: defined[variant], from: `ablations.${variant}` })), ...custom];
    if (!plans.length) throw new UsageError('nothing to ablate: the config defines no `ablations` and no --order was given');
    // every variant's curriculum, from one waterfall on the base: a misspelt stage in --order or
    // `ablations` stops the command here, before the dataset is built and any variant trains
    const rewritten = base.hooks.curriculum.call(structuredClone(base.config.curriculum));
    for (const plan of plans)
      try {
        if (plan.spec) applyVariant(rewritten, plan.spec);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        throw new ConfigError(`variant "${plan.variant}" (${plan.from}): ${messageOf(error)}`, { cause: error });
      }
    // the shared dataset, built (or found cached) once; a missing piece is reported by the first run instead
    if (!preflight(base, [], { train: false, evaluate: false }).length) {
      checkOptions(base, base.config.curriculum); // a bad stage or model option stops here, before the dataset is built
      await buildDataset(base);
    }
  }

  const runs: AblationRun[] = [];
  let first = base;
  for (const plan of plans) {
    const template = base ?? (await make(loaded.configs[plan.index]!, plan.index));
    first ??= template;
    const user = loaded.configs[plan.index]!;
    const { seed: firstSeed, name: baseName } = template.config;
    // every seed trains on the same dataset: the data seed stays the config's
    const dataSeed = typeof template.config.data.seed === 'number' ? template.config.data.seed : firstSeed;
    for (let i = 0; i < seeds; i++) {
      const seed = firstSeed + i;
      const name = `${base ? `${baseName}-` : ''}${plan.variant}${seeds > 1 ? `-seed${seed}` : ''}`.replace(/[^\w.-]/g, '_');
      const ladder = await make({ ...user, name, seed, data: { ...user.data, seed: dataSeed } }, plan.index);
      const curriculum = resolveCurriculum(ladder, plan.spec);
      const summary = await runCurriculum(ladder, {
        // an ablation continued with --resume starts the runs it had not reached
        resume: opts.resume && 'if-present',
        force: opts.force,
        curriculum,
        evaluateAt: variantEvaluationPoints(ladder.config.evaluate.at, curriculum),
      });
      const point = Object.keys(summary.state.evaluations).at(-1) ?? '';
      runs.push({
        variant: plan.variant,
        seed,
        name,
        dir: summary.dir,
        stages: summary.state.stages.map((s) => s.name),
        point,
        final: summary.state.evaluations[point] ?? {},
        blind: summary.state.blind?.[point] ?? {},
        swapped: summary.state.swapped?.[point] ?? {},
        chance: summary.state.chance ?? {},
        prior: summary.state.prior ?? {},
      });
    }
  }
  const out = resolve(opts.out ?? join(first!.config.runsDir, `${base ? `${base.config.name}-` : ''}ablation`));
  const summary = summarizeAblation(runs, out);
  await writeJsonAtomic(join(out, 'comparison.json'), { variants: summary.variants, chance: summary.chance, prior: summary.prior, runs: summary.runs });
  await writeFileAtomic(join(out, 'comparison.md'), `${summary.table}\n\n${CONTROLS_LEGEND}\n`);
  await first!.hooks.compare.promise(summary);
  return summary;
}
