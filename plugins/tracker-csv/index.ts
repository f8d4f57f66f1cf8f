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
 * A resumed run appends to the same file; an event it repeats (the steps
 * after the last checkpoint) replaces the earlier rows of that event and
 * everything after them, as metrics.jsonl does.
 */
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, mkdir, truncate } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { definePlugin, tapTracker, z, type MetricEvent, type Tracker } from '../../core/index.ts';

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

/** What makes rows the same event again: event, stage (or point), step, benchmark; the row's first five fields up to the metric's name. */
const keyOfRow = (row: string) => {
  const [, event, stage, step, metric] = row.split(',');
  return [event, stage, step, metric?.includes('/') ? metric.slice(0, metric.lastIndexOf('/')) : ''].join(',');
};

/**
 * Append to `path` (the header first when it is new). Rows an earlier process
 * wrote are indexed by event; when this process writes one of those events
 * again, the file is cut back to its first row, as metrics.jsonl is.
 */
export async function openCsv(path: string): Promise<Tracker> {
  await mkdir(dirname(path), { recursive: true });
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  /** earlier event key -> byte offset of its first row */
  const earlier = new Map<string, number>();
  let size = 0;
  for (const line of text.split(/(?<=\n)/)) {
    if (!line.endsWith('\n')) break; // a torn last row (a killed process) is cut below
    if (size > 0) {
      const key = keyOfRow(line);
      if (!earlier.has(key)) earlier.set(key, size);
    }
    size += Buffer.byteLength(line);
  }
  if (size < Buffer.byteLength(text)) await truncate(path, size);
  if (size === 0) await appendFile(path, `${CSV_HEADER}\n`);
  return {
    async write(events) {
      let out = '';
      for (const event of events) {
        const lines = csvRows(event);
        if (!lines) continue;
        const at = earlier.get(keyOfRow(lines.slice(0, lines.indexOf('\n'))));
        if (at !== undefined) {
          // an event an earlier process wrote (after its last checkpoint): it and everything after it are written anew
          await truncate(path, at);
          out = '';
          for (const [key, offset] of earlier) if (offset >= at) earlier.delete(key);
        }
        out += lines;
      }
      if (out) await appendFile(path, out);
    },
  };
}

export default definePlugin({
  name: PLUGIN_NAME,
  options: z.strictObject({
    /** The CSV file, relative to the run directory (or absolute). */
    file: z.string().min(1).default('metrics.csv'),
  }),
  apply(ladder, { file }) {
    tapTracker(ladder, PLUGIN_NAME, (run) => openCsv(resolve(run.dir, file)));
  },
});
