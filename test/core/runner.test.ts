import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, ControlUnavailable, createLadder, readJsonLines, runCurriculum, UsageError, type MetricEvent, type Plugin } from '../../core/index.ts';
import { tempDir } from '../helpers/temp.ts';
import { MemoPolicy, toyConfig, toyPlugins, type ToyCounters } from '../helpers/toy-ladder.ts';

const counters = (): ToyCounters => ({ stageRuns: [], evaluations: [], failOnce: new Set() });
const toyLadder = (runsDir: string, c: ToyCounters, extra: object = {}) =>
  createLadder({ ...toyConfig(runsDir), plugins: toyPlugins(c), ...extra }, { defaults: [] });

test('a run walks dataset -> stages -> benchmarks and writes the run directory', async (t) => {
  const runs = tempDir(t);
  const c = counters();
  const ladder = await toyLadder(runs, c);
  const lifecycle: string[] = [];
  ladder.hooks.run.tap('spy', () => void lifecycle.push('run'));
  ladder.hooks.beforeStage.tap('spy', (e) => void lifecycle.push(`before ${e.name}`));
  ladder.hooks.afterStage.tap('spy', (e) => void lifecycle.push(`after ${e.name}`));
  ladder.hooks.evaluate.tap('spy', (r, point) => void lifecycle.push(`evaluate ${point} ${r.avg.toFixed(1)}`));
  ladder.hooks.done.tap('spy', () => void lifecycle.push('done'));
  const summary = await runCurriculum(ladder);

  // localization samples are s0, s2, s4 (half of 6): after "first" the memo policy knows 3 of 6 answers.
  t.deepEqual(lifecycle, ['run', 'evaluate base 0.0', 'before first', 'after first', 'evaluate first 50.0', 'before second', 'after second', 'evaluate second 100.0', 'done']);
  t.is(summary.state.status, 'done');
  t.deepEqual(c.stageRuns, ['first', 'second']);
  const dir = join(runs, 'toy');
  t.true(existsSync(join(dir, 'stages', '1-first', 'memory.json')));
  const metrics = readJsonLines<MetricEvent>(join(dir, 'metrics.jsonl'));
  t.deepEqual(
    metrics.filter((m) => m.event === 'step').map((m) => [m.stage, m.step, m.loss]),
    [['first', 1, 2], ['first', 2, 1], ['first', 3, 0], ['second', 1, 2], ['second', 2, 1], ['second', 3, 0]],
  );
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  t.deepEqual(config.config.curriculum.map((e: { name: string }) => e.name), ['first', 'second']);
  t.regex(readFileSync(join(dir, 'report.md'), 'utf8'), /\| second +\| +100\.0 \| +0\.0 \| +100\.0 \|/);
});

test('each evaluation point is asked in the prompt style its last stage trained with', async (t) => {
  const runs = tempDir(t);
  const c = { ...counters(), promptStyles: [] };
  const config = toyConfig(runs);
  config.curriculum.forEach((entry, i) => Object.assign(entry, { options: { style: ['direct', 'think'][i] } }));
  await runCurriculum(await createLadder({ ...config, plugins: toyPlugins(c) }, { defaults: [] }));
  t.deepEqual(c.promptStyles, [undefined, 'direct', 'think']);
});

test('an existing run is kept unless --resume or --force', async (t) => {
  const runs = tempDir(t);
  await runCurriculum(await toyLadder(runs, counters()));
  const error = await t.throwsAsync(runCurriculum(await toyLadder(runs, counters())), { instanceOf: UsageError });
  t.regex(error!.message, /already holds a run: pass --resume to continue it, --force to replace it/);
  const again = counters();
  await runCurriculum(await toyLadder(runs, again), { force: true });
  t.deepEqual(again.stageRuns, ['first', 'second']);
});

test('--resume after a crash skips finished stages and evaluations and loads the last checkpoint', async (t) => {
  const runs = tempDir(t);
  const c = counters();
  c.failOnce.add('second');
  await t.throwsAsync(runCurriculum(await toyLadder(runs, c)), { message: /simulated crash in second/ });
  const state = JSON.parse(readFileSync(join(runs, 'toy', 'state.json'), 'utf8'));
  t.is(state.status, 'failed');
  t.deepEqual(state.stages.map((s: { name: string }) => s.name), ['first']);

  const resumed = await runCurriculum(await toyLadder(runs, c), { resume: true });
  t.deepEqual(c.stageRuns, ['first', 'second', 'second'], 'first ran once; second crashed then ran again');
  t.is(c.evaluations.length, 3, 'base and first were not evaluated again');
  t.is(resumed.state.evaluations.second!.exact!.avg, 100, 'the loaded checkpoint kept what "first" learned');
});

test('the curriculum waterfall can mix stages: one stage trains on both selections', async (t) => {
  const runs = tempDir(t);
  const c = counters();
  const ladder = await toyLadder(runs, c, { plugins: [...toyPlugins(c), ['stage-order', { mix: [['first', 'second']] }]] });
  const summary = await runCurriculum(ladder);
  t.deepEqual(c.stageRuns, ['first+second']);
  t.is(summary.state.evaluations['first+second']!.exact!.avg, 100);
});

test('preflight lists every missing piece at once', async (t) => {
  const ladder = await createLadder(
    { model: 'ghost', curriculum: [{ name: 'a', kind: 'sft' }], evaluate: { benchmarks: ['vsi-bench'] }, runsDir: tempDir(t) },
    { defaults: [] },
  );
  const error = await t.throwsAsync(runCurriculum(ladder), { instanceOf: ConfigError });
  t.is(
    error!.message,
    [
      'cannot run "default": 4 missing pieces:',
      '  - the dataset: no plugin taps the `dataset` hook (add a dataset builder plugin, e.g. the spatial-ladder preset\'s)',
      '  - model "ghost": no plugin registers it in `models` (registered: none)',
      '  - stage kind (curriculum stage "a") "sft": no plugin registers it in `stages` (registered: none)',
      '  - benchmark "vsi-bench": no plugin registers it in `benchmarks` (registered: none)',
    ].join('\n'),
  );
});

test('evaluate.at restricts evaluation points and rejects unknown ones', async (t) => {
  const runs = tempDir(t);
  const c = counters();
  const summary = await runCurriculum(await toyLadder(runs, c, { evaluate: { benchmarks: ['exact'], at: ['second'] } }));
  t.deepEqual(Object.keys(summary.state.evaluations), ['second']);
  const bad = await toyLadder(tempDir(t), counters(), { evaluate: { benchmarks: ['exact'], at: ['third'] } });
  await t.throwsAsync(runCurriculum(bad), { message: /evaluate\.at: unknown point third; expected "base" or a stage name \(base, first, second\)/ });
});

test('a curriculum stage that selects no training samples is an error, not a stage trained on nothing', async (t) => {
  const runs = tempDir(t);
  const c = counters();
  const config = toyConfig(runs);
  config.curriculum[1]!.data = { tasks: ['counting'] };
  const error = await t.throwsAsync(runCurriculum(await createLadder({ ...config, plugins: toyPlugins(c) }, { defaults: [] })), { instanceOf: ConfigError });
  t.regex(error!.message, /curriculum stage "second" selects no training samples \(data: \[\{"tasks":\["counting"\]\}\]\) from the dataset in /);
  t.deepEqual(c.stageRuns, ['first']);
});

test('each checkpoint is scored under the controls its benchmark supports; a control the rows cannot make is logged, not fatal', async (t) => {
  const runs = tempDir(t);
  const c = counters();
  const asked: string[] = [];
  const controlled: Plugin = {
    name: 'controlled',
    apply(ladder) {
      const exact = ladder.get('benchmarks', 'exact');
      ladder.hooks.benchmarks.for('controlled').tap('controlled', () => ({
        ...exact,
        id: 'controlled',
        blind: true,
        swapped: true,
        async evaluate(policy, ctx) {
          asked.push(ctx.blind ? 'blind' : ctx.swapped ? 'swapped' : 'own');
          if (ctx.swapped) throw new ControlUnavailable('controlled row s0: no single-image row from a scene other than scene0');
          return { ...(await exact.evaluate(policy, ctx)), benchmark: 'controlled' };
        },
      }));
    },
  };
  const logs: string[] = [];
  const ladder = await toyLadder(runs, c, { plugins: [...toyPlugins(c), controlled], evaluate: { benchmarks: ['exact', 'controlled'] } });
  ladder.hooks.log.tap('spy', (event) => void logs.push(event.message));
  const summary = await runCurriculum(ladder);
  t.is(summary.state.status, 'done');
  t.deepEqual(asked, ['own', 'blind', 'swapped', 'own', 'blind', 'swapped', 'own', 'blind', 'swapped'], 'base, first, second: own frames, then each control');
  t.deepEqual(Object.keys(summary.state.blind!), ['base', 'first', 'second']);
  t.deepEqual(Object.keys(summary.state.blind!.base!), ['controlled'], '"exact" does not support the blind control: never scored under it');
  t.is(summary.state.swapped, undefined);
  t.is(logs.filter((m) => /^second \(swapped\) on controlled not scored: .*no single-image row from a scene other than scene0/.test(m)).length, 1);
  // controls switched off in the config are not asked
  asked.length = 0;
  const plain = await toyLadder(tempDir(t), counters(), { plugins: [...toyPlugins(counters()), controlled], evaluate: { benchmarks: ['controlled'], blind: false, swapped: false } });
  await runCurriculum(plain);
  t.deepEqual(asked, ['own', 'own', 'own']);
});

test('the chance and prior references are scored once per benchmark, the prior only on benchmarks built from the dataset', async (t) => {
  const runs = tempDir(t);
  const c = counters();
  const references: Plugin = {
    name: 'references',
    apply(ladder) {
      const exact = ladder.get('benchmarks', 'exact');
      // a benchmark of its own rows (not the dataset's): the prior cannot answer it
      ladder.hooks.benchmarks.for('foreign').tap('references', () => ({ ...exact, id: 'foreign', usesDataset: false, evaluate: async (p, ctx) => ({ ...(await exact.evaluate(p, ctx)), benchmark: 'foreign' }) }));
      for (const id of ['chance', 'prior'])
        ladder.hooks.models.for(id).tap('references', () => ({
          id,
          datasetRowsOnly: id === 'prior',
          create: async () => new MemoPolicy(new Map([['what is 1 + 1?', '2']])),
        }));
    },
  };
  const logs: string[] = [];
  const ladder = await toyLadder(runs, c, { plugins: [...toyPlugins(c), references], evaluate: { benchmarks: ['exact', 'foreign'] } });
  ladder.hooks.log.tap('spy', (event) => void logs.push(event.message));
  const summary = await runCurriculum(ladder);
  t.deepEqual(Object.keys(summary.state.chance!), ['exact', 'foreign']);
  t.deepEqual(Object.keys(summary.state.prior!), ['exact']);
  t.is(summary.state.prior!.exact!.avg, (100 * 1) / 6, 'the reference answers one of six');
  const report = readFileSync(join(runs, 'toy', 'report.md'), 'utf8');
  t.regex(report, /\| prior +\| +16\.7 \| +0\.0 \| +16\.7 \| +- +\| +- +\| +- +\|/);
  const controls = JSON.parse(readFileSync(join(runs, 'toy', 'controls.json'), 'utf8'));
  t.deepEqual(Object.keys(controls), ['chance', 'prior', 'blind', 'swapped']);
  // a reference whose policy is not registered: said, and the run goes on
  const bare = await toyLadder(tempDir(t), counters());
  const said: string[] = [];
  bare.hooks.log.tap('spy', (event) => void said.push(event.message));
  t.is((await runCurriculum(bare)).state.status, 'done');
  t.true(said.some((m) => /evaluate\.prior: no policy "prior" is registered \(add the model-prior plugin\)/.test(m)));
  t.is(logs.filter((m) => /no policy/.test(m)).length, 0);
});
