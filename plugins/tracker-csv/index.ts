/**
 * tracker-csv: appends a run's metrics to a CSV in long form, one row per
 * numeric field of each metric event, delivered off the training path by
 * `tapTracker`:
 *
 *     time,event,stage,step,metric,value
 *     1767225600.123,step,perception,5,loss,2.4817
 *     1767225612.4,evaluate,understanding,,held-out/avg,30.1
 *
 * `stage` is the event's stage (for `evaluate` events, the evaluation point);
 * `metric` is the field name, prefixed by the benchmark for `evaluate` events.
 * A resumed run appends to the same file.
 */
import { existsSync, statSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { definePlugin, tapTracker, z, type MetricEvent } from '../../core/index.ts';

const PLUGIN_NAME = 'tracker-csv';

export const CSV_HEADER = 'time,event,stage,step,metric,value';

/** Fields of a metric event that label a row rather than being one. */
const LABELS = new Set(['time', 'event', 'stage', 'step', 'point', 'benchmark']);

const field = (value: unknown): string => {
  const text = value === undefined ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** The CSV rows (with line ends) of one metric event. */
export function csvRows(event: MetricEvent): string {
  const stage = event.stage ?? (typeof event.point === 'string' ? event.point : undefined);
  const prefix = typeof event.benchmark === 'string' ? `${event.benchmark}/` : '';
  return Object.entries(event)
    .filter(([key, value]) => !LABELS.has(key) && typeof value === 'number')
    .map(([key, value]) => [event.time, event.event, stage, event.step, `${prefix}${key}`, value].map(field).join(',') + '\n')
    .join('');
}

export default definePlugin({
  name: PLUGIN_NAME,
  options: z.strictObject({
    /** The CSV file, relative to the run directory (or absolute). */
    file: z.string().min(1).default('metrics.csv'),
  }),
  apply(ladder, { file }) {
    tapTracker(ladder, PLUGIN_NAME, async (run) => {
      const path = resolve(run.dir, file);
      await mkdir(dirname(path), { recursive: true });
      if (!existsSync(path) || statSync(path).size === 0) await appendFile(path, `${CSV_HEADER}\n`);
      return { write: (events) => appendFile(path, events.map(csvRows).join('')) };
    });
  },
});
