import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PACKAGE_VERSION } from '../../core/index.ts';
import { tempDir } from '../helpers/temp.ts';

// the scaffold's own test runs against the installed package in test/package.test.ts
const bin = fileURLToPath(new URL('../../core/bin.mjs', import.meta.url));
const ladder = (args: string[], cwd: string) => spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true' } });

test('ladder create plugin writes a package named ladder-plugin-<name> whose task is the short name', (t) => {
  const dir = tempDir(t);
  const run = ladder(['create', 'plugin', 'object-height'], dir);
  t.is(run.status, 0, run.stderr);
  const pkg = join(dir, 'ladder-plugin-object-height');
  t.deepEqual(readdirSync(pkg).sort(), ['README.md', 'index.js', 'index.test.js', 'package.json']);
  const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
  t.like(manifest, { name: 'ladder-plugin-object-height', type: 'module', exports: './index.js', peerDependencies: { 'spatial-ladder': `^${PACKAGE_VERSION}` } });
  const index = readFileSync(join(pkg, 'index.js'), 'utf8');
  t.regex(index, /from 'spatial-ladder\/tasks'/);
  t.regex(index, /export const TASK_ID = 'object-height';/);
});

test('a scoped name gives @scope/ladder-plugin-<name>, listed as @scope/<name>; --dir places it', (t) => {
  const dir = tempDir(t);
  const run = ladder(['create', 'plugin', '@acme/room-height', '--dir', 'pkgs/rh'], dir);
  t.is(run.status, 0, run.stderr);
  t.is(JSON.parse(readFileSync(join(dir, 'pkgs', 'rh', 'package.json'), 'utf8')).name, '@acme/ladder-plugin-room-height');
  t.regex(readFileSync(join(dir, 'pkgs', 'rh', 'index.js'), 'utf8'), /name: '@acme\/room-height',/);
  t.regex(readFileSync(join(dir, 'pkgs', 'rh', 'README.md'), 'utf8'), /npm publish --access public/);
  const json = ladder(['create', 'plugin', 'door-width', '--json'], dir);
  t.deepEqual(JSON.parse(json.stdout), {
    package: 'ladder-plugin-door-width',
    dir: join(dir, 'ladder-plugin-door-width'),
    files: ['package.json', 'index.js', 'index.test.js', 'README.md'],
  });
});

test('a bad name, an unknown kind or a folder that is not empty exit 2 and write nothing', (t) => {
  const dir = tempDir(t);
  for (const [args, message] of [
    [['create', 'plugin', 'Object_Height'], /expected a name of lowercase letters, digits and "-"/],
    [['create', 'preset', 'x'], /ladder create preset: unknown kind; expected `ladder create plugin <name>`/],
    // listed as 'filter-caps' the built-in would load, never the package
    [['create', 'plugin', 'filter-caps'], /create plugin filter-caps: "filter-caps" is a built-in plugin: listed by that name the built-in loads, never this package; choose another name \(or a scope: @you\/filter-caps\)/],
  ] as const) {
    const run = ladder([...args], dir);
    t.is(run.status, 2);
    t.regex(run.stderr, message);
  }
  t.deepEqual(readdirSync(dir), []);
  mkdirSync(join(dir, 'ladder-plugin-taken'));
  writeFileSync(join(dir, 'ladder-plugin-taken', 'index.js'), 'mine');
  const taken = ladder(['create', 'plugin', 'taken'], dir);
  t.is(taken.status, 2);
  t.regex(taken.stderr, /ladder-plugin-taken exists and is not empty/);
  t.is(readFileSync(join(dir, 'ladder-plugin-taken', 'index.js'), 'utf8'), 'mine');
  const file = ladder(['create', 'plugin', 'other', '--dir', join('ladder-plugin-taken', 'index.js')], dir);
  t.is(file.status, 2);
  t.regex(file.stderr, /create plugin other: .*ladder-plugin-taken\/index\.js is a file, not a folder/);
});
