import test from 'ava';
import { ConfigError, createLadder, Ladder, PluginError, type Plugin, type Scene } from '../../core/index.ts';
import { toyConfig, toyPlugins } from '../helpers/toy-ladder.ts';

const newLadder = () => createLadder({}, { defaults: [] });

test('use() records every hook a plugin taps, registries with their key', async (t) => {
  const ladder = await newLadder();
  await ladder.use({
    name: 'multi',
    apply(l) {
      l.hooks.tasks.for('object-size').tap('multi', () => ({ id: 'object-size', modalities: ['video'], generate: () => [] }));
      l.hooks.filters.tapPromise('multi', async (c) => c);
      l.hooks.done.tapPromise('multi', async () => undefined);
    },
  });
  t.deepEqual(ladder.plugins.at(-1)!.taps, ['tasks[object-size]', 'filters', 'done']);
  t.deepEqual(ladder.ids('tasks'), ['object-size']);
});

test('registries: the first tap wins, so a user plugin overrides a preset plugin', async (t) => {
  const source = (label: string) => ({ id: label, list: async () => [label], load: async () => ({}) as Scene });
  const ladder = await createLadder(
    {
      plugins: [{ name: 'user', apply: (l) => l.hooks.sources.for('procedural').tap('user', () => source('user')) }],
      presets: [{ plugins: [{ name: 'preset', apply: (l) => l.hooks.sources.for('procedural').tap('preset', () => source('preset')) }] }],
    },
    { defaults: [] },
  );
  t.is(ladder.get('sources', 'procedural').id, 'user');
  t.is(ladder.owner('sources', 'procedural'), 'user');
});

test('an unknown registry id is a config error listing the known ids', async (t) => {
  const ladder = await newLadder();
  await ladder.use({ name: 'x', apply: (l) => l.hooks.rewards.for('format').tap('x', () => () => [1]) });
  t.throws(() => ladder.get('rewards', 'acuracy'), { instanceOf: ConfigError, message: 'no rewards entry "acuracy" is registered; known: format' });
  await ladder.use({ name: 'y', apply: (l) => l.hooks.rewards.for('accuracy').tap('y', () => () => [1]) });
  t.throws(() => ladder.get('rewards', 'acuracy'), { message: 'no rewards entry "acuracy" is registered (did you mean "accuracy"?); known: format, accuracy' });
});

test('order: "pre" runs before unordered taps and "post" after, whatever the registration order', async (t) => {
  const ladder = await newLadder();
  const seen: string[] = [];
  const tapper = (name: string, order?: 'pre' | 'post'): Plugin => ({
    name,
    apply: (l) =>
      l.hooks.curriculum.tap({ name, order }, (stages) => {
        seen.push(name);
        return stages;
      }),
  });
  for (const p of [tapper('late', 'post'), tapper('plain'), tapper('early', 'pre')]) await ladder.use(p);
  ladder.hooks.curriculum.call([]);
  t.deepEqual(seen, ['early', 'plain', 'late']);
});

test('a plugin throwing inside a hook is reported with its name and the hook', async (t) => {
  const ladder = await newLadder();
  await ladder.use({
    name: 'flaky-filter',
    apply: (l) =>
      l.hooks.filters.tapPromise('flaky-filter', async () => {
        throw new Error('visibility unknown');
      }),
  });
  const error = await t.throwsAsync(ladder.hooks.filters.promise([], { scene: {} as Scene, seed: 1 }), { instanceOf: PluginError });
  t.is(error!.message, 'plugin "flaky-filter" failed in hook "filters": visibility unknown');
  t.is((error as PluginError).plugin, 'flaky-filter');
});

test('errors inside a registered implementation name the plugin and the method', async (t) => {
  const ladder = await newLadder();
  await ladder.use({
    name: 'broken-source',
    apply: (l) =>
      l.hooks.sources.for('broken').tap('broken-source', () => ({
        id: 'broken',
        list: async () => ['a'],
        load: async (id: string) => {
          throw new Error(`scene ${id}: truncated ply`);
        },
      })),
  });
  const source = ladder.get('sources', 'broken');
  t.deepEqual(await source.list({} as never), ['a']);
  const error = await t.throwsAsync(source.load('a', {} as never), { instanceOf: PluginError });
  t.is(error!.message, 'plugin "broken-source" failed in hook "sources[broken].load": scene a: truncated ply');
});

test('a plugin throwing in apply is reported with its name', async (t) => {
  const ladder = await newLadder();
  const error = await t.throwsAsync(
    ladder.use({
      name: 'bad-apply',
      apply() {
        throw new Error('missing GPU');
      },
    }),
    { instanceOf: PluginError },
  );
  t.is(error!.message, 'plugin "bad-apply" failed in hook "apply": missing GPU');
});

test('ladder.validate names the config file and the key path', async (t) => {
  const ladder = new Ladder((await newLadder()).config, { where: '/p/ladder.config.ts' });
  const { z } = await import('zod');
  const error = t.throws(() => ladder.validate(z.strictObject({ rooms: z.number() }), { rooms: 'x' }, 'data.procedural'));
  t.is(error!.message, '/p/ladder.config.ts: data.procedural.rooms: expected number, received string');
});

test('progress() fires progress events a reporter can draw', async (t) => {
  const ladder = await newLadder();
  const events: string[] = [];
  ladder.hooks.progress.tap('spy', (e) => events.push(`${e.label} ${e.done}/${e.total}${e.finished ? ' done' : ''}`));
  const bar = ladder.progress('scenes', 2);
  bar.tick();
  bar.tick(1, 'scene0001_00');
  bar.done();
  t.deepEqual(events, ['scenes 0/2', 'scenes 1/2', 'scenes 2/2', 'scenes 2/2 done']);
});

test('the toy plugins resolve into a complete ladder', async (t) => {
  const ladder = await createLadder({ ...toyConfig('/tmp/none'), plugins: toyPlugins({ stageRuns: [], evaluations: [], failOnce: new Set() }) }, { defaults: [] });
  t.deepEqual(ladder.ids('stages'), ['memorize']);
  t.deepEqual(ladder.ids('models'), ['memo']);
});
