/**
 * run-report: the figures of a run and of an ablation, as PNG.
 *
 * - After a run (`done`): `<run>/plots/loss.png`, `reward_mean.png` and
 *   `reward_std.png`, one line per stage over the run's global step (the
 *   paper's Figure 4 curves), from metrics.jsonl.
 * - After `ladder ablate` (`compare`): `<out>/ablation.png`, one bar group per
 *   variant, one bar per benchmark, mean with +-std whiskers over seeds (the
 *   paper's Figure 13).
 */
import { join } from 'node:path';
import { definePlugin, readJsonLines, z, type MetricEvent } from '../../core/index.ts';
import { barChartSvg, lineChartSvg, writePng, type Series } from '../../lib/charts/index.ts';

const PLUGIN_NAME = 'run-report';

/** Curves drawn per run: file -> metric key and title. */
const CURVES = [
  { file: 'loss.png', key: 'loss', title: 'training loss' },
  { file: 'reward_mean.png', key: 'reward_mean', title: 'reward mean' },
  { file: 'reward_std.png', key: 'reward_std', title: 'reward std (within groups)' },
] as const;

/** One series per stage, stages laid end to end on a global step axis. */
export function stageSeries(events: MetricEvent[], key: string): Series[] {
  const series: Series[] = [];
  let offset = 0;
  for (const stage of [...new Set(events.filter((e) => e.event === 'step').map((e) => e.stage ?? ''))]) {
    const steps = events.filter((e) => e.event === 'step' && e.stage === stage && typeof e.step === 'number');
    const points = steps.filter((e) => typeof e[key] === 'number').map((e): [number, number] => [offset + e.step!, e[key] as number]);
    if (points.length) series.push({ name: stage, points });
    offset += Math.max(0, ...steps.map((e) => e.step!));
  }
  return series;
}

export default definePlugin({
  name: PLUGIN_NAME,
  options: z.strictObject({ width: z.number().int().min(200).default(720), height: z.number().int().min(150).default(400) }),
  apply(ladder, { width, height }) {
    ladder.hooks.done.tapPromise(PLUGIN_NAME, async (run) => {
      const events = readJsonLines<MetricEvent>(join(run.dir, 'metrics.jsonl'));
      const written: string[] = [];
      for (const curve of CURVES) {
        const series = stageSeries(events, curve.key);
        if (!series.length) continue;
        await writePng(join(run.dir, 'plots', curve.file), lineChartSvg({ title: `${run.name}: ${curve.title}`, xLabel: 'step', yLabel: curve.key, series, width, height }));
        written.push(curve.file);
      }
      if (written.length) ladder.log(`plots: ${written.join(', ')} in ${join(run.dir, 'plots')}`);
    });

    ladder.hooks.compare.tapPromise(PLUGIN_NAME, async (summary) => {
      if (!summary.benchmarks.length) return;
      const file = join(summary.dir, 'ablation.png');
      await writePng(
        file,
        barChartSvg({
          title: 'Curriculum variants: final benchmark Avg (mean ± std over seeds)',
          yLabel: 'Avg',
          groups: summary.variants.map((v) => v.variant),
          series: summary.benchmarks.map((b) => ({
            name: b,
            values: summary.variants.map((v) => v.avg[b]?.mean ?? NaN),
            errors: summary.variants.map((v) => v.avg[b]?.std ?? 0),
          })),
          height,
        }),
      );
      ladder.log(`ablation chart: ${file}`);
    });
  },
});
