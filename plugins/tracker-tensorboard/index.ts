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
 * A resumed run continues the run's file (`openEventFile`).
 */
import { hostname } from 'node:os';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, open, truncate, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { definePlugin, tapTracker, z, type MetricEvent, type RunInfo, type Tracker } from '../../core/index.ts';
import { fileVersionEvent, readRecords, scalarEvent, tfRecord } from './event-file.ts';

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

/** What makes records the same event again: the tags' group (the stage, or `eval/<benchmark>`) and the step. */
const eventKey = (step: number, tags: readonly string[]) => `${tags[0]!.slice(0, tags[0]!.lastIndexOf('/'))}@${step}`;

/**
 * The run's event file in `dir`: the one an earlier process of the run wrote
 * (resumed: a torn last record is cut, and an event written again replaces
 * its earlier record and everything after it, as in metrics.jsonl, so every
 * reader sees each step once), else a new one.
 */
export async function openEventFile(dir: string, run: RunInfo): Promise<Tracker> {
  await mkdir(dir, { recursive: true });
  const existing = readdirSync(dir).filter((f) => f.startsWith('events.out.tfevents.')).sort().at(-1);
  const path = join(dir, existing ?? `events.out.tfevents.${Math.floor(Date.now() / 1000)}.${hostname()}.${process.pid}`);
  /** earlier event key -> byte offset of its record */
  const earlier = new Map<string, number>();
  const { records, validLength } = existing ? readRecords(readFileSync(path)) : { records: [], validLength: 0 };
  if (existing) await truncate(path, validLength);
  for (const r of records) if (r.tags.length && !earlier.has(eventKey(r.step, r.tags))) earlier.set(eventKey(r.step, r.tags), r.offset);
  const file: FileHandle = await open(path, 'a');
  if (!records.length) await file.write(tfRecord(fileVersionEvent(Date.now() / 1000)));
  return {
    async write(events) {
      let out: Buffer[] = [];
      for (const event of events) {
        const scalars = scalarsOf(event, run);
        if (!scalars) continue;
        const at = earlier.get(eventKey(scalars[0], scalars[1].map(([tag]) => tag)));
        if (at !== undefined) {
          await file.truncate(at);
          out = [];
          for (const [key, offset] of earlier) if (offset >= at) earlier.delete(key);
        }
        out.push(tfRecord(scalarEvent(event.time, ...scalars)));
      }
      if (out.length) await file.write(Buffer.concat(out));
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
