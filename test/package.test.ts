/**
 * The npm package as a user gets it: `npm pack` (which builds dist/), then a
 * fresh project outside the repository installs the tarball, writes a
 * TypeScript config and a community plugin package in plain JavaScript that
 * defines a new task with `spatial-ladder/tasks` (scaffolded by `ladder create
 * plugin`), and runs `npx ladder data build` and `npx ladder run`, shrunk.
 *
 * Dependencies come from the npm registry (`--prefer-offline`: what `npm ci`
 * cached is reused). The project is CommonJS, as `npm init -y` makes it. The
 * two packages that download binaries at install time are pointed at a closed
 * local port, so the install is the same everywhere: as where those
 * downloads fail, npm drops the optional ones and the model runs on wasm.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './helpers/temp.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

// the child npm must not inherit this `npm test`'s package context
const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_'))),
  CI: 'true',
  FORCE_COLOR: '0',
  // as README's Install section says: onnxruntime-node's CPU binary ships in the package; skip its CUDA download
  ONNXRUNTIME_NODE_INSTALL: 'skip',
  FFMPEG_BINARIES_URL: 'http://127.0.0.1:9',
};

function sh(t: { log(...values: unknown[]): void }, command: string, args: string[], cwd: string) {
  const started = Date.now();
  const run = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  t.log(`${command} ${args.join(' ')}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { code: run.status, stdout: run.stdout, stderr: run.stderr, out: `${run.stdout}\n${run.stderr}`.slice(-4000) };
}

const CONFIG = `import { defineConfig, SPATIAL_TASKS } from 'spatial-ladder';

const steps = { maxSteps: 2, epochs: 1, checkpointEvery: 0 };

export default defineConfig({
  presets: [['spatial-ladder', { procedural: { scenes: 4, frames: 10, width: 160, height: 120, depthWidth: 80, depthHeight: 60 } }]],
  plugins: [['object-height', { minCm: 20 }]],
  name: 'consumer',
  cacheDir: 'cache',
  data: { candidates: 8, workers: 2 },
  model: { id: 'tiny-vlm', options: { dim: 32, layers: 1, heads: 2, ffn: 64, visionDim: 16, imageWidth: 28, imageHeight: 28 } },
  curriculum: [{ name: 'understanding', kind: 'sft', data: { tasks: ['object-height', ...SPATIAL_TASKS] }, options: steps }],
  evaluate: { limit: 12, at: ['base', 'understanding'] },
});
`;

// the types are real: a misspelt key is a compile error for a TypeScript user
const TYPED = `import { defineConfig, definePlugin, z, type Plugin } from 'spatial-ladder';
import { defineTask, objectTuples } from 'spatial-ladder/tasks';
import { benchmarkTable } from 'spatial-ladder';

// @ts-expect-error: "sede" is not a config key
defineConfig({ sede: 1 });
const plugin: Plugin = definePlugin({ name: 'x', options: z.strictObject({ n: z.number() }), apply(_ladder, options) { options.n.toFixed(); } })({ n: 1 });
export { plugin, defineTask, objectTuples, benchmarkTable };
`;

test('the packed package installs in a project of its own, whose TypeScript config and plain-JS plugin package build data and run', async (t) => {
  const dir = tempDir(t, 'ladder-package-');
  const project = join(dir, 'project');

  // 1. npm pack: compiled JavaScript, declarations and the launcher; no TypeScript sources
  const pack = sh(t, npm, ['pack', '--json', '--pack-destination', dir], root);
  t.is(pack.code, 0, pack.out);
  const [packed] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  const files = packed!.files.map((f) => f.path);
  for (const file of ['core/bin.mjs', 'dist/core/index.js', 'dist/core/index.d.ts', 'dist/lib/tasks/index.js', 'dist/plugins/model-tiny-vlm/worker.js', 'dist/plugins/dataset/worker.js', 'dist/lib/scannet-format/scannetv2-labels.combined.tsv'])
    t.true(files.includes(file), `${file} is packed`);
  t.deepEqual(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')), [], 'no TypeScript sources are packed');
  t.deepEqual(files.filter((f) => f.startsWith('test/') || f.startsWith('scripts/')), []);

  // 2. a fresh CommonJS project installs the tarball
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'commonjs' }));
  const install = sh(t, npm, ['install', join(dir, packed!.filename), '--prefer-offline', '--no-audit', '--no-fund'], project);
  t.is(install.code, 0, install.out);

  // every library is an export, and each imports
  const manifest = JSON.parse(readFileSync(join(project, 'node_modules', 'spatial-ladder', 'package.json'), 'utf8'));
  const libs = readdirSync(join(root, 'lib')).sort();
  t.deepEqual(Object.keys(manifest.exports).filter((k) => !['.', './package.json'].includes(k)).map((k) => k.slice(2)).sort(), libs);
  const imports = sh(t, process.execPath, ['--input-type=module', '-e', `for (const p of ${JSON.stringify(['spatial-ladder', ...libs.map((l) => `spatial-ladder/${l}`)])}) { const m = await import(p); if (!Object.keys(m).length) throw new Error(p + ' exports nothing'); }`], project);
  t.is(imports.code, 0, imports.out);
  t.is(sh(t, npx, ['ladder', '--version'], project).stdout.trim(), manifest.version);

  // the declarations type a config and a plugin (TypeScript and @types/node from the repository; skipLibCheck off)
  writeFileSync(join(project, 'typed.ts'), TYPED);
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, typeRoots: [join(root, 'node_modules', '@types')], types: ['node'] }, files: ['typed.ts'] }));
  const typed = sh(t, process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], project);
  t.is(typed.code, 0, typed.out);

  // 3. `ladder create plugin` scaffolds a package whose own test passes
  const create = sh(t, npx, ['ladder', 'create', 'plugin', 'object-height'], project);
  t.is(create.code, 0, create.out);
  t.regex(create.stdout, /created ladder-plugin-object-height in ladder-plugin-object-height\/: package\.json, index\.js, index\.test\.js, README\.md/);
  t.is(sh(t, npm, ['install', './ladder-plugin-object-height', '--prefer-offline', '--no-audit', '--no-fund'], project).code, 0);
  const pluginTest = sh(t, npm, ['test'], join(project, 'ladder-plugin-object-height'));
  t.is(pluginTest.code, 0, pluginTest.out);
  t.regex(pluginTest.stdout, /# pass 3\n# fail 0/);

  // 4. a TypeScript config lists the plugin by its short name: data build (two worker threads, each
  // loading the config and plugins from the compiled package), then run
  writeFileSync(join(project, 'ladder.config.ts'), CONFIG);
  const build = sh(t, npx, ['ladder', 'data', 'build'], project);
  t.is(build.code, 0, build.out);
  const [dataset] = readdirSync(join(project, 'cache', 'datasets'));
  const samples = readFileSync(join(project, 'cache', 'datasets', dataset!, 'samples.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
  const heights = samples.filter((s) => s.task === 'object-height');
  t.true(heights.length > 0, 'the dataset has object-height questions');
  t.true(heights.every((s) => Number(s.answer) >= 20 && s.question.startsWith('What is the height of the ')));
  t.true(samples.some((s) => s.task === 'relative-direction'), 'beside the recipe\'s own tasks');

  const run = sh(t, npx, ['ladder', 'run'], project);
  t.is(run.code, 0, run.out);
  t.regex(run.stdout, /\| checkpoint +\| held-out NQ \| held-out MCQ \| held-out Avg \|/);
  t.regex(run.stdout, /\| object-height \/ [a-z-]+ +\| +\d+\.\d +\| +\d+\.\d +\|/);
  const state = JSON.parse(readFileSync(join(project, 'runs', 'consumer', 'state.json'), 'utf8'));
  t.is(state.status, 'done');
  // where the model computed: one line of the run log (onnxruntime's CPU binary ships inside its npm package)
  const kernels = readFileSync(join(project, 'runs', 'consumer', 'run.log'), 'utf8').split('\n').filter((line) => line.includes('tiny-vlm: ') && line.includes(' kernels on '));
  t.is(kernels.length, 1);
  t.regex(kernels[0]!, /tiny-vlm: onnxruntime kernels on /);
});
