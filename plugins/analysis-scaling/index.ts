/**
 * analysis-scaling: `ladder analyze scaling`, data scaling (paper Figure 12).
 * The ladder trained again on shares of the training set, the same share of
 * every stage's selection (`DataSelection.fraction`: one seeded order per
 * selection, so a smaller share's samples are among a larger one's), each
 * run evaluated after its last stage; 0% is the untrained model. The final
 * Avg per benchmark and share beside the chance policy's, a line plot.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConfigError,
  UsageError,
  createRandom,
  definePlugin,
  markdownTable,
  recordedDifferences,
  resolveCurriculum,
  runCurriculum,
  selectSamples,
  stableJson,
  type Analysis,
  type AnalysisContext,
  type BenchmarkReport,
  type Ladder,
  type StageEntry,
} from '../../core/index.ts';
import { chanceReports } from '../../lib/analysis/index.ts';
import { lineChartSvg, writePng } from '../../lib/charts/index.ts';

const PLUGIN_NAME = 'analysis-scaling';
export const ANALYSIS_ID = 'scaling';

export interface ScalingPoint {
  fraction: number;
  run: string;
  /** Stage -> training samples it selected. */
  samples: Record<string, number>;
  /** Where it was evaluated ("base" for 0%, else the last stage). */
  point: string;
  /** Benchmark -> scores there. */
  scores: Record<string, { avg: number | null; nq: number | null; mcq: number | null }>;
}

/** Every selection of every stage cut to `fraction` of itself (times any share it already had). */
export function scaledCurriculum(curriculum: StageEntry[], fraction: number): StageEntry[] {
  return curriculum.map((entry) => ({ ...entry, data: entry.data.map((s) => ({ ...s, fraction: (s.fraction ?? 1) * fraction })) }));
}

/** "25" for 0.25, "12.5" for 0.125: how run names and labels read a share. */
export const percent = (fraction: number) => String(Number((fraction * 100).toPrecision(6)));

function parseFractions(values: string[]): number[] {
  const fractions = values.map((v) => {
    const f = Number(v);
    if (v.trim() === '' || !Number.isFinite(f) || f < 0 || f > 1) throw new UsageError(`--fractions: "${v}" is not a share of the training set in [0, 1]`);
    return f;
  });
  return [...new Set(fractions)].sort((a, b) => a - b);
}

/** The run of one share: the config's ladder under another name, its curriculum cut, evaluated only where this analysis reads it. */
async function shareRun(ctx: AnalysisContext, fraction: number): Promise<{ ladder: Ladder; curriculum: StageEntry[]; point: string }> {
  const name = `${ctx.name}-data${percent(fraction)}`;
  const ladder = await ctx.derive({ name });
  const curriculum = fraction === 0 ? [] : scaledCurriculum(resolveCurriculum(ladder), fraction);
  const point = curriculum.at(-1)?.name ?? 'base';
  const recorded = join(ladder.config.runsDir, name, 'config.json');
  if (!ctx.fresh && existsSync(recorded)) {
    // a run left by an earlier invocation is continued only when it is this share of this config
    const { config: made } = JSON.parse(readFileSync(recorded, 'utf8')) as { config: Record<string, unknown> };
    const differ = recordedDifferences(ladder, made).map((d) => d.key as string);
    if (fraction > 0 && stableJson(made.curriculum) !== stableJson(curriculum)) differ.push('curriculum');
    if (differ.length)
      throw new ConfigError(`${ANALYSIS_ID}: ${join(ladder.config.runsDir, name)} was trained with another ${differ.join(', ')} than this config gives; pass --fresh to train it again`);
  }
  return { ladder, curriculum, point };
}

async function analyse(ctx: AnalysisContext) {
  const { fractions: given, width, height } = ctx.options as { fractions: string[]; width: number; height: number };
  const fractions = parseFractions(given);
  const { benchmarks } = ctx.ladder.config.evaluate;
  if (!benchmarks.length) throw new ConfigError(`${ANALYSIS_ID}: evaluate.benchmarks is empty: nothing to score the shares on`);
  const dataset = await ctx.dataset();
  const chance = await chanceReports(ctx.ladder, benchmarks, ctx.dir, dataset);
  const points: ScalingPoint[] = [];
  for (const fraction of fractions) {
    const { ladder, curriculum, point } = await shareRun(ctx, fraction);
    ctx.log(`${ANALYSIS_ID}: ${percent(fraction)}% of the training data -> run ${ladder.config.name}`);
    const summary = await runCurriculum(ladder, {
      train: fraction > 0,
      curriculum,
      evaluateAt: [point],
      ...(ctx.fresh ? { force: true } : { resume: 'if-present' }),
    });
    const reports = summary.state.evaluations[point] ?? {};
    points.push({
      fraction,
      run: ladder.config.name,
      samples: Object.fromEntries(curriculum.map((e) => [e.name, selectSamples(dataset.samples, e.data, createRandom(ladder.config.seed, `stage:${e.name}`)).length])),
      point,
      scores: Object.fromEntries(benchmarks.filter((b) => reports[b]).map((b) => [b, pick(reports[b]!)])),
    });
    await ctx.publish(await report(ctx, points, chance, { width, height }));
  }
  return report(ctx, points, chance, { width, height });
}

/** The report's means, as state.json holds them (a mean over no types is null). */
const pick = ({ avg, nq, mcq }: BenchmarkReport) => {
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  return { avg: finite(avg), nq: finite(nq), mcq: finite(mcq) };
};

async function report(ctx: AnalysisContext, points: ScalingPoint[], chance: Record<string, BenchmarkReport>, size: { width: number; height: number }) {
  const benchmarks = Object.keys(chance);
  const labels = points.map((p) => `${percent(p.fraction)}%`);
  await writePng(
    join(ctx.dir, 'scaling.png'),
    lineChartSvg({
      title: 'Data scaling: final Avg per share of the training set',
      xLabel: 'share of every stage\'s training data',
      yLabel: 'Avg',
      xLabels: labels,
      series: benchmarks.flatMap((b) => [
        { name: b, points: points.flatMap((p, i): [number, number][] => (p.scores[b]?.avg != null ? [[i, p.scores[b].avg]] : [])), markers: true },
        { name: `${b} chance`, points: [[0, chance[b]!.avg], [Math.max(1, points.length - 1), chance[b]!.avg]], dashed: true },
      ]),
      ...size,
    }),
  );
  const stages = [...new Set(points.flatMap((p) => Object.keys(p.samples)))];
  const table = markdownTable(
    ['share', 'run', 'evaluated at', ...stages.map((s) => `${s} samples`), ...benchmarks.flatMap((b) => [`${b} Avg`, `${b} chance`])],
    points.map((p, i) => [
      labels[i]!,
      p.run,
      p.point,
      ...stages.map((s) => (p.samples[s] === undefined ? '-' : String(p.samples[s]))),
      ...benchmarks.flatMap((b) => [p.scores[b]?.avg ?? NaN, chance[b]!.avg]),
    ]),
  );
  return {
    markdown: `Final Avg per share of the training set (every stage's selections cut to the share; 0% is the untrained model), beside the chance policy's:\n\n${table}\n\n![data scaling](scaling.png)`,
    result: { points, chance: Object.fromEntries(benchmarks.map((b) => [b, pick(chance[b]!)])) },
  };
}

export const scalingAnalysis: Analysis = {
  id: ANALYSIS_ID,
  description: 'the ladder trained on shares of the training set, final Avg per share (paper Figure 12)',
  target: 'training',
  options: {
    fractions: { type: 'list', default: ['0', '0.25', '0.5', '0.75', '1'], description: 'shares of the training set, in [0, 1]' },
    width: { type: 'int', default: 640, description: 'chart width in pixels', presentation: true },
    height: { type: 'int', default: 400, description: 'chart height in pixels', presentation: true },
  },
  help: [
    'Each share f trains the config\'s curriculum as run <run>-data<100 f> with every stage\'s selection cut to f of it',
    '(DataSelection.fraction: a prefix of one seeded order, so 25% is inside 50%), evaluated after its last stage on',
    'evaluate.benchmarks; 0% evaluates the untrained model. A killed analysis continues its runs; --fresh trains them',
    'again. Writes scaling.png, report.md, result.json; the chance policy\'s predictions under chance/.',
  ].join('\n'),
  run: analyse,
};

export default definePlugin({
  name: PLUGIN_NAME,
  apply(ladder) {
    ladder.hooks.analyses.for(ANALYSIS_ID).tap(PLUGIN_NAME, () => scalingAnalysis);
  },
});
