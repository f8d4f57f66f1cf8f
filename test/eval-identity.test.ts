import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readJsonLines, type BenchmarkReport } from '../core/index.ts';
import { QUESTION_TYPES } from '../lib/scoring/index.ts';
import { writeAnswerSheet } from './fixtures/answer-sheet/plugin.ts';
import { tempDir } from './helpers/temp.ts';
import { benchRows, SPBENCH_SI_TYPES, writeSpbench } from './lib/scoring/benchmark-files.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

function ladder(args: string[]) {
  const run = spawnSync(process.execPath, [join(root, 'core', 'bin.mjs'), ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true', FORCE_COLOR: '0' } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const avgOf = (stdout: string) => Number(/\| Avg +\| +\| +\| +([\d.]+) \|/.exec(stdout)?.[1]);
const folderOf = (stdout: string) => /^spbench-si \([^)]*\): (.+)$/m.exec(stdout)?.[1];

/** A study with two checkpoints of the same name ("final") in different stages, as `ladder run` writes them. */
async function study(t: Parameters<typeof tempDir>[0]) {
  const dir = tempDir(t);
  const rows = await writeSpbench(join(dir, 'SPBench-SI'), benchRows(12, SPBENCH_SI_TYPES, QUESTION_TYPES));
  const reasoning = join(dir, 'runs', 'study', 'stages', '4-reasoning', 'final');
  const coldStart = join(dir, 'runs', 'study', 'stages', '3-cold-start', 'final');
  writeAnswerSheet(reasoning, Object.fromEntries(rows.map((r) => [r.question, r.ground_truth])));
  writeAnswerSheet(coldStart, Object.fromEntries(rows.slice(0, 5).map((r) => [r.question, r.ground_truth])));
  const config = join(dir, 'ladder.config.json');
  writeFileSync(
    config,
    JSON.stringify({
      name: 'study',
      plugins: [join(root, 'test', 'fixtures', 'answer-sheet', 'plugin.ts'), ['benchmark-spbench', { si: join(dir, 'SPBench-SI') }], ['reporter', { bars: false }]],
      runsDir: join(dir, 'runs'),
      cacheDir: join(dir, 'cache'),
    }),
  );
  const evaluate = (model: string, ...more: string[]) => ladder(['eval', '-c', config, '--model', model, '--benchmark', 'spbench-si', ...more]);
  return { dir, rows, reasoning, coldStart, evaluate };
}

test('ladder eval scores each checkpoint on its own: same-named checkpoints get their own folders, and the report names path and hash', async (t) => {
  const { dir, reasoning, coldStart, evaluate } = await study(t);
  const first = evaluate(reasoning);
  t.is(first.code, 0, first.stderr);
  t.is(avgOf(first.stdout), 100);
  t.regex(first.stdout, new RegExp(`scored: ${reasoning.replaceAll('/', '\\/')} \\(answer-sheet, sha256:[0-9a-f]{12}\\)`));

  const second = evaluate(coldStart);
  t.is(second.code, 0, second.stderr);
  t.notRegex(second.stderr, /resumed/, 'nothing of the first checkpoint is reused');
  const fresh = evaluate(coldStart, '--out', join(dir, 'fresh'));
  t.is(fresh.code, 0, fresh.stderr);
  t.is(avgOf(second.stdout), avgOf(fresh.stdout), 'the second checkpoint gets its own score');
  t.true(avgOf(second.stdout) < 100);

  const [a, b] = [folderOf(first.stdout)!, folderOf(second.stdout)!];
  t.regex(a, /eval\/final-[0-9a-f]{12}\/spbench-si$/);
  t.regex(b, /eval\/final-[0-9a-f]{12}\/spbench-si$/);
  t.not(a, b);
  const report = JSON.parse(readFileSync(join(b, 'report.json'), 'utf8')) as BenchmarkReport;
  t.is(report.policy!.checkpoint, coldStart);
  t.regex(report.policy!.fingerprint!, /^sha256:[0-9a-f]{64}$/);
  t.true(b.endsWith(`final-${report.policy!.fingerprint!.slice(7, 19)}/spbench-si`));
  t.regex(readFileSync(join(b, 'report.md'), 'utf8'), new RegExp(`^# spbench-si\\n\\nScored: ${coldStart.replaceAll('/', '\\/')} \\(answer-sheet, sha256:`));
  const identity = JSON.parse(readFileSync(join(b, 'identity.json'), 'utf8'));
  t.like(identity, { format: 1, policy: { id: 'answer-sheet', checkpoint: coldStart }, benchmark: { id: 'spbench-si', rows: 12 }, generation: { prompt: 'direct', maxTokens: 128, seed: 42, limit: null } });

  // the unchanged checkpoint again: the same folder, its predictions reused
  const again = evaluate(coldStart);
  t.is(folderOf(again.stdout), b);
  t.regex(again.stderr, /resumed 12 of 12 rows/);
  // the same directory retrained in place is another checkpoint: a new folder, a new score
  writeAnswerSheet(coldStart, {});
  const retrained = evaluate(coldStart);
  t.is(retrained.code, 0, retrained.stderr);
  t.not(folderOf(retrained.stdout), b);
  t.is(avgOf(retrained.stdout), 0);
});

test('ladder eval --out holding another checkpoint\'s predictions exits 2 naming both; --fresh starts over', async (t) => {
  const { dir, reasoning, coldStart, evaluate } = await study(t);
  const out = join(dir, 'shared');
  t.is(evaluate(reasoning, '--out', out).code, 0);
  const before = readFileSync(join(out, 'spbench-si', 'predictions.jsonl'), 'utf8');
  const refused = evaluate(coldStart, '--out', out);
  t.is(refused.code, 2);
  t.regex(refused.stderr, /holds predictions of another evaluation \(policy: /);
  t.regex(refused.stderr, new RegExp(`${reasoning.replaceAll('/', '\\/')} \\(answer-sheet, sha256:[0-9a-f]{12}\\) there, ${coldStart.replaceAll('/', '\\/')} \\(answer-sheet, sha256:[0-9a-f]{12}\\) now`));
  t.regex(refused.stderr, /--out <dir>.*--fresh/);
  t.is(readFileSync(join(out, 'spbench-si', 'predictions.jsonl'), 'utf8'), before, 'nothing written');

  const other = evaluate(reasoning, '--out', out, '--limit', '5');
  t.is(other.code, 2, 'another subset is another evaluation');
  t.regex(other.stderr, /benchmark rows: spbench-si: 12 rows, sha256:[0-9a-f]{12} there, spbench-si: 5 rows, sha256:[0-9a-f]{12} now; limit: null there, 5 now/);

  const fresh = evaluate(coldStart, '--out', out, '--fresh');
  t.is(fresh.code, 0, fresh.stderr);
  t.notRegex(fresh.stderr, /resumed/);
  t.true(avgOf(fresh.stdout) < 100);
  t.is(readJsonLines(join(out, 'spbench-si', 'predictions.jsonl')).length, 12);
});

test('inside ladder run: predictions left by an interrupted evaluation are reused only by the same policy, else replaced', async (t) => {
  const dir = tempDir(t);
  const rows = await writeSpbench(join(dir, 'si'), benchRows(8, SPBENCH_SI_TYPES, QUESTION_TYPES));
  const image = join(dir, 'si', 'images', rows[0]!.scene_name, rows[0]!.images![0]!);
  const config = join(dir, 'ladder.config.json');
  writeFileSync(
    config,
    JSON.stringify({
      name: 'toy',
      plugins: [join(root, 'test', 'fixtures', 'configs', 'toy', 'toy-plugin.ts'), ['benchmark-spbench', { si: join(dir, 'si') }], ['reporter', { bars: false }]],
      model: 'memo',
      curriculum: [{ name: 'first', kind: 'memorize', data: { tasks: ['localization'] } }],
      evaluate: { benchmarks: ['spbench-si'], at: ['first'] },
      runsDir: join(dir, 'runs'),
    }),
  );
  const run = join(dir, 'runs', 'toy');
  const eval1 = join(run, 'eval', 'first', 'spbench-si');
  // the evaluation after stage "first" stops at a row it cannot read (7 of 8 rows predicted)
  const saved = readFileSync(image);
  writeFileSync(image, '');
  t.is(ladder(['run', '-c', config]).code, 1);
  const before = JSON.parse(readFileSync(join(eval1, 'identity.json'), 'utf8'));
  t.is(before.policy.checkpoint, join(run, 'stages', '1-first'));
  writeFileSync(image, saved);

  // the checkpoint on disk is no longer what was evaluated (retrained, other backend, ...): nothing is reused
  const memory = join(run, 'stages', '1-first', 'memory.json');
  writeFileSync(memory, JSON.stringify([...JSON.parse(readFileSync(memory, 'utf8')), [rows[1]!.question, 'changed']]));
  const resumed = ladder(['run', '-c', config, '--resume']);
  t.is(resumed.code, 0, resumed.stderr);
  t.regex(resumed.stderr, /eval\/first\/spbench-si: discarding predictions of another evaluation \(policy: \S+stages\/1-first \(memo, sha256:\w{12}\) there, \S+stages\/1-first \(memo, sha256:\w{12}\) now\)/);
  t.notRegex(resumed.stderr, /resumed \d+ of 8/);
  t.is(readJsonLines(join(eval1, 'predictions.jsonl')).length, 8, 'every row predicted by the policy that is scored');
  const after = JSON.parse(readFileSync(join(eval1, 'identity.json'), 'utf8'));
  t.not(after.policy.fingerprint, before.policy.fingerprint);
  const report = JSON.parse(readFileSync(join(run, 'report.json'), 'utf8'));
  t.is(report.first['spbench-si'].policy.fingerprint, after.policy.fingerprint);
});
