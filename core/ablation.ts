/**
 * Curriculum ablations: named variants of the curriculum (drop, mix, reorder
 * stages), each run from the same initial weights and seeds on the same cached
 * dataset, compared on their final benchmark scores (mean and spread over seeds).
 */
import { z } from 'zod';
import { ConfigError } from './errors.ts';
import { mixStages, orderStages } from './curriculum.ts';
import { markdownTable } from './report.ts';
import type { BenchmarkReport, StageEntry } from './types.ts';

export const variantSchema = z.strictObject({
  /** Stage names to remove. */
  drop: z.array(z.string()).default([]),
  /** Groups of stage names, each replaced by one stage training on their data jointly ("a+b"). */
  mix: z.array(z.array(z.string()).min(2)).default([]),
  /** The stages to keep, in this order (after drop and mix). */
  order: z.array(z.string()).optional(),
});
export type CurriculumVariant = z.input<typeof variantSchema>;

/** Apply a variant: drop, then mix, then order. */
export function applyVariant(curriculum: StageEntry[], variant: CurriculumVariant): StageEntry[] {
  const { drop, mix, order } = variantSchema.parse(variant);
  let out = curriculum.filter((s) => !drop.includes(s.name));
  for (const group of mix) out = mixStages(out, group);
  return order ? orderStages(out, order) : out;
}

/**
 * Where a variant is evaluated: the configured points its curriculum still has
 * (a dropped stage is no point), and always after its last stage, so that
 * variants are compared on what they end with.
 */
export function variantEvaluationPoints(at: string[] | undefined, curriculum: StageEntry[]): string[] | undefined {
  const names = curriculum.map((e) => e.name);
  const last = names.at(-1) ?? 'base';
  const kept = (at ?? ['base', ...curriculum.filter((e) => e.evaluate).map((e) => e.name)]).filter((p) => p === 'base' || names.includes(p));
  return kept.includes(last) ? kept : [...kept, last];
}

/** `--order "perception+understanding,reasoning"`: commas separate stages, "+" mixes. */
export function parseOrder(text: string): CurriculumVariant {
  const steps = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (!steps.length) throw new ConfigError(`--order "${text}": expected stage names separated by commas`);
  return { mix: steps.filter((s) => s.includes('+')).map((s) => s.split('+')), order: steps };
}

export interface AblationRun {
  variant: string;
  seed: number;
  name: string;
  dir: string;
  stages: string[];
  /** Benchmark id -> report at the run's last evaluation point. */
  final: Record<string, BenchmarkReport>;
}

export interface AblationVariantSummary {
  variant: string;
  curriculum: string;
  seeds: number[];
  /** Benchmark id -> mean and sample standard deviation of Avg over seeds. */
  avg: Record<string, { mean: number; std: number }>;
}

export interface AblationSummary {
  dir: string;
  benchmarks: string[];
  variants: AblationVariantSummary[];
  runs: AblationRun[];
  /** Markdown: one row per variant, mean (+- std) per benchmark. */
  table: string;
}

export function meanStd(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = values.length > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1)) : 0;
  return { mean, std };
}

export function summarizeAblation(runs: AblationRun[], dir: string): AblationSummary {
  const benchmarks = [...new Set(runs.flatMap((r) => Object.keys(r.final)))];
  const names = [...new Set(runs.map((r) => r.variant))];
  const variants = names.map((variant): AblationVariantSummary => {
    const mine = runs.filter((r) => r.variant === variant);
    const avg = Object.fromEntries(
      benchmarks
        .map((b) => [b, mine.map((r) => r.final[b]?.avg).filter((v): v is number => v !== undefined)] as const)
        .filter(([, values]) => values.length)
        .map(([b, values]) => [b, meanStd(values)]),
    );
    return { variant, curriculum: mine[0]!.stages.join(' -> ') || '(none)', seeds: mine.map((r) => r.seed), avg };
  });
  const cell = (v: AblationVariantSummary, b: string) => {
    const s = v.avg[b];
    if (!s) return '-';
    return v.seeds.length > 1 ? `${s.mean.toFixed(1)} ± ${s.std.toFixed(1)}` : s.mean;
  };
  const table = markdownTable(
    ['variant', 'curriculum', 'seeds', ...benchmarks.map((b) => `${b} Avg`)],
    variants.map((v) => [v.variant, v.curriculum, String(v.seeds.length), ...benchmarks.map((b) => cell(v, b))]),
  );
  return { dir, benchmarks, variants, runs, table };
}
