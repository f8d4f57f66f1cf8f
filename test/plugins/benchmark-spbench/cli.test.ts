import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT, readJsonLines, shortHash, type BenchmarkReport } from '../../../core/index.ts';
import { createOracle } from '../../../plugins/model-oracle/index.ts';
import { QUESTION_TYPES } from '../../../lib/scoring/index.ts';
import { tempDir } from '../../helpers/temp.ts';
import { benchRows, SPBENCH_SI_TYPES, writeSpbench } from '../../lib/scoring/benchmark-files.ts';

/** A table row, whatever the column alignment. */
const tableRow = (...cells: string[]) => new RegExp(`\\|\\s*${cells.join('\\s*\\|\\s*')}\\s*\\|`);

const ladder = (args: string[]) =>
  spawnSync(process.execPath, [join(PACKAGE_ROOT, 'core', 'bin.mjs'), ...args], { encoding: 'utf8', env: { ...process.env, CI: '1' } });

test('ladder eval --model oracle --benchmark spbench-si: table, report.json, and a resumed second run', async (t) => {
  const dir = tempDir(t);
  await writeSpbench(join(dir, 'SPBench-SI'), benchRows(12, SPBENCH_SI_TYPES, QUESTION_TYPES));
  const config = join(dir, 'ladder.config.json');
  writeFileSync(
    config,
    JSON.stringify({ plugins: [['benchmark-spbench', { si: join(dir, 'SPBench-SI') }], 'model-oracle'], runsDir: join(dir, 'runs'), cacheDir: join(dir, 'cache') }),
  );
  // the default folder is keyed by the policy's fingerprint
  const out = join(dir, 'runs', 'default', 'eval', `oracle-${shortHash(await createOracle({ think: false }).fingerprint!())}`, 'spbench-si');

  const first = ladder(['eval', '--model', 'oracle', '--benchmark', 'spbench-si', '-c', config, '--batch-size', '5']);
  t.is(first.status, 0, first.stderr);
  t.regex(first.stdout, new RegExp(`spbench-si \\(oracle\\): ${out.replaceAll('/', '\\/')}\nscored: oracle \\(sha256:[0-9a-f]{12}\\)`));
  t.regex(first.stdout, tableRow('object_abs_distance', 'NQ', '3', '100\\.0'));
  t.regex(first.stdout, tableRow('object_rel_direction', 'MCQ', '3', '100\\.0'));
  t.regex(first.stdout, tableRow('Avg', '', '', '100\\.0'));
  t.regex(first.stderr, /spbench-si: 12\/12 \(100%\) done/);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as BenchmarkReport;
  t.like(report, { benchmark: 'spbench-si', nq: 100, mcq: 100, avg: 100 });
  t.is(report.scores.length, 4);
  t.like(report.settings, { policy: 'oracle', prompt: 'direct', extraction: 'spec', rows: 12, scored: 12 });
  t.is(readJsonLines(join(out, 'predictions.jsonl')).length, 12);

  const second = ladder(['eval', '--model', 'oracle', '--benchmark', 'spbench-si', '-c', config]);
  t.is(second.status, 0, second.stderr);
  t.regex(second.stderr, /resumed 12/);
  t.is(readJsonLines(join(out, 'predictions.jsonl')).length, 12, 'no row predicted again');
  t.regex(second.stdout, tableRow('Avg', '', '', '100\\.0'));

  const subset = ladder(['eval', '--model', 'oracle', '--benchmark', 'spbench-si', '-c', config, '--limit', '5', '--seed', '3', '--out', join(dir, 'subset')]);
  t.is(subset.status, 0, subset.stderr);
  t.is(readJsonLines(join(dir, 'subset', 'spbench-si', 'predictions.jsonl')).length, 5);

  const unset = ladder(['eval', '--model', 'oracle', '--benchmark', 'spbench-mv', '-c', config]);
  t.is(unset.status, 2);
  t.regex(unset.stderr, /set the `mv` option to spbench-mv's directory/);
});
