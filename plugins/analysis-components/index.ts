/**
 * analysis-components: `ladder analyze components`, the component ablation
 * (paper Figure 5). Variants of the config's curriculum, found by what each
 * stage does rather than by name: without stage 1 (the SFT stages on
 * localization alone), without stage 2 (the other SFT stages), without
 * stage 3 (cold start and GRPO), without single-image and multi-view data
 * (the spatial stages on video alone; localization stays), without chain of
 * thought (no cold start, GRPO asked for direct answers and rewarded for
 * accuracy only). They run through `runAblation`, as `ladder ablate` runs
 * the config's `ablations`: the same initial weights, seeds and dataset.
 * The final Avg per variant and benchmark beside the full ladder's and the
 * chance policy's, a bar chart.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConfigError,
  definePlugin,
  loadedFrom,
  markdownTable,
  resolveCurriculum,
  runAblation,
  stableJson,
  UsageError,
  type AblationSummary,
  type Analysis,
  type AnalysisContext,
  type BenchmarkReport,
  type CurriculumVariant,
  type StageEntry,
} from '../../core/index.ts';
import { chanceReports } from '../../lib/analysis/index.ts';
import { barChartSvg, writePng } from '../../lib/charts/index.ts';

const PLUGIN_NAME = 'analysis-components';
export const ANALYSIS_ID = 'components';

/** The variants, in the order of the paper's Figure 5. */
export const COMPONENTS = ['full', 'no-stage1', 'no-stage2', 'no-stage3', 'no-si-mv', 'no-cot'] as const;
export type Component = (typeof COMPONENTS)[number];

const DESCRIPTIONS: Record<Component, string> = {
  full: 'the whole curriculum',
  'no-stage1': 'without stage 1 (perception: localization SFT)',
  'no-stage2': 'without stage 2 (understanding: spatial SFT)',
  'no-stage3': 'without stage 3 (cold start and GRPO)',
  'no-si-mv': 'without single-image and multi-view spatial data (video only; localization kept)',
  'no-cot': 'without chain of thought (no cold start; GRPO on direct answers, accuracy reward only)',
};

const localizationOnly = (e: StageEntry) => e.data.every((s) => s.tasks?.length && s.tasks.every((t) => t === 'localization'));
const isReasoning = (e: StageEntry) => e.kind === 'cold-start' || e.kind === 'grpo';

/** Which stages of a curriculum are stage 1, 2 and 3 of the ladder, by kind and data. */
export function ladderStages(curriculum: StageEntry[]): { perception: string[]; understanding: string[]; reasoning: string[] } {
  return {
    perception: curriculum.filter((e) => !isReasoning(e) && localizationOnly(e)).map((e) => e.name),
    understanding: curriculum.filter((e) => !isReasoning(e) && !localizationOnly(e)).map((e) => e.name),
    reasoning: curriculum.filter(isReasoning).map((e) => e.name),
  };
}

/**
 * Each component's curriculum variant; a component the curriculum does not
 * have (no stage of that role, no chain of thought) is absent, with why.
 */
export function componentVariants(curriculum: StageEntry[]): { variants: Partial<Record<Component, CurriculumVariant>>; skipped: Partial<Record<Component, string>> } {
  const { perception, understanding, reasoning } = ladderStages(curriculum);
  const spatial = [...understanding, ...reasoning];
  const grpo = curriculum.filter((e) => e.kind === 'grpo');
  const coldStart = curriculum.filter((e) => e.kind === 'cold-start').map((e) => e.name);
  const thinks = grpo.some((e) => (e.options.style ?? 'think') === 'think');
  const variants: Partial<Record<Component, CurriculumVariant>> = { full: {} };
  const skipped: Partial<Record<Component, string>> = {};
  const add = (component: Component, variant: CurriculumVariant | undefined, why: string) => {
    if (variant) variants[component] = variant;
    else skipped[component] = why;
  };
  add('no-stage1', perception.length ? { drop: perception } : undefined, 'no SFT stage trains on localization alone');
  add('no-stage2', understanding.length ? { drop: understanding } : undefined, 'no SFT stage trains on spatial questions');
  add('no-stage3', reasoning.length ? { drop: reasoning } : undefined, 'no cold-start or GRPO stage');
  add('no-si-mv', spatial.length ? { stages: Object.fromEntries(spatial.map((name) => [name, { modalities: ['video'] }])) } : undefined, 'no spatial stage');
  add(
    'no-cot',
    thinks ? { drop: coldStart, stages: Object.fromEntries(grpo.map((e) => [e.name, { options: { style: 'direct' }, rewards: { accuracy: 1 } }])) } : undefined,
    'no GRPO stage asks for a chain of thought',
  );
  return { variants, skipped };
}

/** A run a killed invocation left is continued only when it trains this variant's curriculum. */
function checkLeftRuns(ctx: AnalysisContext, names: Component[], variants: Partial<Record<Component, CurriculumVariant>>, seeds: number): void {
  const { runsDir } = ctx.ladder.config;
  for (const variant of names)
    for (let i = 0; i < seeds; i++) {
      const seed = ctx.seed + i;
      const file = join(runsDir, `${ctx.name}-${variant}${seeds > 1 ? `-seed${seed}` : ''}`, 'config.json');
      if (!existsSync(file)) continue;
      const { config } = JSON.parse(readFileSync(file, 'utf8')) as { config: { curriculum?: unknown; model?: unknown } };
      const planned = resolveCurriculum(ctx.ladder, variants[variant]);
      const differ = [
        ...(stableJson(config.curriculum) !== stableJson(planned) ? ['curriculum'] : []),
        ...(stableJson(config.model) !== stableJson(ctx.ladder.config.model) ? ['model'] : []),
      ];
      if (differ.length) throw new ConfigError(`${ANALYSIS_ID}: ${file} records another ${differ.join(' and ')} than variant ${variant} of this config; pass --fresh to train it again`);
    }
}

async function analyse(ctx: AnalysisContext) {
  const { variants: wanted, seeds, width, height } = ctx.options as { variants: string[]; seeds: number; width: number; height: number };
  if (seeds < 1) throw new UsageError('--seeds: at least 1');
  const unknown = wanted.filter((v) => !(COMPONENTS as readonly string[]).includes(v));
  if (unknown.length) throw new UsageError(`--variants: unknown ${unknown.join(', ')}; the components are ${COMPONENTS.join(', ')}`);
  const { benchmarks } = ctx.ladder.config.evaluate;
  if (!benchmarks.length) throw new ConfigError(`${ANALYSIS_ID}: evaluate.benchmarks is empty: nothing to compare the variants on`);
  const { variants, skipped } = componentVariants(resolveCurriculum(ctx.ladder));
  const names = COMPONENTS.filter((c) => wanted.includes(c) && variants[c]);
  for (const c of COMPONENTS.filter((c) => wanted.includes(c) && skipped[c])) ctx.log(`${ANALYSIS_ID}: ${c} skipped: ${skipped[c]}`);
  if (!names.length) throw new ConfigError(`${ANALYSIS_ID}: none of ${wanted.join(', ')} applies to this curriculum`);
  if (!ctx.fresh) checkLeftRuns(ctx, names, variants, seeds);

  const chance = await chanceReports(ctx.ladder, benchmarks, ctx.dir, await ctx.dataset());
  const ablations = Object.fromEntries(names.map((n) => [n, variants[n]!]));
  // the config's own `ablations` merge with these: name the ones to run
  const summary = await runAblation(loadedFrom(ctx.ladder, { name: ctx.name, ablations }), {
    variants: names,
    seeds,
    out: join(ctx.ladder.config.runsDir, `${ctx.name}-components`),
    ...(ctx.fresh ? { force: true } : { resume: true }),
  });
  return report(ctx, summary, chance, { width, height });
}

async function report(ctx: AnalysisContext, summary: AblationSummary, chance: Record<string, BenchmarkReport>, size: { width: number; height: number }) {
  const benchmarks = Object.keys(chance);
  const full = summary.variants.find((v) => v.variant === 'full');
  await writePng(
    join(ctx.dir, 'components.png'),
    barChartSvg({
      title: 'Component ablation: final Avg per variant',
      yLabel: 'Avg',
      groups: summary.variants.map((v) => v.variant),
      series: benchmarks.map((b) => ({
        name: b,
        values: summary.variants.map((v) => v.avg[b]?.mean ?? NaN),
        ...(summary.variants.some((v) => v.seeds.length > 1) ? { errors: summary.variants.map((v) => v.avg[b]?.std ?? 0) } : {}),
      })),
      reference: benchmarks.map((b) => ({ value: chance[b]!.avg, label: `${b} chance` })),
      ...size,
    }),
  );
  const cell = (mean: number | undefined, std: number | undefined, n: number) => (mean === undefined ? '-' : n > 1 ? `${mean.toFixed(1)} ± ${std!.toFixed(1)}` : mean.toFixed(1));
  const table = markdownTable(
    ['variant', 'curriculum', 'seeds', ...benchmarks.flatMap((b) => [`${b} Avg`, ...(full ? [`${b} vs full`] : []), `${b} chance`])],
    summary.variants.map((v) => [
      v.variant,
      v.curriculum,
      String(v.seeds.length),
      ...benchmarks.flatMap((b) => {
        const s = v.avg[b];
        const delta = full?.avg[b] && s ? s.mean - full.avg[b].mean : undefined;
        return [cell(s?.mean, s?.std, v.seeds.length), ...(full ? [delta === undefined ? '-' : `${delta >= 0 ? '+' : ''}${delta.toFixed(1)}`] : []), chance[b]!.avg];
      }),
    ]),
  );
  const legend = summary.variants.map((v) => `- \`${v.variant}\`: ${DESCRIPTIONS[v.variant as Component] ?? v.variant}`).join('\n');
  return {
    markdown: `Final Avg per variant (runs in ${summary.dir}), beside the full ladder's and the chance policy's:\n\n${table}\n\n${legend}\n\n![component ablation](components.png)`,
    result: {
      comparison: summary.dir,
      variants: summary.variants,
      runs: summary.runs.map(({ variant, seed, name, stages, final }) => ({ variant, seed, name, stages, avg: Object.fromEntries(Object.entries(final).map(([b, r]) => [b, r.avg])) })),
      chance: Object.fromEntries(benchmarks.map((b) => [b, chance[b]!.avg])),
    },
  };
}

export const componentsAnalysis: Analysis = {
  id: ANALYSIS_ID,
  description: 'the component ablation: without each stage, without single-image and multi-view data, without chain of thought (paper Figure 5)',
  target: 'training',
  options: {
    variants: { type: 'list', default: [...COMPONENTS], description: `variants to run (${COMPONENTS.join(', ')})` },
    seeds: { type: 'int', default: 1, description: 'runs per variant, seeds seed .. seed + n - 1' },
    width: { type: 'int', default: 760, description: 'chart width in pixels', presentation: true },
    height: { type: 'int', default: 420, description: 'chart height in pixels', presentation: true },
  },
  help: [
    'Stages are found by what they do: stage 1 = SFT stages on localization alone, stage 2 = the other SFT stages,',
    'stage 3 = cold-start and GRPO stages. no-si-mv trains stages 2 and 3 on video questions alone; no-cot drops the',
    'cold start and runs GRPO on direct prompts with the accuracy reward alone. Each variant is a run',
    '<run>-<variant> (with --seeds n: <run>-<variant>-seed<s>) made by the ablation machinery of `ladder ablate`;',
    'the comparison goes to <runsDir>/<run>-components (comparison.json: `ladder analyze dynamics --run',
    '<run>-components` draws every variant\'s curves). A killed analysis continues its runs; --fresh trains them again.',
    'Writes components.png, report.md, result.json; the chance policy\'s predictions under chance/.',
  ].join('\n'),
  run: analyse,
};

export default definePlugin({
  name: PLUGIN_NAME,
  apply(ladder) {
    ladder.hooks.analyses.for(ANALYSIS_ID).tap(PLUGIN_NAME, () => componentsAnalysis);
  },
});
