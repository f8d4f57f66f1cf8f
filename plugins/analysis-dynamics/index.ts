/**
 * analysis-dynamics: `ladder analyze dynamics`, training curves (paper
 * Figures 4, 10 and 11) from runs' metrics.jsonl. One chart per (stage,
 * metric), x the stage's own step (a stage starts at step 1, whatever came
 * before it), one line per run, so runs and ablation variants compare on one
 * chart: loss, each reward component (`reward_accuracy`, `reward_format`,
 * ...), the total reward's mean and its within-group standard deviation, KL,
 * completion length. The accuracy reward is drawn beside its chance level
 * (the expected score of uniform guessing on the stage's training samples).
 */
import { join } from 'node:path';
import {
  createRandom,
  definePlugin,
  LadderError,
  markdownTable,
  readJsonLines,
  recordedDifferences,
  selectSamples,
  type Analysis,
  type AnalysisContext,
  type AnalysisRun,
  type MetricEvent,
  type StageEntry,
} from '../../core/index.ts';
import { fifthsTrend, mean } from '../../lib/analysis/index.ts';
import { lineChartSvg, writePng, type Series } from '../../lib/charts/index.ts';
import { chanceScore } from '../../lib/scoring/index.ts';

const PLUGIN_NAME = 'analysis-dynamics';
export const ANALYSIS_ID = 'dynamics';

/** Metrics drawn when a stage logs them, in this order; reward components (`reward_<id>`) go after `reward_mean`. */
const METRICS = ['loss', 'reward_mean', 'reward_std', 'kl', 'completion_length'];
const TITLES: Record<string, string> = {
  loss: 'loss',
  reward_mean: 'total reward (mean)',
  reward_std: 'reward standard deviation (within groups)',
  kl: 'KL to the reference',
  completion_length: 'completion length (tokens)',
};

/**
 * The step events of a metrics file as it is: one per (stage, step), the
 * last line of each (a resumed run replaces the lines after its last
 * checkpoint; a file cut by a kill ends where it ends).
 */
export function stageSteps(events: MetricEvent[]): Map<string, MetricEvent[]> {
  const byStage = new Map<string, Map<number, MetricEvent>>();
  for (const e of events) {
    if (e.event !== 'step' || typeof e.step !== 'number') continue;
    const stage = e.stage ?? '';
    if (!byStage.has(stage)) byStage.set(stage, new Map());
    byStage.get(stage)!.set(e.step, e);
  }
  return new Map([...byStage].map(([stage, steps]) => [stage, [...steps.values()].sort((a, b) => a.step! - b.step!)]));
}

/** Moving average over `window` steps (1: the values as logged). */
export function smooth(points: [number, number][], window: number): [number, number][] {
  if (window <= 1) return points;
  return points.map(([x], i) => [x, mean(points.slice(Math.max(0, i - window + 1), i + 1).map(([, y]) => y))]);
}

const trendText = (values: readonly number[]) => {
  const trend = fifthsTrend(values);
  if (!trend) return '';
  const change = `${trend.change >= 0 ? '+' : ''}${trend.change.toFixed(4)}`;
  return trend.z === undefined ? change : `${change} (z ${trend.z.toFixed(1)})`;
};

interface RunCurves {
  run: AnalysisRun;
  stages: Map<string, MetricEvent[]>;
  /** Stage -> chance level of its accuracy reward (0..1), when the run's dataset is this config's. */
  chance: Map<string, number>;
}

async function chanceLevels(ctx: AnalysisContext, run: AnalysisRun): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const recorded = run.config;
  if (!recorded || recordedDifferences(ctx.ladder, recorded).some((d) => d.key === 'data')) return out;
  const dataset = await ctx.dataset();
  const seed = typeof recorded.seed === 'number' ? recorded.seed : ctx.seed;
  for (const entry of (recorded.curriculum ?? []) as StageEntry[])
    out.set(entry.name, mean(selectSamples(dataset.samples, entry.data, createRandom(seed, `stage:${entry.name}`)).map(chanceScore)));
  return out;
}

async function analyse(ctx: AnalysisContext) {
  const { smooth: window, width, height } = ctx.options as { smooth: number; width: number; height: number };
  const curves: RunCurves[] = [];
  for (const run of ctx.runs) curves.push({ run, stages: stageSteps(readJsonLines<MetricEvent>(join(run.dir, 'metrics.jsonl'))), chance: await chanceLevels(ctx, run) });
  const stages = [...new Set(curves.flatMap((c) => [...c.stages.keys()]))];
  if (!stages.length) throw new LadderError(`${ANALYSIS_ID}: no step metrics in ${ctx.runs.map((r) => join(r.dir, 'metrics.jsonl')).join(', ')}`);
  const charts: { stage: string; metric: string; file: string }[] = [];
  const rows: (string | number)[][] = [];
  for (const stage of stages) {
    const events = curves.flatMap((c) => c.stages.get(stage) ?? []);
    const components = [...new Set(events.flatMap((e) => Object.keys(e).filter((k) => /^reward_/.test(k) && !METRICS.includes(k))))].sort();
    const metrics = [...METRICS.slice(0, 3), ...components, ...METRICS.slice(3)].filter((m) => events.some((e) => typeof e[m] === 'number'));
    for (const metric of metrics) {
      const series: Series[] = curves.flatMap((c) => {
        const points = (c.stages.get(stage) ?? []).filter((e) => typeof e[metric] === 'number').map((e): [number, number] => [e.step!, e[metric] as number]);
        return points.length ? [{ name: c.run.label, points: smooth(points, window) }] : [];
      });
      const chance = metric === 'reward_accuracy' ? [...new Set(curves.map((c) => c.chance.get(stage)).filter((v): v is number => v !== undefined))] : [];
      const steps = series.flatMap((s) => s.points.map(([x]) => x));
      for (const [i, level] of chance.entries())
        series.push({ name: chance.length > 1 ? `chance (${i + 1})` : 'chance', points: [[Math.min(...steps), level], [Math.max(...steps), level]], dashed: true });
      const file = `${stage}-${metric}.png`.replace(/[^\w.-]/g, '_');
      await writePng(
        join(ctx.dir, file),
        lineChartSvg({
          title: `${stage}: ${TITLES[metric] ?? metric.replace(/^reward_/, 'reward: ')}${window > 1 ? ` (moving average of ${window})` : ''}`,
          xLabel: `${stage} step`,
          yLabel: metric,
          series,
          width,
          height,
        }),
      );
      charts.push({ stage, metric, file });
      for (const c of curves) {
        const values = (c.stages.get(stage) ?? []).map((e) => e[metric]).filter((v): v is number => typeof v === 'number');
        if (!values.length) continue;
        const ends = Math.max(1, Math.min(5, Math.floor(values.length / 2)));
        const level = metric === 'reward_accuracy' ? c.chance.get(stage) : undefined;
        rows.push([stage, metric, c.run.label, String(values.length), mean(values.slice(0, ends)).toFixed(4), mean(values.slice(-ends)).toFixed(4), trendText(values), level === undefined ? '' : level.toFixed(4)]);
      }
    }
  }
  const missing = curves.filter((c) => !c.chance.size && [...c.stages.values()].some((events) => events.some((e) => typeof e.reward_accuracy === 'number'))).map((c) => c.run.label);
  return {
    markdown: [
      `Training dynamics on stage-local steps (${curves.map((c) => c.run.label).join(', ')}); first and last: means of the first and last 5 logged steps (fewer when a stage logged under 10); trend: the last fifth's mean minus the first fifth's, and z, that change in standard errors (|z| above 2: beyond step-to-step noise; stages of 10 steps or more).`,
      markdownTable(['stage', 'metric', 'run', 'steps', 'first', 'last', 'trend', 'chance'], rows),
      missing.length ? `No chance level for ${missing.join(', ')}: their dataset is not this config's (analyse with the config they were made with).` : '',
      charts.map((c) => `![${c.stage} ${c.metric}](${c.file})`).join('\n'),
    ].filter(Boolean).join('\n\n'),
    result: {
      runs: curves.map((c) => ({
        name: c.run.name,
        label: c.run.label,
        dir: c.run.dir,
        chance: Object.fromEntries(c.chance),
        stages: Object.fromEntries([...c.stages].map(([stage, events]) => [stage, events.map(({ time: _t, event: _e, stage: _s, ...values }) => values)])),
      })),
      charts,
    },
  };
}

export const dynamicsAnalysis: Analysis = {
  id: ANALYSIS_ID,
  description: 'training curves per stage on stage-local steps, runs or ablation variants side by side (paper Figures 4, 10, 11)',
  target: 'runs',
  options: {
    smooth: { type: 'int', default: 1, description: 'moving average over this many steps (1: as logged)', presentation: true },
    width: { type: 'int', default: 720, description: 'chart width in pixels', presentation: true },
    height: { type: 'int', default: 400, description: 'chart height in pixels', presentation: true },
  },
  help: [
    'Reads <run>/metrics.jsonl of every run named (--run a,b; an ablation folder <name>-ablation stands for its',
    'variants). Per stage and metric one chart (<stage>-<metric>.png): loss, reward_mean, reward_std, each',
    'reward_<id>, kl, completion_length, whichever the stage logged; the accuracy reward beside the chance level',
    '(the expected score of uniform guessing on the stage\'s training samples; shown when the run was made from',
    "this config's dataset). report.md tabulates the first and last steps and the trend: the last fifth's mean",
    "minus the first fifth's, with z, that change in standard errors.",
  ].join('\n'),
  run: analyse,
};

export default definePlugin({
  name: PLUGIN_NAME,
  apply(ladder) {
    ladder.hooks.analyses.for(ANALYSIS_ID).tap(PLUGIN_NAME, () => dynamicsAnalysis);
  },
});
