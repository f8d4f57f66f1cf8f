/**
 * A run directory is held by one process, `--resume` needs a run to resume,
 * metrics.jsonl keeps one line per event across crashes and resumes, and
 * options are checked before the dataset is built. (The same through real
 * processes and SIGKILL: test/faults/.)
 */
import test from 'ava';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError, createLadder, LockedError, lockPathOf, readJsonLines, runCurriculum, UsageError, z, type MetricEvent, type Plugin, type Stage } from '../../core/index.ts';
import { RunDirectory } from '../../core/run-directory.ts';
import { tempDir } from '../helpers/temp.ts';
import { toyConfig, toyPlugins, type ToyCounters } from '../helpers/toy-ladder.ts';

const counters = (): ToyCounters => ({ stageRuns: [], evaluations: [], failOnce: new Set() });

/** A stage kind "flaky": emits steps 1..3, and on its first run throws after step `crashAfter`. */
function flakyPlugin(crashAfter: number, runs: string[]): Plugin {
  const stage: Stage = {
    kind: 'flaky',
    options: z.strictObject({ steps: z.number().int().positive().default(3) }),
    async run(ctx) {
      const { steps } = (this as Stage).options!.parse(ctx.entry.options) as { steps: number };
      runs.push(ctx.entry.name);
      for (let step = 1; step <= steps; step++) {
        ctx.emit({ step, loss: 10 - step });
        if (runs.length === 1 && step === crashAfter) throw new Error(`simulated crash after step ${step}`);
      }
      return { metrics: { steps } };
    },
  };
  return { name: 'flaky', apply: (ladder) => ladder.hooks.stages.for('flaky').tap('flaky', () => stage) };
}

const flakyLadder = (runsDir: string, c: ToyCounters, runs: string[], extra: object = {}) =>
  createLadder(
    {
      ...toyConfig(runsDir),
      plugins: [...toyPlugins(c), flakyPlugin(2, runs)],
      curriculum: [
        { name: 'first', kind: 'memorize', data: { tasks: ['localization'] } },
        { name: 'middle', kind: 'flaky' },
        { name: 'second', kind: 'memorize', data: { tasks: ['addition'] } },
      ],
      ...extra,
    },
    { defaults: [] },
  );

const events = (runs: string) =>
  readJsonLines<MetricEvent>(join(runs, 'toy', 'metrics.jsonl')).map((m) => [m.event, m.stage ?? m.point, m.step ?? m.benchmark].filter((x) => x !== undefined).join(' '));

test('after a crash mid-stage and --resume, metrics.jsonl has exactly one line per event and no temporary file is left', async (t) => {
  const runs = tempDir(t);
  const c = counters();
  const flakyRuns: string[] = [];
  await t.throwsAsync(runCurriculum(await flakyLadder(runs, c, flakyRuns)), { message: /simulated crash after step 2/ });
  // what a process killed mid-write leaves: a temporary file before its rename, a checkpoint directory before its rename
  const leftovers = [join(runs, 'toy', 'state.json.tmp-99999-0-3'), join(runs, 'toy', 'stages', '2-middle', '.tmp-step-000002-99999')];
  mkdirSync(leftovers[1]!, { recursive: true });
  writeFileSync(leftovers[0]!, '{"status":');
  await runCurriculum(await flakyLadder(runs, c, flakyRuns), { resume: true });
  t.deepEqual(flakyRuns, ['middle', 'middle']);
  for (const path of leftovers) t.false(existsSync(path), `${path} was removed on resume`);
  t.deepEqual(events(runs), [
    'evaluate base exact',
    'stage-start first',
    'step first 1',
    'step first 2',
    'step first 3',
    'stage-end first',
    'evaluate first exact',
    'stage-start middle',
    'step middle 1',
    'step middle 2',
    'step middle 3',
    'stage-end middle',
    'evaluate middle exact',
    'stage-start second',
    'step second 1',
    'step second 2',
    'step second 3',
    'stage-end second',
    'evaluate second exact',
  ]);
  // resuming a finished run again adds nothing
  await runCurriculum(await flakyLadder(runs, c, flakyRuns), { resume: true });
  t.is(events(runs).length, 19);
});

test('a run directory moved elsewhere resumes from its own checkpoints, not the old place', async (t) => {
  const [before, after] = [tempDir(t), tempDir(t)];
  const c = counters();
  const flakyRuns: string[] = [];
  await t.throwsAsync(runCurriculum(await flakyLadder(before, c, flakyRuns)), { message: /simulated crash/ });
  renameSync(join(before, 'toy'), join(after, 'toy'));
  await runCurriculum(await flakyLadder(after, c, flakyRuns), { resume: true });
  const state = JSON.parse(readFileSync(join(after, 'toy', 'state.json'), 'utf8')) as { stages: { name: string; result: { checkpoint?: string } }[] };
  t.deepEqual(
    state.stages.map((s) => [s.name, s.result.checkpoint]),
    [
      ['first', join(after, 'toy', 'stages', '1-first')],
      ['middle', undefined],
      ['second', join(after, 'toy', 'stages', '3-second')],
    ],
  );
  // the last stage learnt on top of the first one's memory, read from the moved folder
  t.is(events(after).at(-1), 'evaluate second exact');
  t.deepEqual(c.stageRuns, ['first', 'second']);
});

test('--resume of a run that does not exist exits 2 and creates nothing; --resume with --force is refused', async (t) => {
  const runs = tempDir(t);
  const error = await t.throwsAsync(runCurriculum(await createLadder({ ...toyConfig(runs), plugins: toyPlugins(counters()) }, { defaults: [] }), { resume: true }), {
    instanceOf: UsageError,
  });
  t.regex(error!.message, /--resume: nothing to resume: .*toy holds no run \(no state\.json\); start it without --resume/);
  t.false(existsSync(join(runs, 'toy')));
  await t.throwsAsync(runCurriculum(await createLadder({ ...toyConfig(runs), plugins: toyPlugins(counters()) }, { defaults: [] }), { resume: true, force: true }), {
    message: /--resume and --force contradict each other/,
  });
});

test('a run held by a live process is refused (exit 2, holder named) and --force does not delete it; a stale lock is taken over', async (t) => {
  const runs = tempDir(t);
  const ladder = () => createLadder({ ...toyConfig(runs), plugins: toyPlugins(counters()) }, { defaults: [] });
  await runCurriculum(await ladder());
  const before = readFileSync(join(runs, 'toy', 'metrics.jsonl'), 'utf8');
  const lock = await new RunDirectory(runs, 'toy').lock(); // this process is the live holder
  for (const mode of [{}, { resume: true }, { force: true }]) {
    const error = await t.throwsAsync(runCurriculum(await ladder(), mode), { instanceOf: LockedError });
    t.is(error!.exitCode, 2);
    t.regex(error!.message, new RegExp(`run directory .*toy is in use by pid ${process.pid} on ${hostname()} \\(since \\d{4}-\\d\\d-\\d\\dT.*: `));
  }
  t.is(readFileSync(join(runs, 'toy', 'metrics.jsonl'), 'utf8'), before, '--force left the live run alone');
  await lock.release();

  // a lock whose holder is gone (a SIGKILLed run) does not block
  mkdirSync(lockPathOf(join(runs, 'toy')));
  writeFileSync(join(lockPathOf(join(runs, 'toy')), 'holder.json'), JSON.stringify({ pid: 2 ** 22 + 7, host: hostname(), started: new Date().toISOString(), command: 'ladder run' }));
  const c = counters();
  await runCurriculum(await createLadder({ ...toyConfig(runs), plugins: toyPlugins(c) }, { defaults: [] }), { force: true });
  t.deepEqual(c.stageRuns, ['first', 'second']);
  t.false(existsSync(lockPathOf(join(runs, 'toy'))), 'released at the end');
});

test('bad stage options and bad model options are reported together before the dataset is built', async (t) => {
  const runs = tempDir(t);
  const c = counters();
  const memoOptions: Plugin = {
    name: 'memo-options',
    apply: (ladder) =>
      ladder.hooks.models.for('memo').tap({ name: 'memo-options', order: 'pre' }, () => ({
        id: 'memo',
        options: z.strictObject({ capacity: z.number().int().positive() }),
        create: async () => {
          throw new Error('not reached');
        },
      })),
  };
  let built = 0;
  const ladder = await flakyLadder(runs, c, [], {
    model: { id: 'memo', options: { capacity: -1, colour: 'red' } },
    curriculum: [{ name: 'middle', kind: 'flaky', options: { stpes: 2 } }],
  });
  await ladder.use(memoOptions);
  ladder.hooks.dataset.tapPromise({ name: 'spy', order: 'pre' }, async () => void built++);
  const error = await t.throwsAsync(runCurriculum(ladder), { instanceOf: ConfigError });
  t.is(built, 0, 'the dataset was not built');
  t.regex(error!.message, /model\.options\.capacity: Too small: expected number to be >0/);
  t.regex(error!.message, /model\.options\.colour: unknown key/);
  t.regex(error!.message, /curriculum stage "middle" \(flaky\): options\.stpes: unknown key \(did you mean "steps"\?\)/);
  t.false(existsSync(join(runs, 'toy')), 'nothing was written');
});

test('--resume with another model than the run started with is refused, naming both', async (t) => {
  const runs = tempDir(t);
  const c = counters();
  const flakyRuns: string[] = [];
  await t.throwsAsync(runCurriculum(await flakyLadder(runs, c, flakyRuns)));
  const other = await flakyLadder(runs, c, flakyRuns, { model: { id: 'memo', options: { size: 2 } } });
  const error = await t.throwsAsync(runCurriculum(other, { resume: true }), { instanceOf: ConfigError });
  t.regex(error!.message, /model: \{"id":"memo","options":\{"size":2\}\} differs from the model the run started with \(\{"id":"memo","options":\{\}\}/);
});
