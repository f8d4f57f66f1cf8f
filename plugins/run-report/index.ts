/**
 * run-report: the figures of a run and of an ablation, as PNG.
 *
 * - After a run (`done`): `<run>/plots/loss.png` (one line per stage, the
 *   stages end to end on the run's global step), `reward_mean.png` and
 *   `reward_std.png` (one line per stage on the stage's own step: the
 *   paper's Figure 4 curves), from metrics.jsonl. `ladder analyze dynamics`
 *   draws every metric per stage, reward components apart, runs side by side.
 *   It also logs, per stage and reward component, the means of the first and
 *   last fifth of the steps and whether the change is beyond step noise, and
 *   adds to report.md (which `ladder run` prints last) the paired differences
 *   of the run's scores with their intervals over the benchmark's rows
 *   (lib/analysis/paired.ts).
 * - After `ladder ablate` (`compare`): `<out>/ablation.png`, one bar group per
 *   variant, one bar per benchmark (and its blind control), mean with +-std
 *   whiskers over seeds (the paper's Figure 13); the chance and prior levels
 *   last. comparison.md gets the paired differences of each variant against
 *   the first and against its controls, pooled over seeds (lib/analysis/paired.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CHECKPOINT_CONTROLS, definePlugin, REFERENCES, readJsonLines, readRunState, RunDirectory, writeFileAtomic, z, type MetricEvent } from '../../core/index.ts';
import { ablationPairedTables, dominantAnswers, fifthsTrend, PAIRED_LEGEND, pairedTables, type PredictionRow } from '../../lib/analysis/index.ts';
import { barChartSvg, lineChartSvg, writePng, type Series } from '../../lib/charts/index.ts';

const PLUGIN_NAME = 'run-report';

/** Curves drawn per run: file -> metric key and title; `local`: on each stage's own step. */
const CURVES = [
  { file: 'loss.png', key: 'loss', title: 'training loss', local: false },
  { file: 'reward_mean.png', key: 'reward_mean', title: 'reward mean', local: true },
  { file: 'reward_std.png', key: 'reward_std', title: 'reward std (within groups)', local: true },
] as const;

/** One series per stage: laid end to end on a global step axis, or each on its own steps (`local`). */
export function stageSeries(events: MetricEvent[], key: string, local = false): Series[] {
  const series: Series[] = [];
  let offset = 0;
  for (const stage of [...new Set(events.filter((e) => e.event === 'step').map((e) => e.stage ?? ''))]) {
    const steps = events.filter((e) => e.event === 'step' && e.stage === stage && typeof e.step === 'number');
    const points = steps.filter((e) => typeof e[key] === 'number').map((e): [number, number] => [offset + e.step!, e[key] as number]);
    if (points.length) series.push({ name: stage, points });
    if (!local) offset += Math.max(0, ...steps.map((e) => e.step!));
  }
  return series;
}

/**
 * Per stage and reward component (`reward_<id>`; not the total or its spread):
 * the means of the first and last fifth of the stage's steps and the change in
 * standard errors (lib/analysis `fifthsTrend`); |z| >= 2 is a change beyond step
 * noise. Stages under 10 steps are left out.
 */
export function rewardTrends(events: MetricEvent[]): string[] {
  const lines: string[] = [];
  const steps = events.filter((e) => e.event === 'step');
  for (const stage of [...new Set(steps.map((e) => e.stage ?? ''))]) {
    const own = steps.filter((e) => e.stage === stage);
    const keys = [...new Set(own.flatMap((e) => Object.keys(e).filter((k) => /^reward_/.test(k) && k !== 'reward_mean' && k !== 'reward_std')))].sort();
    for (const key of keys) {
      const values = own.map((e) => e[key]).filter((v): v is number => typeof v === 'number');
      const trend = fifthsTrend(values);
      if (!trend) continue;
      const z = trend.z ?? 0;
      const verdict = Math.abs(z) < 2 ? 'within step noise' : z > 0 ? 'a rise beyond step noise' : 'a fall beyond step noise';
      lines.push(
        `${stage}: ${key} ${trend.first.toFixed(3)} -> ${trend.last.toFixed(3)}, first -> last fifth of ${values.length} steps (${trend.change >= 0 ? '+' : ''}${trend.change.toFixed(3)}, z ${z.toFixed(1)}: ${verdict})`,
      );
    }
  }
  return lines;
}

/**
 * Per evaluation point and benchmark the run recorded (state.json, in the
 * order evaluated; the blind controls and the chance policy are recorded
 * apart and left out): the question types answered with one answer to at
 * least 90% of their questions, e.g. `understanding, held-out: object-counting "1" to 155 of 155`.
 */
export function dominantAnswerLines(run: RunDirectory): string[] {
  const lines: string[] = [];
  if (!existsSync(run.stateFile)) return lines;
  for (const [point, benchmarks] of Object.entries(readRunState(run.dir).evaluations))
    for (const benchmark of Object.keys(benchmarks)) {
      const file = join(run.evalDir(point, benchmark), 'predictions.jsonl');
      const found = existsSync(file) ? dominantAnswers(readJsonLines<PredictionRow>(file)) : [];
      if (found.length)
        lines.push(`${point}, ${benchmark}: one answer whatever the question: ${found.map((d) => `${d.type} "${d.answer}" to ${d.count} of ${d.total}`).join(', ')}`);
    }
  return lines;
}

/** Add the paired tables to a markdown file core wrote (left alone when there is none). */
async function appendSection(file: string, tables: string[]) {
  if (existsSync(file)) await writeFileAtomic(file, `${readFileSync(file, 'utf8').trimEnd()}\n\n## Paired differences\n\n${tables.join('\n\n')}\n\n${PAIRED_LEGEND}\n`);
}

export default definePlugin({
  name: PLUGIN_NAME,
  options: z.strictObject({ width: z.number().int().min(200).default(720), height: z.number().int().min(150).default(400) }),
  apply(ladder, { width, height }) {
    ladder.hooks.done.tapPromise(PLUGIN_NAME, async (run) => {
      const events = readJsonLines<MetricEvent>(join(run.dir, 'metrics.jsonl'));
      const written: string[] = [];
      for (const curve of CURVES) {
        const series = stageSeries(events, curve.key, curve.local);
        if (!series.length) continue;
        const xLabel = curve.local ? `${series.length === 1 ? series[0]!.name : 'stage'} step` : 'step (stages end to end)';
        await writePng(join(run.dir, 'plots', curve.file), lineChartSvg({ title: `${run.name}: ${curve.title}`, xLabel, yLabel: curve.key, series, width, height }));
        written.push(curve.file);
      }
      if (written.length) ladder.log(`plots: ${written.join(', ')} in ${join(run.dir, 'plots')}`);
      for (const line of rewardTrends(events)) ladder.log(line);
      const directory = new RunDirectory(dirname(run.dir), basename(run.dir));
      for (const line of dominantAnswerLines(directory)) ladder.log(line);
      const paired = existsSync(directory.stateFile) ? pairedTables(directory, readRunState(directory.dir)) : [];
      if (paired.length) await appendSection(join(directory.dir, 'report.md'), paired); // printed with the run's tables
    });

    ladder.hooks.compare.tapPromise(PLUGIN_NAME, async (summary) => {
      if (!summary.benchmarks.length) return;
      const file = join(summary.dir, 'ablation.png');
      // the reference levels as the last groups, each a bar of every benchmark it was scored on
      const references = REFERENCES.filter((r) => Object.keys(summary[r]).length);
      await writePng(
        file,
        barChartSvg({
          title: 'Curriculum variants: final benchmark Avg (mean ± std over seeds)',
          yLabel: 'Avg',
          groups: [...summary.variants.map((v) => v.variant), ...references],
          series: summary.benchmarks.flatMap((b) => [
            {
              name: b,
              values: [...summary.variants.map((v) => v.avg[b]?.mean ?? NaN), ...references.map((r) => summary[r][b]?.mean ?? NaN)],
              errors: [...summary.variants.map((v) => v.avg[b]?.std ?? 0), ...references.map((r) => summary[r][b]?.std ?? 0)],
            },
            ...CHECKPOINT_CONTROLS.filter((c) => summary.variants.some((v) => v[c][b])).map((c) => ({
              name: `${b} (${c})`,
              values: [...summary.variants.map((v) => v[c][b]?.mean ?? NaN), ...references.map(() => NaN)],
              errors: [...summary.variants.map((v) => v[c][b]?.std ?? 0), ...references.map(() => 0)],
            })),
          ]),
          height,
        }),
      );
      ladder.log(`ablation chart: ${file}`);
      const paired = ablationPairedTables(summary);
      if (paired.length) await appendSection(join(summary.dir, 'comparison.md'), paired); // printed with the comparison
    });
  },
});
