import test from 'ava';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { applyOverrides, ConfigError, createLadder, loadConfig, splitOverrides, validate, configSchema } from '../../core/index.ts';

const fixtures = fileURLToPath(new URL('../fixtures/configs/', import.meta.url));

test('finds .ladderrc.yaml by searching from the working directory', async (t) => {
  const loaded = await loadConfig({ cwd: join(fixtures, 'yaml') });
  t.is(loaded.filepath, join(fixtures, 'yaml', '.ladderrc.yaml'));
  t.deepEqual(loaded.configs, [{ seed: 7, name: 'from-yaml', presets: [] }]);
});

test('reads the "ladder" key of package.json', async (t) => {
  const loaded = await loadConfig({ cwd: join(fixtures, 'pkg-key') });
  t.is(loaded.configs[0]!.name, 'from-package-json');
  t.is(loaded.configs[0]!.seed, 11);
});

test('with no config file the spatial-ladder preset is the default', async (t) => {
  const loaded = await loadConfig({ cwd: '/' });
  t.is(loaded.filepath, undefined);
  t.deepEqual(loaded.configs, [{ presets: ['spatial-ladder'] }]);
});

test('an unknown top-level key names the file, the key and a suggestion', async (t) => {
  const error = await t.throwsAsync(loadConfig({ cwd: join(fixtures, 'bad-key') }), { instanceOf: ConfigError });
  t.regex(error!.message, /bad-key\/ladder\.config\.json: curriculm: unknown key \(did you mean "curriculum"\?\)/);
  t.is(error!.exitCode, 2);
});

test('an unknown nested key names its full key path', async (t) => {
  const error = await t.throwsAsync(loadConfig({ cwd: join(fixtures, 'nested-bad-key') }), { instanceOf: ConfigError });
  t.regex(error!.message, /\.ladderrc\.yaml: curriculum\[0\]\.data\.taks: unknown key \(did you mean "tasks"\?\)/);
});

test('a JSON syntax error names the file', async (t) => {
  const error = await t.throwsAsync(loadConfig({ cwd: join(fixtures, 'json-syntax') }), { instanceOf: ConfigError });
  t.true(error!.message.startsWith(join(fixtures, 'json-syntax', '.ladderrc.json')));
  t.regex(error!.message, /cannot load config/);
});

test('a TypeScript syntax error names the file', async (t) => {
  const error = await t.throwsAsync(loadConfig({ configPath: join(fixtures, 'ts-syntax', 'ladder.config.ts') }), {
    instanceOf: ConfigError,
  });
  t.true(error!.message.startsWith(join(fixtures, 'ts-syntax', 'ladder.config.ts')));
});

test('--config to a missing file is a config error naming the option', async (t) => {
  const error = await t.throwsAsync(loadConfig({ configPath: 'nope/ladder.config.ts', cwd: fixtures }), { instanceOf: ConfigError });
  t.regex(error!.message, /^--config nope\/ladder\.config\.ts: no such file/);
  const folder = await t.throwsAsync(loadConfig({ configPath: 'yaml', cwd: fixtures }), { instanceOf: ConfigError });
  t.is(folder!.message, `--config yaml: ${join(fixtures, 'yaml')} is a folder; name the config file in it (ladder.config.ts, .json, .yaml, .ladderrc, ...)`);
});

test('a function config is called with the command and may return a sweep', async (t) => {
  const loaded = await loadConfig({ cwd: join(fixtures, 'sweep-fn'), command: 'ablate' });
  t.true(loaded.sweep);
  t.deepEqual(
    loaded.configs.map((c) => [c.name, c.seed, c.data]),
    [
      ['seed-1', 1, { command: 'ablate' }],
      ['seed-2', 2, { command: 'ablate' }],
      ['seed-3', 3, { command: 'ablate' }],
    ],
  );
});

test('--set overrides single keys, parsing JSON values and creating missing objects', (t) => {
  const config = { seed: 1, curriculum: [{ name: 'a', kind: 'sft', options: { lr: 1 } }] };
  const out = applyOverrides(config, ['seed=5', 'curriculum[0].options.lr=0.001', 'data.source=scannet', 'evaluate.at=["base"]']);
  t.deepEqual(out, {
    seed: 5,
    curriculum: [{ name: 'a', kind: 'sft', options: { lr: 0.001 } }],
    data: { source: 'scannet' },
    evaluate: { at: ['base'] },
  });
  t.is(config.seed, 1, 'the original is untouched');
  t.throws(() => applyOverrides(config, ['seed']), { message: /--set seed: expected key\.path=value/ });
  t.throws(() => applyOverrides(config, ['seed.x=1']), { message: /seed is a number, not an object/ });
});

test('--set appends at the end of an array; an index past the end names the key and the length, at once', (t) => {
  const config = { curriculum: [{ name: 'a', kind: 'sft' }] };
  t.deepEqual(applyOverrides(config, ['curriculum[1]={"name":"b","kind":"sft"}']).curriculum.map((e) => e.name), ['a', 'b']);
  t.throws(() => applyOverrides(config, ['curriculum[10000000].name=x']), {
    instanceOf: ConfigError,
    message: '--set curriculum[10000000].name=x: index 10000000 is past the end of curriculum (1 entry); use 0 to change an entry or 1 to append one',
  });
  t.throws(() => applyOverrides({}, ['evaluate.at[2]=base']), { message: /index 2 is past the end of evaluate\.at \(0 entries\); use 0 to append one/ });
});

test('--set names an array entry by its index; a name, an empty key or a bad index is an error saying so', (t) => {
  const config = { curriculum: [{ name: 'perception', kind: 'sft', options: { lr: 1 } }, { name: 'understanding', kind: 'sft' }] };
  t.throws(() => applyOverrides(config, ['curriculum.understanding.options.lr=1']), {
    instanceOf: ConfigError,
    message: '--set curriculum.understanding.options.lr=1: curriculum is an array: name an entry by its index (the entry named "understanding" is curriculum[1])',
  });
  t.throws(() => applyOverrides(config, ['curriculum.first.options.lr=1']), { message: '--set curriculum.first.options.lr=1: curriculum is an array: name an entry by its index (e.g. curriculum[0])' });
  for (const bad of ['curriculum[x].options.lr=1', 'data..seed=3', 'curriculum[-1].name=x'])
    t.throws(() => applyOverrides(config, [bad]), { instanceOf: ConfigError, message: `--set ${bad}: expected key.path=value (keys joined by ".", array indexes as [n])` });
  t.deepEqual(applyOverrides(config, ['curriculum.1.options={"lr":2}']).curriculum[1], { name: 'understanding', kind: 'sft', options: { lr: 2 } }, 'a.0.b still names an index');
});

test('overrides of values a preset provides wait for the presets; the rest apply to the config itself', (t) => {
  const user = { presets: ['spatial-ladder'], seed: 3, data: { split: { heldOut: 0.2 } } };
  t.deepEqual(
    splitOverrides(user, ['seed=5', 'curriculum[1].options.lr=1e-4', 'data.split.heldOut=0.3', 'evaluate.at[0]=base', 'plugins[0]=x', 'curriculum=[]']),
    { now: ['seed=5', 'data.split.heldOut=0.3', 'plugins[0]=x'], afterPresets: ['curriculum[1].options.lr=1e-4', 'evaluate.at[0]=base', 'curriculum=[]'] },
    'curriculum=[] touches what a deferred override touched, so it stays after it',
  );
});

test('createLadder applies preset-value overrides after merging the presets, and records them for workers', async (t) => {
  const preset = { settings: { curriculum: [{ name: 'a', kind: 'sft', options: { lr: 1 } }, { name: 'b', kind: 'sft' }] } };
  const ladder = await createLadder({ presets: [preset] }, { defaults: [], overrides: ['curriculum[1].options.lr=0.5', 'curriculum[0].evaluate=false'] });
  t.deepEqual(ladder.config.curriculum.map((e) => [e.name, e.options, e.evaluate]), [['a', { lr: 1 }, false], ['b', { lr: 0.5 }, true]]);
  t.deepEqual(ladder.origin?.overrides, ['curriculum[1].options.lr=0.5', 'curriculum[0].evaluate=false']);
  const past = await t.throwsAsync(createLadder({ presets: [preset] }, { defaults: [], overrides: ['curriculum[10000000].name=x'] }), { instanceOf: ConfigError });
  t.regex(past!.message, /index 10000000 is past the end of curriculum \(2 entries\); use 0-1 to change an entry or 2 to append one/);
  const bad = await t.throwsAsync(createLadder({ presets: [preset] }, { defaults: [], overrides: ['curriculum[2].name=c'] }), { instanceOf: ConfigError });
  t.regex(bad!.message, /\(merged with presets\) with --set curriculum\[2\]\.name=c: curriculum\[2\]\.kind: expected string/);
});

test('an override that breaks the schema names the override', async (t) => {
  const error = await t.throwsAsync(loadConfig({ cwd: join(fixtures, 'yaml'), overrides: ['seed="seven"'] }), { instanceOf: ConfigError });
  t.regex(error!.message, /with --set seed="seven": seed: expected number, received string/);
});

test('a run name is one folder under runsDir: "." and ".." are refused (--force would delete runsDir or the folder above it)', (t) => {
  for (const name of ['.', '..', '...'])
    t.throws(() => validate(configSchema, { name }, 'x.json'), { instanceOf: ConfigError, message: /x\.json: name: expected a name of letters, digits, "_", "\." or "-", not only dots/ });
  t.notThrows(() => validate(configSchema, { name: 'v1.2-seed.42' }, 'x.json'));
});

test('validate reports type errors with what was expected', (t) => {
  const error = t.throws(() => validate(configSchema, { seed: -1, curriculum: [{ name: 'a b', kind: 'sft' }] }, 'x.json'));
  t.regex(error!.message, /x\.json: seed: Too small: expected number to be >=0/);
  t.regex(error!.message, /x\.json: curriculum\[0\]\.name: expected a name of letters/);
});
