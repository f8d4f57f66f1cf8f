/**
 * tracker-tensorboard: writes a run's metrics as TensorBoard event files
 * (event-file.ts), delivered off the training path by `tapTracker`.
 *
 * - `step` events: every numeric field as a scalar `<stage>/<key>` at the
 *   stage's step (the stage's own curve, as in metrics.jsonl).
 * - `evaluate` events: `eval/<benchmark>/NQ`, `/MCQ`, `/Avg` at the
 *   evaluation point's index: 0 for "base", k after the k-th stage.
 *
 * Files go to `<run dir>/tensorboard/`, or to `<logDir>/<run name>/` when
 * `logDir` is set, so that `tensorboard --logdir <logDir>` compares runs.
 * Each process writes its own file (a resumed run adds one).
 */
import { hostname } from 'node:os';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { definePlugin, tapTracker, z, type MetricEvent, type RunInfo, type Tracker } from '../../core/index.ts';
import { fileVersionEvent, scalarEvent, tfRecord } from './event-file.ts';

const PLUGIN_NAME = 'tracker-tensorboard';

/** Fields of a metric event that are not metrics. */
const NOT_METRICS = new Set(['event', 'stage', 'step', 'time', 'point', 'benchmark']);

/** Scalars of one metric event: [step, [tag, value][]], or undefined when it has none. */
export function scalarsOf(event: MetricEvent, run: RunInfo): [number, [string, number][]] | undefined {
  if (event.event === 'step' && event.stage !== undefined) {
    const scalars = Object.entries(event)
      .filter((e): e is [string, number] => !NOT_METRICS.has(e[0]) && typeof e[1] === 'number')
      .map(([key, value]): [string, number] => [`${event.stage}/${key}`, value]);
    return scalars.length ? [event.step ?? 0, scalars] : undefined;
  }
  if (event.event === 'evaluate') {
    const step = event.point === 'base' ? 0 : run.curriculum.findIndex((e) => e.name === event.point) + 1;
    const scores: [string, unknown][] = [['NQ', event.nq], ['MCQ', event.mcq], ['Avg', event.avg]];
    return [step, scores.filter((s): s is [string, number] => typeof s[1] === 'number').map(([k, v]) => [`eval/${event.benchmark}/${k}`, v])];
  }
  return undefined;
}

async function openEventFile(dir: string, run: RunInfo): Promise<Tracker> {
  await mkdir(dir, { recursive: true });
  const now = Date.now() / 1000;
  const file: FileHandle = await open(join(dir, `events.out.tfevents.${Math.floor(now)}.${hostname()}.${process.pid}`), 'a');
  await file.write(tfRecord(fileVersionEvent(now)));
  return {
    async write(events) {
      const records = events.flatMap((event) => {
        const scalars = scalarsOf(event, run);
        return scalars ? [tfRecord(scalarEvent(event.time, ...scalars))] : [];
      });
      if (records.length) await file.write(Buffer.concat(records));
    },
    close: () => file.close(),
  };
}

export default definePlugin({
  name: PLUGIN_NAME,
  options: z.strictObject({
    /** Where event files go: `<logDir>/<run name>/`; default `<run dir>/tensorboard/`. Relative to the working directory. */
    logDir: z.string().min(1).optional(),
  }),
  apply(ladder, { logDir }) {
    tapTracker(ladder, PLUGIN_NAME, (run) => openEventFile(logDir ? join(resolve(logDir), run.name) : join(run.dir, 'tensorboard'), run));
  },
});
