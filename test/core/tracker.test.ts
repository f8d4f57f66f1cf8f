import test from 'ava';
import { join } from 'node:path';
import { createLadder, readJsonLines, runCurriculum, tapTracker, type MetricEvent, type Plugin, type Tracker, type TrackerOptions } from '../../core/index.ts';
import { tempDir } from '../helpers/temp.ts';
import { toyConfig, toyPlugins } from '../helpers/toy-ladder.ts';

const trackerPlugin = (name: string, open: () => Tracker | Promise<Tracker>, options?: TrackerOptions): Plugin => ({
  name,
  apply: (ladder) => tapTracker(ladder, name, open, options),
});

async function toyRun(runsDir: string, plugins: Plugin[]) {
  const counters = { stageRuns: [], evaluations: [], failOnce: new Set<string>() };
  const ladder = await createLadder({ ...toyConfig(runsDir), plugins: [...toyPlugins(counters), ...plugins] }, { defaults: [] });
  const warnings: string[] = [];
  ladder.hooks.log.tap('test', ({ level, message }) => void (level === 'warn' && warnings.push(message)));
  return { ladder, warnings };
}

const lines = (runsDir: string) => readJsonLines<MetricEvent>(join(runsDir, 'toy', 'metrics.jsonl'));

test('training never waits for a tracker: every event is emitted while its first write is still pending, then all are written in order', async (t) => {
  const runs = tempDir(t);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const written: MetricEvent[] = [];
  const writes: number[] = [];
  const slow: Tracker = {
    async write(events) {
      writes.push(events.length);
      await gate; // a tracker stuck on a slow server
      written.push(...events);
    },
  };
  const { ladder } = await toyRun(runs, [trackerPlugin('slow', () => slow)]);
  let emittedBeforeRelease = 0;
  let writtenBeforeRelease = -1;
  // after the last stage: count what the run emitted and what the tracker wrote, then let the tracker go
  ladder.hooks.afterStage.tap('test', (entry) => {
    if (entry.name !== 'second') return;
    emittedBeforeRelease = lines(runs).length;
    writtenBeforeRelease = written.length;
    release();
  });
  await runCurriculum(ladder);
  const all = lines(runs);
  t.is(writes[0], 1, 'the first write took the first event');
  t.is(writtenBeforeRelease, 0, 'and was still pending when the last stage ended');
  t.is(emittedBeforeRelease, all.length - 1, 'every stage ran meanwhile (only the last evaluation came after)');
  t.deepEqual(written, all, 'every event, in order, written by the end of the run');
});

test('a failing tracker is reported once and gets no more events; the run and the other trackers go on', async (t) => {
  const runs = tempDir(t);
  let calls = 0;
  const failing: Tracker = {
    write() {
      calls++;
      throw new Error('disk full');
    },
  };
  const kept: MetricEvent[] = [];
  const { ladder, warnings } = await toyRun(runs, [trackerPlugin('failing', () => failing), trackerPlugin('good', () => ({ write: (e) => void kept.push(...e) }))]);
  const summary = await runCurriculum(ladder);
  t.is(summary.state.status, 'done');
  t.is(calls, 1);
  t.deepEqual(warnings, ['tracker "failing" failed in write: disk full; it gets no more events (the run goes on)']);
  t.deepEqual(kept, lines(runs));

  const opening = await toyRun(tempDir(t), [trackerPlugin('no-server', () => Promise.reject(new Error('connection refused')))]);
  t.is((await runCurriculum(opening.ladder)).state.status, 'done');
  t.deepEqual(opening.warnings, ['tracker "no-server" failed in open: connection refused; it gets no more events (the run goes on)']);
});

test('the end of a run waits for a stuck tracker at most flushTimeoutMs, then says what was not written', async (t) => {
  const runs = tempDir(t);
  const stuck: Tracker = { write: () => new Promise(() => {}) };
  const { ladder, warnings } = await toyRun(runs, [trackerPlugin('stuck', () => stuck, { flushTimeoutMs: 50 })]);
  const summary = await runCurriculum(ladder);
  t.is(summary.state.status, 'done');
  t.is(warnings.length, 1);
  t.regex(warnings[0]!, /^tracker "stuck" still busy after 0\.05 s at the end of the run; \d+ queued event\(s\) not written$/);
  const queued = Number(/; (\d+) queued/.exec(warnings[0]!)![1]);
  t.is(queued, lines(runs).length - 1, 'all but the one in the stuck write');
});

test('a tracker that falls behind drops the oldest events beyond maxQueue and says so', async (t) => {
  const runs = tempDir(t);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const written: MetricEvent[] = [];
  const { ladder, warnings } = await toyRun(runs, [
    trackerPlugin('behind', () => ({ write: async (events) => (await gate, void written.push(...events)) }), { maxQueue: 3 }),
  ]);
  ladder.hooks.done.tap({ name: 'test', order: 'pre' }, () => release());
  await runCurriculum(ladder);
  const all = lines(runs);
  t.deepEqual(written, [all[0], ...all.slice(-3)], 'the first (in the pending write) and the newest three');
  t.deepEqual(warnings, [
    'tracker "behind" more than 3 events waiting; dropping the oldest (the tracker is too slow)',
    `tracker "behind" ${all.length - 4} event(s) were dropped while it was behind`,
  ]);
});
