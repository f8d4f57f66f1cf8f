import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchmarkReport } from '../core/index.ts';
import { QUESTION_TYPES } from '../lib/scoring/index.ts';
import { tempDir } from './helpers/temp.ts';
import { benchRows, imagePath, SPBENCH_SI_TYPES, writeSpbench } from './lib/scoring/benchmark-files.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

function ladder(args: string[]) {
  const run = spawnSync(process.execPath, [join(root, 'core', 'bin.mjs'), ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true', FORCE_COLOR: '0' } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** SPBench-SI with 8 rows; `missing` rows lose their image (a row error each). */
async function benchmark(t: Parameters<typeof tempDir>[0], missing: number) {
  const dir = tempDir(t);
  const rows = await writeSpbench(join(dir, 'si'), benchRows(8, SPBENCH_SI_TYPES, QUESTION_TYPES));
  const hidden = rows.slice(0, missing).map((r) => imagePath(join(dir, 'si'), r.scene_name, r.images![0]!));
  for (const file of hidden) renameSync(file, `${file}.away`);
  const restore = () => hidden.forEach((file) => renameSync(`${file}.away`, file));
  return { dir, restore };
}

test('ladder eval exits 1 after writing the report when rows could not be scored; --max-errors / evaluate.maxErrors allow them', async (t) => {
  const { dir } = await benchmark(t, 2);
  const config = join(dir, 'ladder.config.json');
  writeFileSync(config, JSON.stringify({ plugins: [['benchmark-spbench', { si: join(dir, 'si') }], 'model-oracle'], runsDir: join(dir, 'runs') }));
  const out = join(dir, 'out');
  const failed = ladder(['eval', '-c', config, '--model', 'oracle', '--benchmark', 'spbench-si', '--out', out]);
  t.is(failed.code, 1);
  t.regex(failed.stderr, /spbench-si: 2 row\(s\) could not be scored \(allowed: 0\): .*out\/spbench-si\/report\.json lists them/);
  t.regex(failed.stderr, /--max-errors <n> or evaluate\.maxErrors/);
  t.regex(failed.stdout, /\| Avg +\| +\| +\| +100\.0 \|/, 'the scores of the other rows are still shown');
  const report = JSON.parse(readFileSync(join(out, 'spbench-si', 'report.json'), 'utf8')) as BenchmarkReport;
  t.is(report.errors!.length, 2);
  t.regex(readFileSync(join(out, 'spbench-si', 'report.md'), 'utf8'), /2 row\(s\) could not be scored; report\.json lists them/);

  t.is(ladder(['eval', '-c', config, '--model', 'oracle', '--benchmark', 'spbench-si', '--out', out, '--max-errors', '2']).code, 0);
  t.is(ladder(['eval', '-c', config, '--model', 'oracle', '--benchmark', 'spbench-si', '--out', out, '--set', 'evaluate.maxErrors=2']).code, 0);
  const bad = ladder(['eval', '-c', config, '--model', 'oracle', '--benchmark', 'spbench-si', '--max-errors', 'some']);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--max-errors some: expected a non-negative integer/);
});

test('no row scored: "no rows scored", never "NaN", and exit 1', async (t) => {
  const { dir } = await benchmark(t, 8);
  const config = join(dir, 'ladder.config.json');
  writeFileSync(config, JSON.stringify({ plugins: [['benchmark-spbench', { si: join(dir, 'si') }], 'model-oracle'], runsDir: join(dir, 'runs') }));
  const none = ladder(['eval', '-c', config, '--model', 'oracle', '--benchmark', 'spbench-si']);
  t.is(none.code, 1);
  t.notRegex(none.stdout + none.stderr, /NaN/);
  t.regex(none.stdout, /no rows scored \(8 row\(s\) could not be scored; see report\.json\)/);
  t.regex(none.stderr, /spbench-si @ oracle: no rows scored/);
  t.regex(none.stderr, /spbench-si: 8 row\(s\) could not be scored \(allowed: 0\)/);
});

test('ladder run stops with exit 1 at an evaluation with unscored rows, the point unfinished; --resume asks only those rows', async (t) => {
  const { dir, restore } = await benchmark(t, 1);
  const config = join(dir, 'ladder.config.json');
  writeFileSync(
    config,
    JSON.stringify({
      name: 'toy',
      plugins: [join(root, 'test', 'fixtures', 'configs', 'toy', 'toy-plugin.ts'), ['benchmark-spbench', { si: join(dir, 'si') }], ['reporter', { bars: false }]],
      model: 'memo',
      curriculum: [{ name: 'first', kind: 'memorize', data: { tasks: ['localization'] } }],
      evaluate: { benchmarks: ['spbench-si'] },
      runsDir: join(dir, 'runs'),
    }),
  );
  const run = join(dir, 'runs', 'toy');
  const failed = ladder(['run', '-c', config]);
  t.is(failed.code, 1);
  t.regex(failed.stderr, /evaluation at base: spbench-si: 1 row\(s\) could not be scored \(allowed: 0\); the reasons are in .*eval\/base\/spbench-si\/report\.json/);
  t.regex(failed.stderr, /continue with --resume \(only those rows are asked again\), or allow them with --set evaluate\.maxErrors=<n>/);
  const state = JSON.parse(readFileSync(join(run, 'state.json'), 'utf8'));
  t.is(state.status, 'failed');
  t.deepEqual(state.evaluations, {}, 'the point is not finished');
  t.deepEqual(state.stages, [], 'training did not go on past a failed evaluation');
  t.true(existsSync(join(run, 'eval', 'base', 'spbench-si', 'report.json')));

  restore();
  const resumed = ladder(['run', '-c', config, '--resume']);
  t.is(resumed.code, 0, resumed.stderr);
  t.regex(resumed.stderr, /spbench-si: resumed 7 of 8 rows already predicted/);
  const done = JSON.parse(readFileSync(join(run, 'state.json'), 'utf8'));
  t.is(done.status, 'done');
  t.deepEqual(Object.keys(done.evaluations), ['base', 'first']);
  t.is(done.evaluations.base['spbench-si'].errors, undefined);
});
