/**
 * Trackers send a run's metric events (every line of metrics.jsonl: `step`,
 * `stage-start`, `stage-end`, `evaluate`) somewhere else: event files, a CSV,
 * a tracking server. A tracker plugin hands `tapTracker` what to do and gets
 * non-blocking delivery:
 *
 *     definePlugin({ name: PLUGIN_NAME, options, apply(ladder, o) {
 *       tapTracker(ladder, PLUGIN_NAME, (run) => ({
 *         write: (events) => appendFile(join(run.dir, 'x.log'), events.map(format).join('')),
 *       }));
 *     } });
 *
 * - The `step` tap only queues the event and returns: training never waits
 *   for a tracker. A background loop hands the queued events to `write` in
 *   order, in batches, one batch at a time.
 * - A tracker that throws (in `open`, `write` or `close`) is reported once,
 *   as a warning naming it, and gets no more events; the run goes on.
 * - A tracker that falls behind by more than `maxQueue` events loses the
 *   oldest ones (reported once) instead of growing without bound.
 * - When the run ends (`done` or `failed`), what is queued is written and the
 *   tracker closed, waiting at most `flushTimeoutMs`; what is left is reported.
 *
 * Trackers must not block the event loop for long (do file and network I/O
 * with promises), or they slow everything in the process, training included.
 */
import { messageOf } from './errors.ts';
import type { Ladder } from './ladder.ts';
import type { MetricEvent, RunInfo } from './hooks.ts';

export interface Tracker {
  /** Write events in the order the run emitted them. */
  write(events: MetricEvent[]): void | Promise<void>;
  /** Called once after the last write, when the run ends. */
  close?(): void | Promise<void>;
}

export interface TrackerOptions {
  /** Queued events at most; older ones are dropped beyond it (default 100,000). */
  maxQueue?: number;
  /** How long the end of a run waits for queued events and `close` (default 30 s). */
  flushTimeoutMs?: number;
}

/**
 * Deliver each run's metric events to the tracker `open(run)` makes when the
 * run starts (it may be async: events queue meanwhile). One tracker per run:
 * `ladder ablate` opens one for each variant's run.
 */
export function tapTracker(
  ladder: Ladder,
  name: string,
  open: (run: RunInfo) => Tracker | Promise<Tracker>,
  options: TrackerOptions = {},
): void {
  const maxQueue = options.maxQueue ?? 100_000;
  const flushTimeoutMs = options.flushTimeoutMs ?? 30_000;
  let delivery: Delivery | undefined;

  ladder.hooks.run.tap(name, (run) => {
    delivery = new Delivery(name, ladder, Promise.resolve().then(() => open(run)), maxQueue);
  });
  ladder.hooks.step.tap(name, (event) => delivery?.push(event));
  const finish = async () => {
    const ending = delivery;
    delivery = undefined;
    await ending?.end(flushTimeoutMs);
  };
  ladder.hooks.done.tapPromise(name, finish);
  ladder.hooks.failed.tapPromise(name, finish);
}

class Delivery {
  private queue: MetricEvent[] = [];
  private draining?: Promise<void>;
  private failed = false;
  private dropped = 0;
  private tracker?: Tracker;

  constructor(
    private readonly name: string,
    private readonly ladder: Ladder,
    private readonly opening: Promise<Tracker>,
    private readonly maxQueue: number,
  ) {
    opening.then(
      (tracker) => (this.tracker = tracker),
      (error: unknown) => this.fail('open', error),
    );
  }

  push(event: MetricEvent): void {
    if (this.failed) return;
    this.queue.push(event);
    if (this.queue.length > this.maxQueue) {
      if (!this.dropped) this.warn(`more than ${this.maxQueue} events waiting; dropping the oldest (the tracker is too slow)`);
      this.dropped += this.queue.length - this.maxQueue;
      this.queue.splice(0, this.queue.length - this.maxQueue);
    }
    this.draining ??= this.drain();
  }

  private async drain(): Promise<void> {
    await Promise.resolve(); // never inside the step hook's call
    try {
      const tracker = await this.opening;
      while (this.queue.length && !this.failed) {
        const batch = this.queue.splice(0);
        await tracker.write(batch);
      }
    } catch (error) {
      this.fail('write', error);
    } finally {
      this.draining = undefined;
    }
  }

  /** Write what is queued and close, waiting at most `timeoutMs`. */
  async end(timeoutMs: number): Promise<void> {
    const flush = (async () => {
      while (this.draining) await this.draining;
      if (this.failed || !this.tracker) return;
      await this.tracker.close?.();
    })().catch((error: unknown) => this.fail('close', error));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const outcome = await Promise.race([flush, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') this.warn(`still busy after ${timeoutMs / 1000} s at the end of the run; ${this.queue.length} queued event(s) not written`);
    if (this.dropped) this.warn(`${this.dropped} event(s) were dropped while it was behind`);
  }

  private fail(what: string, error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.queue = [];
    this.warn(`failed in ${what}: ${messageOf(error)}; it gets no more events (the run goes on)`);
  }

  private warn(message: string): void {
    this.ladder.log(`tracker "${this.name}" ${message}`, 'warn');
  }
}
