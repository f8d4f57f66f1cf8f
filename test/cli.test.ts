import test from 'ava';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './helpers/temp.ts';
import { fixtureConfig } from './plugins/dataset/helpers.ts';
import { shortHash } from '../core/index.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const fixtures = join(root, 'test', 'fixtures', 'configs');

function ladder(args: string[], cwd = root) {
  const run = spawnSync(process.execPath, [join(root, 'core', 'bin.mjs'), ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true', FORCE_COLOR: '0' },
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

test('--help lists the commands and exits 0; each command has its own help', (t) => {
  const help = ladder(['--help']);
  t.is(help.code, 0);
  for (const command of ['run', 'train', 'eval', 'data', 'ablate', 'inspect']) t.regex(help.stdout, new RegExp(`\\n  ${command}\\b`));
  t.regex(help.stdout, /Exit codes: 0 ok, 1 run failure, 2 usage or config error/);
  const run = ladder(['run', '--help']);
  t.is(run.code, 0);
  t.regex(run.stdout, /--resume/);
  t.regex(run.stdout, /--set <key=value>/);
  // eval's options say which config keys give their defaults
  const evalHelp = ladder(['eval', '--help']).stdout.replace(/\s+/g, ' ');
  t.regex(evalHelp, /--limit <n> score a seeded random subset of n rows \(drawn with --seed\) \(default: evaluate\.limit, else all\)/);
  t.regex(evalHelp, /--batch-size <n> rows per policy call \(default: evaluate\.batchSize, 8\)/);
  // ablate's --name names the variant runs, and --order runs beside the --variants
  const ablateHelp = ladder(['ablate', '--help']).stdout.replace(/\s+/g, ' ');
  t.regex(ablateHelp, /--name <name> prefix of the variant runs: <runsDir>\/<name>-<variant>\[-seed<N>\]/);
  t.regex(ablateHelp, /--order <stages> add a variant with this stage order, run beside --variants \(default: every variant the config defines\)/);
});

test('an unknown command or option is a usage error (exit 2)', (t) => {
  t.is(ladder(['fly']).code, 2);
  const bad = ladder(['run', '--frobnicate']);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /unknown option '--frobnicate'/);
});

test('inspect --json succeeds on every example config', (t) => {
  for (const example of ['custom-plugin', 'recipe', 'replace-plugin', 'scannet', 'sweep']) {
    const out = ladder(['inspect', '--json', '--config', join('examples', example, 'ladder.config.ts')]);
    t.is(out.code, 0, `${example}: ${out.stderr}`);
    const parsed = JSON.parse(out.stdout) as { ladders: { plugins: { name: string; taps: string[] }[] }[] };
    t.true(parsed.ladders.length >= 1);
  }
  const custom = JSON.parse(ladder(['inspect', '--json', '-c', 'examples/custom-plugin/ladder.config.ts']).stdout);
  t.deepEqual(custom.ladders[0].plugins[0], {
    name: 'length-reward',
    request: '(inline plugin)',
    from: 'inline',
    via: 'plugins[0]',
    taps: ['rewards[length]'],
  });
  const replaced = JSON.parse(ladder(['inspect', '--json', '-c', 'examples/replace-plugin/ladder.config.ts']).stdout).ladders[0];
  const visibility = replaced.plugins.filter((p: { name: string }) => p.name === 'filter-visibility');
  t.deepEqual(visibility.map((p: { via: string; options: unknown }) => [p.via, p.options]), [['plugins[0]', { min: 0.6 }]]);
  t.deepEqual(
    replaced.skipped.map((s: { name: string; reason: string }) => `${s.name}: ${s.reason}`).filter((s: string) => /visibility|caps/.test(s)),
    ['filter-visibility: a plugin of the same name comes first', 'filter-caps: disabled with [name, false]'],
  );
  const scannet = JSON.parse(ladder(['inspect', '--json', '-c', 'examples/scannet/ladder.config.ts']).stdout).ladders[0];
  t.is(scannet.config.data.source, 'scannet');
  const sweep = JSON.parse(ladder(['inspect', '--json', '-c', 'examples/sweep/ladder.config.ts']).stdout);
  t.deepEqual(sweep.ladders.map((l: { config: { name: string } }) => l.config.name), ['order-progressive', 'order-spatial-only', 'order-mixed']);
});

test('a TypeScript config in a folder without "type": "module" (CommonJS) loads, importing spatial-ladder', (t) => {
  const dir = tempDir(t); // no package.json: a .ts file there is CommonJS
  writeFileSync(
    join(dir, 'ladder.config.ts'),
    "import { defineConfig } from 'spatial-ladder';\nexport default defineConfig({ presets: ['spatial-ladder'], seed: 7 });\n",
  );
  const out = ladder(['inspect', '--json'], dir);
  t.is(out.code, 0, out.stderr);
  t.is(JSON.parse(out.stdout).ladders[0].config.seed, 7);
});

test('a CommonJS TypeScript config that dataset workers load again (it holds a plugin object) builds in worker threads', (t) => {
  const dir = tempDir(t); // no package.json: the config is CommonJS
  const base = fixtureConfig({ images: join(dir, 'images'), cacheDir: join(dir, 'cache'), data: { workers: 2 } });
  writeFileSync(
    join(dir, 'ladder.config.ts'),
    `const base = ${JSON.stringify(base)};\nexport default { ...base, plugins: [{ name: 'inline', apply() {} }, ...base.plugins, ['reporter', { bars: false }]] };\n`,
  );
  const out = ladder(['data', 'build', '--json'], dir);
  t.is(out.code, 0, out.stderr);
  t.false(JSON.parse(out.stdout).cached);
});

test('ladder eval and ablate: an unknown benchmark (naming --benchmark and the likely id) or an --out that is a file are usage errors before any work', (t) => {
  const out = ladder(['eval', '--model', 'oracle', '-b', 'heldout'], tempDir(t));
  t.is(out.code, 2);
  t.regex(out.stderr, /--benchmark heldout: no benchmarks entry "heldout" is registered \(did you mean "held-out"\?\)/);
  const file = join(tempDir(t), 'notes.txt');
  writeFileSync(file, 'mine');
  const out2 = ladder(['eval', '--model', 'oracle', '-b', 'held-out', '--out', file], tempDir(t));
  t.is(out2.code, 2);
  t.is(out2.stderr, `ladder: --out ${file}: a file, not a folder\n`);
  // ablate writes its comparison there only after every run: a file is refused before any
  const ablate = ladder(['ablate', '--out', file], tempDir(t));
  t.is(ablate.code, 2);
  t.is(ablate.stderr, `ladder: --out ${file}: a file, not a folder\n`);
});

test('a config with a wrong key exits 2 and names the key path', (t) => {
  const out = ladder(['inspect', '-c', join(fixtures, 'nested-bad-key', '.ladderrc.yaml')]);
  t.is(out.code, 2);
  t.regex(out.stderr, /curriculum\[0\]\.data\.taks: unknown key \(did you mean "tasks"\?\)/);
  const set = ladder(['inspect', '-c', join(fixtures, 'yaml', '.ladderrc.yaml'), '--set', 'evaluate.limt=3']);
  t.is(set.code, 2);
  t.regex(set.stderr, /evaluate\.limt: unknown key \(did you mean "limit"\?\)/);
});

test('--set edits entries of the curriculum the default preset provides: the README\'s and --help\'s examples', (t) => {
  const cwd = tempDir(t); // no config file: the spatial-ladder preset
  const readme = readFileSync(join(root, 'README.md'), 'utf8').match(/`--set (curriculum\[1\]\.options\.lr=[^`]+)`/)![1]!;
  const help = ladder(['--help']).stdout.match(/--set (curriculum\[0\]\.options\.epochs=\S+)/)![1]!;
  t.is(readme, 'curriculum[1].options.lr=1e-4');
  t.is(help, 'curriculum[0].options.epochs=2');
  const preset = JSON.parse(ladder(['inspect', '--json'], cwd).stdout).ladders[0].config.curriculum;
  const out = ladder(['inspect', '--json', '--set', readme, '--set', help, '--set', 'curriculum[3].options.maxSteps=7'], cwd);
  t.is(out.code, 0, out.stderr);
  const curriculum = JSON.parse(out.stdout).ladders[0].config.curriculum;
  t.deepEqual(curriculum, [
    { ...preset[0], options: { ...preset[0].options, epochs: 2 } },
    { ...preset[1], options: { ...preset[1].options, lr: 1e-4 } },
    preset[2],
    { ...preset[3], options: { ...preset[3].options, maxSteps: 7 } },
  ]);
  const typo = ladder(['inspect', '--set', 'curriculum[0].optons.epochs=2'], cwd);
  t.is(typo.code, 2);
  t.regex(typo.stderr, /with --set curriculum\[0\]\.optons\.epochs=2: curriculum\[0\]\.optons: unknown key \(did you mean "options"\?\)/);
});

test('inspect says what `ladder run` would refuse (a stage kind, a stage or model option, an evaluation point) and still prints the config', (t) => {
  const cwd = tempDir(t); // no config file: the spatial-ladder preset
  const out = ladder(['inspect', '--set', 'curriculum[0].options.lrr=1', '--set', 'model.options.backendd=js'], cwd);
  t.is(out.code, 0, 'inspect shows configs meant for other commands too');
  t.regex(out.stdout, /resolved config:/);
  t.regex(out.stderr, /ladder run would refuse this config:\n(.*\n)*.*model\.options\.backendd(.*\n)*.*curriculum stage "perception" \(sft\): options\.lrr: unknown key \(did you mean "lr"\?\)/);
  const kind = JSON.parse(ladder(['inspect', '--json', '--set', 'curriculum[0].kind="sfft"'], cwd).stdout).ladders[0];
  t.deepEqual(kind.problems.length, 1);
  t.regex(kind.problems[0], /stage kind \(curriculum stage "perception"\) "sfft": no plugin registers it/);
  const point = JSON.parse(ladder(['inspect', '--json', '--set', 'evaluate.at=["base","nowhere"]'], cwd).stdout).ladders[0];
  t.regex(point.problems.join('\n'), /evaluate\.at: unknown point nowhere/);
  t.deepEqual(JSON.parse(ladder(['inspect', '--json'], cwd).stdout).ladders[0].problems, []);
});

test('run on a sweep checks every entry before training any: a bad last entry stops it at once (exit 2)', (t) => {
  const dir = tempDir(t);
  const toy = join(fixtures, 'toy');
  const file = join(dir, 'sweep.config.mjs');
  writeFileSync(
    file,
    `import base from ${JSON.stringify(join(toy, 'ladder.config.json'))} with { type: 'json' };
const plugins = [${JSON.stringify(join(toy, 'toy-plugin.ts'))}, ['reporter', { bars: false }]];
export default [
  { ...base, plugins, name: 'good' },
  { ...base, plugins, name: 'bad', curriculum: base.curriculum.slice(0, 1), evaluate: { benchmarks: ['exact'], at: ['second'] } },
];
`,
  );
  const out = ladder(['run', '-c', file, '--set', `runsDir=${JSON.stringify(join(dir, 'runs'))}`]);
  t.is(out.code, 2, out.stderr);
  t.regex(out.stderr, /sweep\.config\.mjs \[sweep 1\]: evaluate\.at: unknown point second/);
  t.false(existsSync(join(dir, 'runs', 'good')), 'nothing trained');
});

test('--set far past the end of an array is a usage error at once, naming the key and the length', (t) => {
  const out = ladder(['run', '--set', 'curriculum[10000000].name=x'], tempDir(t));
  t.is(out.code, 2);
  t.is(out.stderr, 'ladder: --set curriculum[10000000].name=x: index 10000000 is past the end of curriculum (4 entries); use 0-3 to change an entry or 4 to append one\n');
});

test('ladder eval: an unknown --model and bad model options are usage errors before any dataset is built', (t) => {
  const dir = tempDir(t);
  const typo = ladder(['eval', '--model', 'runs/typo/final', '--benchmark', 'held-out'], dir);
  t.is(typo.code, 2);
  t.regex(typo.stderr, /--model runs\/typo\/final: neither a checkpoint directory nor a model backend \(registered: .*tiny-vlm/);
  const bad = ladder(['eval', '--model', 'tiny-vlm', '--set', 'model.options.dim=-3', '--benchmark', 'held-out'], dir);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /model\.options\.dim/);
  t.false(existsSync(join(dir, '.ladder-cache')), 'nothing built');
});

test('the README\'s curriculum example: a stage weighs its own rewards; the old options.rewards form says where the key moved', (t) => {
  const dir = tempDir(t);
  const block = readFileSync(join(root, 'README.md'), 'utf8').match(/```ts\ncurriculum: (\[[\s\S]*?\n\])\n```/)![1]!;
  const curriculum = new Function(`return ${block}`)() as { name: string; rewards?: object; options?: Record<string, unknown> }[];
  writeFileSync(join(dir, 'ladder.config.json'), JSON.stringify({ presets: ['spatial-ladder'], curriculum }));
  const out = ladder(['inspect', '--json'], dir);
  t.is(out.code, 0, out.stderr);
  const resolved = JSON.parse(out.stdout).ladders[0].config;
  t.deepEqual(resolved.curriculum.map((e: { name: string; rewards?: object }) => [e.name, e.rewards]), [['perception', undefined], ['mixed', undefined], ['reasoning', { format: 1, accuracy: 2 }]]);
  t.deepEqual(resolved.rewards, { format: 1, accuracy: 1 }, 'the other stages keep the config\'s weights');

  const old = curriculum.map((e) => (e.rewards ? { name: e.name, kind: 'grpo', options: { rewards: e.rewards, ...e.options } } : e));
  writeFileSync(join(dir, 'ladder.config.json'), JSON.stringify({ presets: ['spatial-ladder'], curriculum: old }));
  const rejected = ladder(['inspect'], dir);
  t.is(rejected.code, 2);
  t.is(
    rejected.stderr,
    `ladder: ${join(dir, 'ladder.config.json')}: curriculum[2].options.rewards: a stage's reward weights moved out of \`options\`: give them as the entry's \`rewards\`, beside \`options\` ({ name, kind, data, rewards: { format: 1, accuracy: 2 }, options })\n`,
  );
});

test('a plugin throwing inside a hook fails the run (exit 1) naming the plugin and hook', (t) => {
  const out = ladder(['run', '-c', join(fixtures, 'throwing-plugin', 'ladder.config.json')]);
  t.is(out.code, 1);
  t.regex(out.stderr, /plugin "throws-in-curriculum" failed in hook "curriculum": boom: no curriculum for you/);
});

test('run with missing plugins says plainly what is missing (exit 2)', (t) => {
  const out = ladder(['run', '-c', join(fixtures, 'yaml', '.ladderrc.yaml'), '--set', 'model=tiny-vlm', '--set', 'curriculum=[{"name":"s1","kind":"sft"}]']);
  t.is(out.code, 2);
  t.regex(out.stderr, /cannot run "from-yaml": 3 missing pieces/);
  t.regex(out.stderr, /model "tiny-vlm": no plugin registers it/);
});

test('a community plugin in a project\'s node_modules resolves by short name and runs its data command', (t) => {
  const project = tempDir(t);
  cpSync(join(root, 'examples', 'ladder-plugin-hello'), join(project, 'node_modules', 'ladder-plugin-hello'), { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-study', ladder: { presets: [], seed: 5, plugins: [['hello', { greeting: 'Hi' }]] } }));
  const out = ladder(['data', 'hello', 'world'], project);
  t.is(out.code, 0, out.stderr);
  t.is(out.stdout.trim(), 'Hi, world! (seed 5)');
  const list = ladder(['data'], project);
  t.is(list.code, 0, 'listing the actions is what `ladder data` is documented to do');
  t.regex(list.stdout, /hello +print a greeting and the run seed/);
  t.is(ladder(['serve'], project).code, 2, 'no plugin of this config adds serve actions');
  const unknown = ladder(['data', 'helo'], project);
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /ladder data helo: unknown action; available: hello/);
});

test('run, resume, train, eval and ablate end to end on the toy plugins', (t) => {
  const runs = tempDir(t);
  const config = join(fixtures, 'toy', 'ladder.config.json');
  const first = ladder(['run', '-c', config, '--set', `runsDir=${JSON.stringify(runs)}`]);
  t.is(first.code, 0, first.stderr);
  t.regex(first.stdout, /\| second +\| +100\.0 \| +0\.0 \| +100\.0 \|/);
  t.regex(first.stderr, /== stage first \(memorize\) ==/);
  t.true(existsSync(join(runs, 'toy', 'metrics.jsonl')));
  t.true(existsSync(join(runs, 'toy', 'run.log')));

  const again = ladder(['run', '-c', config, '--set', `runsDir=${JSON.stringify(runs)}`]);
  t.is(again.code, 2);
  t.regex(again.stderr, /already holds a run/);
  t.is(ladder(['run', '-c', config, '--set', `runsDir=${JSON.stringify(runs)}`, '--resume']).code, 0);

  const train = ladder(['train', '-c', config, '--set', `runsDir=${JSON.stringify(runs)}`, '--name', 'trained']);
  t.is(train.code, 0, train.stderr);
  t.deepEqual(JSON.parse(readFileSync(join(runs, 'trained', 'state.json'), 'utf8')).evaluations, {});

  const evaluated = ladder(['eval', '-c', config, '--set', `runsDir=${JSON.stringify(runs)}`, '--model', join(runs, 'trained', 'stages', '2-second'), '--benchmark', 'exact']);
  t.is(evaluated.code, 0, evaluated.stderr);
  t.regex(evaluated.stdout, /\| Avg +\| +\| +\| +100\.0 \|/);
  // the default folder is the checkpoint's name and fingerprint
  const [folder] = readdirSync(join(runs, 'toy', 'eval'));
  t.regex(folder!, /^2-second-[0-9a-f]{12}$/);
  t.true(existsSync(join(runs, 'toy', 'eval', folder!, 'exact', 'report.json')));

  const sweep = ladder(['ablate', '-c', join(fixtures, 'toy', 'sweep.config.mjs'), '--set', `runsDir=${JSON.stringify(runs)}`]);
  t.is(sweep.code, 0, sweep.stderr);
  t.regex(sweep.stdout, /\| both +\| first -> second \| +1 \| +100\.0 \|/);
  t.regex(sweep.stdout, /\| only-first +\| first +\| +1 \| +50\.0 \|/);
  t.true(existsSync(join(runs, 'ablation', 'comparison.json')));
});

test('ablate runs the config\'s named variants and --order variants over several seeds', (t) => {
  const runs = tempDir(t);
  const config = join(fixtures, 'toy', 'ladder.config.json');
  const set = [
    '--set', `runsDir=${JSON.stringify(runs)}`,
    '--set', 'ablations={"full":{},"no-second":{"drop":["second"]},"mixed":{"mix":[["first","second"]]}}',
    // a point that some variants drop: those are evaluated after their own last stage instead
    '--set', 'evaluate.at=["base","second"]',
  ];
  const out = ladder(['ablate', '-c', config, ...set, '--seeds', '2', '--order', 'second,first']);
  t.is(out.code, 0, out.stderr);
  t.regex(out.stdout, /\| full +\| first -> second +\| +2 \| 100\.0 ± 0\.0 \|/);
  t.regex(out.stdout, /\| no-second +\| first +\| +2 \| 50\.0 ± 0\.0 +\|/);
  t.regex(out.stdout, /\| mixed +\| first\+second +\| +2 \| 100\.0 ± 0\.0 \|/);
  t.regex(out.stdout, /\| second>first +\| second -> first +\| +2 \| 100\.0 ± 0\.0 \|/);
  const comparison = JSON.parse(readFileSync(join(runs, 'toy-ablation', 'comparison.json'), 'utf8'));
  t.deepEqual(comparison.runs.map((r: { name: string }) => r.name).slice(0, 2), ['toy-full-seed42', 'toy-full-seed43']);
  const bad = ladder(['ablate', '-c', config, ...set, '--variants', 'full,nope']);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--variants: unknown nope; the config defines full, no-second, mixed/);
});

/** stdout parsed as one JSON document (JSON.parse fails on anything more or less). */
const parsed = (out: { code: number | null; stdout: string; stderr: string }) => JSON.parse(out.stdout) as Record<string, any>;

test('--json: run, train, eval, ablate and inspect print exactly one JSON document on stdout; logs go to stderr', (t) => {
  const runs = tempDir(t);
  const config = join(fixtures, 'toy', 'ladder.config.json');
  const set = ['--set', `runsDir=${JSON.stringify(runs)}`];
  const run = ladder(['run', '-c', config, ...set, '--json']);
  t.is(run.code, 0, run.stderr);
  t.regex(run.stderr, /== stage first \(memorize\) ==/, 'progress and logs still show, on stderr');
  const result = parsed(run);
  t.deepEqual(result.runs.map((r: any) => [r.name, r.status, r.stages.map((s: any) => s.name), Object.keys(r.evaluations)]), [['toy', 'done', ['first', 'second'], ['base', 'first', 'second']]]);
  t.is(result.runs[0].evaluations.second.exact.avg, 100);
  t.is(result.runs[0].dir, join(runs, 'toy'));

  const train = parsed(ladder(['train', '-c', config, ...set, '--name', 'trained', '--json']));
  t.deepEqual(train.runs[0].stages.map((s: any) => [s.name, s.metrics.learned]), [['first', 3], ['second', 3]]);
  t.deepEqual(train.runs[0].evaluations, {});

  const evaluated = parsed(ladder(['eval', '-c', config, ...set, '--model', join(runs, 'toy', 'stages', '2-second'), '--benchmark', 'exact', '--json']));
  t.is(evaluated.model, '2-second');
  t.is(evaluated.checkpoint, join(runs, 'toy', 'stages', '2-second'));
  t.deepEqual(evaluated.reports.map((r: any) => [r.benchmark, r.avg]), [['exact', 100]]);
  t.is(evaluated.reports[0].dir, join(runs, 'toy', 'eval', `2-second-${shortHash(evaluated.policy.fingerprint)}`, 'exact'));
  t.deepEqual(evaluated.reports[0].policy, evaluated.policy, 'the report names the policy it scored');

  const ablated = parsed(ladder(['ablate', '-c', join(fixtures, 'toy', 'sweep.config.mjs'), ...set, '--json']));
  t.is(ablated.dir, join(runs, 'ablation'));
  t.deepEqual(ablated.variants.map((v: any) => [v.variant, v.avg.exact.mean]), [['both', 100], ['only-first', 50]]);
  t.deepEqual(ablated.runs.map((r: any) => r.name), ['both', 'only-first']);

  t.is(parsed(ladder(['inspect', '-c', config, '--json'])).ladders[0].config.name, 'toy');
});

test('--json: the data actions print one JSON document; an action without JSON output refuses --json', (t) => {
  const dir = tempDir(t);
  const fixture = join(root, 'test', 'plugins', 'dataset', 'fixture-source.ts');
  const tasks = ['localization', 'object-counting', 'absolute-distance', 'object-size', 'room-size', 'relative-distance', 'relative-direction', 'appearance-order'];
  const file = join(dir, 'ladder.config.json');
  writeFileSync(file, JSON.stringify({ presets: [], seed: 7, cacheDir: join(dir, 'cache'), plugins: [[fixture, { dir: join(dir, 'images'), scenes: 3 }], 'scenes', 'dataset', ...tasks.map((task) => `task-${task}`)], data: { source: 'fixture', workers: 0 } }));
  const scenes = ladder(['data', 'scenes', '-c', file, '--json']);
  t.is(scenes.code, 0, scenes.stderr);
  t.deepEqual(parsed(scenes).scenes.map((s: any) => s.id), ['room00', 'room01', 'room02']);
  const built = parsed(ladder(['data', 'build', '-c', file, '--json']));
  t.false(built.cached);
  t.true(built.samples > 0);
  const again = ladder(['data', 'build', '--json', '-c', file]);
  t.like(parsed(again), { cached: true, hash: built.hash, dir: built.dir });
  t.regex(again.stderr, /.+/, 'the build still logs, on stderr');
  t.is(parsed(ladder(['data', 'stats', '-c', file, '--json'])).samples, built.samples);
  const check = ladder(['data', 'check', '-c', file, '--json']);
  t.like(parsed(check), { dir: built.dir });
  t.is(check.code, parsed(check).ok ? 0 : 1);

  const project = tempDir(t);
  cpSync(join(root, 'examples', 'ladder-plugin-hello'), join(project, 'node_modules', 'ladder-plugin-hello'), { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-study', ladder: { presets: [], plugins: ['hello'] } }));
  const hello = ladder(['data', 'hello', '--json'], project);
  t.is(hello.code, 2);
  t.regex(hello.stderr, /ladder data hello: this action has no --json output/);
});
