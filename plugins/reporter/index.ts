/**
 * Reporter: draws progress bars on a TTY and plain lines otherwise (CI, logs),
 * prints stage boundaries, every n-th training step and a line per benchmark evaluation.
 * A core default: every run has it unless the config says ['reporter', false].
 */
import cliProgress from 'cli-progress';
import { definePlugin, INTERVAL_LEVEL, noRowsScored, z, type MetricEvent, type ProgressEvent } from '../../core/index.ts';

const PLUGIN_NAME = 'reporter';

const options = z.strictObject({
  /** Print every n-th training step. */
  every: z.number().int().positive().default(10),
  /** Force bars (true) or plain lines (false); default: bars when stderr is a TTY and CI is unset. */
  bars: z.boolean().optional(),
  /** Plain mode: print a progress line at most every this many seconds. */
  interval: z.number().positive().default(10),
});

const format = (value: unknown) =>
  typeof value === 'number' ? (Number.isInteger(value) ? String(value) : Math.abs(value) < 1e-3 && value !== 0 ? value.toExponential(2) : value.toFixed(4)) : String(value);

function stepLine(event: MetricEvent): string {
  const { event: _e, stage, step, time: _t, ...rest } = event;
  const fields = Object.entries(rest).map(([k, v]) => `${k} ${format(v)}`).join('  ');
  return `[${stage ?? 'run'}] step ${step ?? '-'}  ${fields}`;
}

export default definePlugin({
  name: PLUGIN_NAME,
  options,
  apply(ladder, opts) {
    const out = process.stderr;
    const bars = opts.bars ?? (!!out.isTTY && !process.env.CI);
    const write = (line: string) => (multibar ? multibar.log(`${line}\n`) : out.write(`${line}\n`));
    let multibar: cliProgress.MultiBar | undefined;
    const active = new Map<number, { bar?: cliProgress.SingleBar; lastPrint: number; lastPercent: number; start: number }>();

    ladder.hooks.progress.tap(PLUGIN_NAME, (event: ProgressEvent) => {
      let entry = active.get(event.id);
      if (!entry) {
        entry = { lastPrint: 0, lastPercent: -1, start: Date.now() };
        active.set(event.id, entry);
        if (bars) {
          multibar ??= new cliProgress.MultiBar(
            { format: ' {label} |{bar}| {value}/{total} {percentage}% eta {eta_formatted} {note}', hideCursor: true, clearOnComplete: false, stream: out },
            cliProgress.Presets.shades_classic,
          );
          entry.bar = multibar.create(Math.max(event.total, 1), 0, { label: event.label.padEnd(24), note: '' });
        }
      }
      if (entry.bar) entry.bar.update(event.done, { note: event.note ?? '' });
      else {
        const percent = event.total ? Math.floor((100 * event.done) / event.total) : 0;
        const now = Date.now();
        if (event.finished || (percent >= entry.lastPercent + 10 && now - entry.lastPrint >= opts.interval * 1000) || entry.lastPercent < 0) {
          const seconds = (now - entry.start) / 1000;
          const rate = seconds > 0 ? ` ${(event.done / seconds).toFixed(1)}/s` : '';
          out.write(`${event.label}: ${event.done}/${event.total} (${percent}%)${event.finished ? ` done in ${seconds.toFixed(1)}s${rate}` : ''}${event.note ? ` ${event.note}` : ''}\n`);
          entry.lastPrint = now;
          entry.lastPercent = percent;
        }
      }
      if (event.finished) {
        entry.bar?.stop();
        active.delete(event.id);
        if (multibar && active.size === 0) {
          multibar.stop();
          multibar = undefined;
        }
      }
    });

    ladder.hooks.log.tap(PLUGIN_NAME, ({ level, message }) => write(level === 'warn' ? `warning: ${message}` : message));

    ladder.hooks.step.tap(PLUGIN_NAME, (event) => {
      if (event.event === 'step' && (event.step ?? 0) % opts.every !== 0) return;
      if (event.event === 'step') write(stepLine(event));
      else if (event.event === 'stage-start') write(`\n== stage ${event.stage} (${String(event.kind)}) ==`);
      else if (event.event === 'stage-end') write(stepLine({ ...event, step: undefined }).replace('step -', 'finished'));
    });

    // one line per evaluation; the tables go to stdout when the command ends
    ladder.hooks.evaluate.tap(PLUGIN_NAME, (report, checkpoint) => {
      const none = noRowsScored(report);
      if (none) return write(`${report.benchmark} @ ${checkpoint}: ${none}`);
      const rows = report.scores.reduce((n, s) => n + s.count, 0);
      const errors = report.errors?.length ? `; ${report.errors.length} row(s) could not be scored (see report.json)` : '';
      const score = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '-');
      const avg = report.intervals?.avg;
      const interval = avg ? `${INTERVAL_LEVEL}% CI ${score(avg.low)} to ${score(avg.high)}, ` : '';
      write(`${report.benchmark} @ ${checkpoint}: NQ ${score(report.nq)}  MCQ ${score(report.mcq)}  Avg ${score(report.avg)} (${interval}${rows} rows${errors})`);
    });
  },
});
