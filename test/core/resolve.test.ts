import test from 'ava';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, createLadder, expandName, loadConfig, PACKAGE_ROOT, resolveEntries, type Plugin } from '../../core/index.ts';
import { tempDir } from '../helpers/temp.ts';

const fixtures = fileURLToPath(new URL('../fixtures/configs/', import.meta.url));

const fromFixture = async (name: string) => {
  const loaded = await loadConfig({ cwd: join(fixtures, name) });
  return createLadder(loaded.configs[0]!, { baseDir: loaded.baseDir, where: loaded.filepath });
};

test('short names expand like Babel', (t) => {
  t.is(expandName('hello', 'plugin'), 'ladder-plugin-hello');
  t.is(expandName('ladder-plugin-hello', 'plugin'), 'ladder-plugin-hello');
  t.is(expandName('@acme/hello', 'plugin'), '@acme/ladder-plugin-hello');
  t.is(expandName('@acme', 'plugin'), '@acme/ladder-plugin');
  t.is(expandName('@acme/ladder-plugin-hello', 'plugin'), '@acme/ladder-plugin-hello');
  t.is(expandName('module:exact-name', 'plugin'), 'exact-name');
  t.is(expandName('fast', 'preset'), 'ladder-preset-fast');
});

test('built-ins resolve first, by folder name', async (t) => {
  const resolved = await resolveEntries({ plugins: ['stage-order'] }, { baseDir: '/', where: 'test', defaults: [] });
  t.is(resolved.plugins[0]!.info.from, join(PACKAGE_ROOT, 'plugins', 'stage-order', 'index.ts'));
});

test('an unknown plugin lists the names tried and suggests the likely fix', async (t) => {
  const error = await t.throwsAsync(fromFixture('unknown-plugin'), { instanceOf: ConfigError });
  t.regex(error!.message, /unknown-plugin\/ladder\.config\.json: plugins\[0\]: cannot find plugin "reportr"/);
  t.regex(error!.message, /built-in plugins\/reportr/);
  t.regex(error!.message, /package "ladder-plugin-reportr"/);
  t.regex(error!.message, /Did you mean "reporter"\?/);
  t.regex(error!.message, /npm install ladder-plugin-reportr/);
});

test('a community package in node_modules resolves by its short name', async (t) => {
  const project = tempDir(t);
  cpSync(join(PACKAGE_ROOT, 'examples', 'ladder-plugin-hello'), join(project, 'node_modules', 'ladder-plugin-hello'), { recursive: true });
  writeFileSync(join(project, 'ladder.config.json'), JSON.stringify({ presets: [], plugins: [['hello', { greeting: 'Hi' }]] }));
  const loaded = await loadConfig({ cwd: project });
  const ladder = await createLadder(loaded.configs[0]!, { baseDir: loaded.baseDir, where: loaded.filepath });
  const hello = ladder.plugins.find((p) => p.name === 'hello')!;
  t.is(hello.from, join(project, 'node_modules', 'ladder-plugin-hello', 'index.js'));
  t.is(hello.request, 'hello');
  t.deepEqual(hello.taps, ['commands[data hello]']);
  t.is(ladder.get('commands', 'data hello').description, 'print a greeting and the run seed');
});

test('scoped packages and module: requests resolve from node_modules', async (t) => {
  const project = tempDir(t);
  const write = (dir: string, name: string) => {
    mkdirSync(join(project, 'node_modules', dir), { recursive: true });
    writeFileSync(join(project, 'node_modules', dir, 'package.json'), JSON.stringify({ name: dir, type: 'module', main: 'main.js' }));
    writeFileSync(join(project, 'node_modules', dir, 'main.js'), `export default { name: '${name}', apply() {} };`);
  };
  write('@acme/ladder-plugin-scoped', 'scoped');
  write('plain-package', 'plain');
  const resolved = await resolveEntries({ plugins: ['@acme/scoped', 'module:plain-package'] }, { baseDir: project, where: 'test', defaults: [] });
  t.deepEqual(resolved.plugins.map((p) => p.plugin.name), ['scoped', 'plain']);
});

test('a preset cycle is an error that shows the cycle', async (t) => {
  const error = await t.throwsAsync(fromFixture('preset-cycle'), { instanceOf: ConfigError });
  t.regex(error!.message, /preset cycle: .*preset-a\.ts -> .*preset-b\.ts -> .*preset-a\.ts/);
});

test('a plugin of the wrong shape says what was expected and what it got', async (t) => {
  const error = await t.throwsAsync(fromFixture('wrong-shape'), { instanceOf: ConfigError });
  t.regex(error!.message, /plugins\[0\]: "\.\/not-a-plugin\.ts" \(.*not-a-plugin\.ts\) has the wrong shape: expected \{ name: string, apply\(ladder\) \}/);
  t.regex(error!.message, /got an object with keys title, run/);
});

test('plugin options are validated by the plugin schema, naming the key path', async (t) => {
  const error = await t.throwsAsync(fromFixture('bad-plugin-options'), { instanceOf: ConfigError });
  t.regex(error!.message, /ladder\.config\.json: plugins\[0\]: options\.every: expected number, received string/);
});

const named = (name: string, taps: string[] = []): Plugin => ({
  name,
  apply(ladder) {
    for (const id of taps) ladder.hooks.sources.for(id).tap(name, () => ({ id: `${id} from ${name}`, list: async () => [], load: async () => { throw new Error('no'); } }));
  },
});

test('order: user plugins, then presets depth-first in declared order, then core defaults', async (t) => {
  const inner = { name: 'inner', plugins: [named('p-inner')] };
  const outer = { name: 'outer', plugins: [named('p-outer')], presets: [inner] };
  const second = { name: 'second', plugins: [named('p-second')] };
  const resolved = await resolveEntries(
    { plugins: [named('p-user')], presets: [outer, second] },
    { baseDir: '/', where: 'test', defaults: ['stage-order'] },
  );
  t.deepEqual(resolved.plugins.map((p) => p.plugin.name), ['p-user', 'p-outer', 'p-inner', 'p-second', 'stage-order']);
  t.deepEqual(resolved.presets.map((p) => [p.name, p.via]), [
    ['outer', 'presets[0]'],
    ['inner', 'presets[0] (outer) > presets[0]'],
    ['second', 'presets[1]'],
  ]);
});

test('[name, false] disables a preset plugin; a user plugin of the same name replaces it', async (t) => {
  const preset = { plugins: [named('keep'), named('drop-me'), named('replace-me', ['procedural'])] };
  const ladder = await createLadder(
    { presets: [preset], plugins: [['drop-me', false], named('replace-me', ['procedural'])] },
    { defaults: [] },
  );
  t.deepEqual(ladder.plugins.map((p) => `${p.name}<${p.via}`), ['replace-me<plugins[1]', 'keep<presets[0] (inline preset) > plugins[0]']);
  t.deepEqual(ladder.skipped.map((s) => [s.name, s.reason]), [
    ['drop-me', 'disabled with [name, false]'],
    ['replace-me', 'a plugin of the same name comes first'],
  ]);
});

test('[name, false] that disables nothing is an error naming the entry and the likely name; a built-in not loaded is fine', async (t) => {
  const preset = { plugins: [named('filter-caps')] };
  const error = await t.throwsAsync(createLadder({ presets: [preset], plugins: [['filter-capz', false]] }, { defaults: [], where: 'my.config.ts' }), { instanceOf: ConfigError });
  t.is(error!.message, 'my.config.ts: plugins[0]: ["filter-capz", false] disables nothing: no plugin or built-in of that name (did you mean "filter-caps"?)');
  const presetTypo = await t.throwsAsync(createLadder({ presets: [['spatial-lader', false]] }, { defaults: [], where: 'my.config.ts' }), { instanceOf: ConfigError });
  t.regex(presetTypo!.message, /presets\[0\]: \["spatial-lader", false\] disables nothing: no preset or built-in of that name \(did you mean "spatial-ladder"\?\)/);
  // the reporter is a built-in: disabling it where it is not loaded (no core defaults) does nothing, silently
  const ladder = await createLadder({ presets: [preset], plugins: [['reporter', false]] }, { defaults: [] });
  t.deepEqual(ladder.plugins.map((p) => p.name), ['filter-caps']);
});

test('presets: user settings win over presets, a preset over the presets it includes', async (t) => {
  const base = { settings: { seed: 1, name: 'base', data: { source: 'procedural', rooms: 4 } } };
  const top = { presets: [base], settings: { seed: 2, data: { rooms: 8 } } };
  const ladder = await createLadder({ presets: [top], seed: 3 }, { defaults: [] });
  t.is(ladder.config.seed, 3);
  t.is(ladder.config.name, 'base');
  t.deepEqual(ladder.config.data, { rooms: 8, source: 'procedural' });
});

test('preset settings are validated and the error names the preset', async (t) => {
  const error = await t.throwsAsync(createLadder({ presets: [{ name: 'sloppy', settings: { sed: 1 } as never }] }, { defaults: [] }), {
    instanceOf: ConfigError,
  });
  t.regex(error!.message, /presets\[0\] \(sloppy\) settings: sed: unknown key \(did you mean "seed"\?\)/);
});

test('a preset with options gets them validated', async (t) => {
  const error = await t.throwsAsync(createLadder({ presets: [['spatial-ladder', { source: 'nowhere' }]] }, { defaults: [] }), {
    instanceOf: ConfigError,
  });
  t.regex(error!.message, /presets\[0\]: options\.source: Invalid option: expected one of "procedural"\|"scannet"/);
});

test('libraries are not plugins: a bare library name resolves to the community package of that name, and never appears in hints', async (t) => {
  const project = tempDir(t);
  mkdirSync(join(project, 'node_modules', 'ladder-plugin-geometry'), { recursive: true });
  writeFileSync(join(project, 'node_modules', 'ladder-plugin-geometry', 'package.json'), JSON.stringify({ name: 'ladder-plugin-geometry', type: 'module', main: 'main.js' }));
  writeFileSync(join(project, 'node_modules', 'ladder-plugin-geometry', 'main.js'), `export default { name: 'geometry', apply() {} };`);
  const resolved = await resolveEntries({ plugins: ['geometry'] }, { baseDir: project, where: 'test', defaults: [] });
  t.is(resolved.plugins[0]!.info.from, join(project, 'node_modules', 'ladder-plugin-geometry', 'main.js'));

  const error = await t.throwsAsync(resolveEntries({ plugins: ['scorin'] }, { baseDir: tempDir(t), where: 'test', defaults: [] }), { instanceOf: ConfigError });
  t.notRegex(error!.message, /Did you mean "scoring"/, 'lib/scoring is a library, not a plugin to suggest');
  t.regex(error!.message, /built-in plugins\/scorin/);
});
