import test from 'ava';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { applyOverrides, ConfigError, loadConfig, validate, configSchema } from '../../core/index.ts';

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

test('an override that breaks the schema names the override', async (t) => {
  const error = await t.throwsAsync(loadConfig({ cwd: join(fixtures, 'yaml'), overrides: ['seed="seven"'] }), { instanceOf: ConfigError });
  t.regex(error!.message, /with --set seed="seven": seed: expected number, received string/);
});

test('validate reports type errors with what was expected', (t) => {
  const error = t.throws(() => validate(configSchema, { seed: -1, curriculum: [{ name: 'a b', kind: 'sft' }] }, 'x.json'));
  t.regex(error!.message, /x\.json: seed: Too small: expected number to be >=0/);
  t.regex(error!.message, /x\.json: curriculum\[0\]\.name: expected a name of letters/);
});
