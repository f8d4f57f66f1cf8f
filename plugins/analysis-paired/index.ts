/**
 * analysis-paired: `ladder analyze paired`, the paired differences of runs'
 * scores with 95% intervals over the benchmark's rows (lib/analysis/paired.ts),
 * from the predictions the runs saved; nothing is asked again.
 *
 * - `--run <name>`: the run's own table, the one a finished run prints (each
 *   checkpoint against its blind and swapped controls, the chance and prior
 *   policies and the point before), also for runs made before runs printed it.
 * - `--run <name>-ablation`: the ablation's table (each variant against the
 *   first at the same seeds and against its controls, pooled over seeds).
 * - `--run <names> --against <names>`: runs against runs paired by seed (a
 *   changed config against the default, say): each run's last evaluation
 *   point (`--point`, `--against-point` pick others) minus that of the run
 *   with its seed, per seed and the mean over seeds.
 */
import { basename, dirname, join } from 'node:path';
import { definePlugin, readRun, RunDirectory, summarizeAblation, UsageError, type AblationRun, type Analysis, type AnalysisRun, type RunState } from '../../core/index.ts';
import { ablationPairedTables, PAIRED_LEGEND, pairedTables, seedPairedTables, type RunEvaluation } from '../../lib/analysis/index.ts';

const PLUGIN_NAME = 'analysis-paired';
export const ANALYSIS_ID = 'paired';

/** "progressive seed 43" (an ablation's label) -> "progressive". */
const variantOf = (run: AnalysisRun) => run.label.replace(/ seed \d+$/, '');

/** The seed a run recorded (config.json), for pairing. */
function seedOf(run: AnalysisRun): number {
  const seed = run.config?.seed;
  if (typeof seed !== 'number') throw new UsageError(`ladder analyze ${ANALYSIS_ID}: run ${run.name} records no seed (${join(run.dir, 'config.json')}): it cannot be paired by seed`);
  return seed;
}

/** A run's evaluation at `point` (default its last), for every benchmark scored there. */
function evaluationAt(run: AnalysisRun, state: RunState, point: string | undefined, flag: string): RunEvaluation {
  const points = Object.keys(state.evaluations);
  const at = point ?? points.at(-1);
  if (!at || !state.evaluations[at])
    throw new UsageError(`ladder analyze ${ANALYSIS_ID}: ${flag}: run ${run.name} has no evaluation ${point ? `"${point}"` : 'at all'}${points.length ? ` (it has ${points.join(', ')})` : ''}`);
  const directory = new RunDirectory(dirname(run.dir), basename(run.dir));
  const scored = Object.fromEntries(Object.entries(state.evaluations[at]!).map(([benchmark, report]) => [benchmark, { report, dir: directory.evalDir(at, benchmark) }]));
  return { label: run.name, seed: seedOf(run), point: at, scored };
}

const stateOf = (run: AnalysisRun) => {
  if (!run.state) throw new UsageError(`ladder analyze ${ANALYSIS_ID}: run ${run.name} has no state.json: it recorded no evaluation`);
  return run.state;
};

const analysis: Analysis = {
  id: ANALYSIS_ID,
  description: "paired differences of runs' scores with 95% intervals over the benchmark's rows: checkpoints against their controls, variants against each other, runs against runs by seed",
  target: 'runs',
  options: {
    against: { type: 'list', description: 'runs to compare the --run runs with, paired by seed (comma-separated)' },
    point: { type: 'string', description: "with --against: the --run runs' evaluation point (default: each run's last)" },
    againstPoint: { type: 'string', description: "with --against: the --against runs' evaluation point (default: each run's last)" },
  },
  help: [
    'Reads the predictions the runs saved (eval/<point>/<benchmark>/predictions.jsonl) and asks nothing again.',
    'Each difference is the Avg of one side minus the other on the rows both scored, with the 2.5th and 97.5th',
    'percentiles of 2,000 bootstrap resamples that draw the same rows for both sides (each question type apart);',
    '"*" marks an interval that leaves out 0. Over several seeds, the mean of the seeds\' differences, under one',
    'draw of rows for all of them. Writes report.md and result.json (the tables).',
  ].join('\n'),
  async run(ctx) {
    const { against, point, againstPoint } = ctx.options as { against?: string[]; point?: string; againstPoint?: string };
    if (!against && (point || againstPoint)) throw new UsageError(`ladder analyze ${ANALYSIS_ID}: --point and --against-point pick the points compared with --against`);
    const sections: { title: string; tables: string[] }[] = [];
    if (against) {
      const a = ctx.runs.map((run) => evaluationAt(run, stateOf(run), point, '--point'));
      const b = against.map((name) => readRun(ctx.ladder.config.runsDir, name, ANALYSIS_ID, true, '--against')).map((run) => evaluationAt(run, stateOf(run), againstPoint, '--against-point'));
      let tables: string[];
      try {
        tables = seedPairedTables(a, b);
      } catch (error) {
        throw new UsageError(`ladder analyze ${ANALYSIS_ID}: ${(error as Error).message}`);
      }
      sections.push({ title: `${ctx.runs.map((r) => r.name).join(', ')} against ${against.join(', ')}`, tables });
    } else if (ctx.runs.some((run) => run.label !== run.name)) {
      // an ablation folder: its runs, labelled by variant (and seed)
      const runs = ctx.runs.map((run): AblationRun => {
        const state = stateOf(run);
        const { point: last, seed, scored } = evaluationAt(run, state, undefined, '--run');
        return {
          variant: variantOf(run),
          seed,
          name: run.name,
          dir: run.dir,
          stages: state.stages.map((s) => s.name),
          point: last,
          final: Object.fromEntries(Object.entries(scored).map(([benchmark, s]) => [benchmark, s.report])),
          blind: state.blind?.[last],
          swapped: state.swapped?.[last],
        };
      });
      sections.push({ title: 'variants', tables: ablationPairedTables(summarizeAblation(runs, ctx.dir)) });
    } else
      for (const run of ctx.runs) sections.push({ title: run.name, tables: pairedTables(new RunDirectory(dirname(run.dir), basename(run.dir)), stateOf(run)) });
    const found = sections.filter((s) => s.tables.length);
    if (!found.length) throw new UsageError(`ladder analyze ${ANALYSIS_ID}: nothing to compare in ${ctx.runs.map((r) => r.name).join(', ')} (no evaluation with a control, reference or second point)`);
    const markdown = [...found.map((s) => `## ${s.title}\n\n${s.tables.join('\n\n')}`), PAIRED_LEGEND].join('\n\n');
    return { markdown, result: found };
  },
};

export default definePlugin({
  name: PLUGIN_NAME,
  apply(ladder) {
    ladder.hooks.analyses.for(ANALYSIS_ID).tap(PLUGIN_NAME, () => analysis);
  },
});
