/**
 * `ladder analyze` through the real CLI on a trained shrunk run: the list
 * and help, usage errors (exit 2), --points, a run made with another seed,
 * and a killed analysis that continues where it stopped and ends with the
 * result of an uninterrupted one.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJsonLines } from '../../core/index.ts';
import { DEFAULT, ladder, ROOT, runDir, writeConfig } from '../faults/harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'ladder-analyze-'));
const config = writeConfig(dir, DEFAULT);
test.before(async () => {
  const run = await ladder(['run', '-c', config]);
  if (run.code !== 0) throw new Error(`the shrunk run failed:\n${run.output.slice(-3000)}`);
});
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const analysisDir = (kind: string) => join(runDir(dir), 'analysis', kind);
const result = (folder: string) => (JSON.parse(readFileSync(join(folder, 'result.json'), 'utf8')) as { result: unknown }).result;

test('ladder analyze lists the analyses; each has --help with its options and defaults', async (t) => {
  const list = await ladder(['analyze', '-c', config]);
  t.is(list.code, 0, 'no action: the list of actions (exit 0)');
  for (const id of ['semantic-entropy', 'hints', 'dynamics']) t.regex(list.output, new RegExp(`^  ${id} `, 'm'));
  const help = await ladder(['analyze', 'semantic-entropy', '--help', '-c', config]);
  t.is(help.code, 0);
  t.regex(help.output, /--samples <n> +answers sampled per question \(default: 8\)/);
  t.regex(help.output, /--temperature <x> +sampling temperature \(default: 0\.9\)/);
  t.regex(help.output, /--model <id\|dir>/);
});

test('bad options are usage errors (exit 2) naming the option', async (t) => {
  const bad = await ladder(['analyze', 'semantic-entropy', '--samples', 'many', '-c', config]);
  t.is(bad.code, 2);
  t.regex(bad.output, /ladder analyze semantic-entropy: option '--samples <n>' argument 'many' is invalid\. expected a non-negative integer/);
  const unknown = await ladder(['analyze', 'hints', '--bogus', '-c', config]);
  t.is(unknown.code, 2);
  t.regex(unknown.output, /unknown option '--bogus'/);
  const point = await ladder(['analyze', 'semantic-entropy', '--points', 'base,nowhere', '-c', config]);
  t.is(point.code, 2);
  t.regex(point.output, /--points: nowhere: not a checkpoint of run fault; it has base, perception, understanding, cold-start, reasoning/);
  const seed = await ladder(['analyze', 'semantic-entropy', '--seed', '7', '-c', config]);
  t.is(seed.code, 2);
  // the preset fixes the data seed: another --seed changes the training seed only
  t.regex(seed.output, /--run fault: the run was made with another seed than this config has \(seed: 42, in .*config\.json\)/);
});

test('a killed analysis continues from its records and ends with the uninterrupted result', async (t) => {
  const args = ['analyze', 'semantic-entropy', '--questions', '8', '--points', 'base,understanding,reasoning', '-c', config];
  const reference = join(dir, 'reference');
  const straight = await ladder([...args, '--out', reference]);
  t.is(straight.code, 0, straight.output.slice(-2000));
  t.regex(straight.output, /\| base +\| direct +\| +8 \| +\d\.\d{3} \| +\d\.\d{3} \| +\d+\.\d \| +\d+\.\d \|/);

  const killed = await ladder(args, { LADDER_TEST_KILL: 'progress:semantic-entropy understanding:4' });
  t.is(killed.signal, 'SIGKILL', killed.output.slice(-2000));
  const records = readJsonLines<{ key: string }>(join(analysisDir('semantic-entropy'), 'records.jsonl'));
  t.is(records.length, 2 + 1, 'two batches of base and one of understanding were recorded before the kill');
  t.true(existsSync(join(analysisDir('semantic-entropy'), 'report.md')), 'the finished checkpoint was published');

  const resumed = await ladder(args);
  t.is(resumed.code, 0, resumed.output.slice(-2000));
  t.regex(resumed.output, /3 record\(s\) of earlier invocations/);
  t.deepEqual(result(analysisDir('semantic-entropy')), result(reference));
  t.is(readJsonLines(join(analysisDir('semantic-entropy'), 'records.jsonl')).length, 2 * 3, 'every batch recorded once');
});

test('dynamics of the run: one chart per stage and metric, under runs/<name>/analysis/dynamics; --json prints the result alone', async (t) => {
  const out = await ladder(['analyze', 'dynamics', '-c', config]);
  t.is(out.code, 0, out.output.slice(-2000));
  for (const file of ['perception-loss.png', 'reasoning-reward_accuracy.png', 'reasoning-reward_format.png', 'reasoning-reward_std.png'])
    t.true(existsSync(join(analysisDir('dynamics'), file)), file);
  t.regex(out.output, new RegExp(`analysis dynamics: ${analysisDir('dynamics').replace(/[/.]/g, '\\$&')}`));
  // --json: one document on stdout, the result.json's result
  const json = spawnSync(process.execPath, [join(ROOT, 'core/bin.mjs'), 'analyze', 'dynamics', '--json', '-c', config], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  t.is(json.status, 0, json.stderr.slice(-2000));
  const printed = JSON.parse(json.stdout) as { analysis: string; dir: string; result: unknown };
  t.deepEqual(printed, { analysis: 'dynamics', dir: analysisDir('dynamics'), result: result(analysisDir('dynamics')) });
});

test('hints on the run\'s tiny-vlm checkpoints: every question answered under each condition, beside chance; attention refuses images of one visual token', async (t) => {
  const hints = await ladder(['analyze', 'hints', '--questions', '6', '--points', 'base,reasoning', '-c', config]);
  t.is(hints.code, 0, hints.output.slice(-2000));
  const h = result(analysisDir('hints')) as { questions: number; chance: number; points: { label: string; prompt: string; answered: Record<string, number>; accuracy: Record<string, number> }[] };
  t.is(h.questions, 6);
  t.deepEqual(h.points.map((p) => [p.label, p.prompt]), [['base', 'direct'], ['reasoning', 'think']], 'each checkpoint asked the way it was trained');
  for (const p of h.points) t.deepEqual(p.answered, { none: 6, boxes: 6, full: 6 }, p.label);
  t.true(h.chance > 0.2 && h.chance <= 0.5, `chance ${h.chance}`);
  for (const file of ['hints.png', 'samples.png']) t.true(existsSync(join(analysisDir('hints'), file)), file);

  // the shrunk model's 28 x 28 images are one visual token each: nowhere to locate attention
  const attention = await ladder(['analyze', 'attention', '--questions', '6', '--points', 'reasoning', '-c', config]);
  t.is(attention.code, 1, attention.output.slice(-2000));
  t.regex(attention.output, /attention: reasoning: the policy turns each image into 1 visual token \(1 x 1\): attention IoU and entropy need at least 2 tokens per image/);
});

test('a killed scaling analysis continues its share run and ends with the result of an uninterrupted one', async (t) => {
  const args = ['analyze', 'scaling', '--fractions', '0.5', '-c', config];
  const straight = await ladder([...args, '--run', 'straight']);
  t.is(straight.code, 0, straight.output.slice(-2000));
  const killed = await ladder(args, { LADDER_TEST_KILL: 'metric:step/understanding:2' });
  t.is(killed.signal, 'SIGKILL', killed.output.slice(-2000));
  t.is(readJsonLines<{ event: string }>(join(dir, 'runs', 'fault-data50', 'metrics.jsonl')).filter((e) => e.event === 'stage-end').length, 1, 'killed in stage 2');
  const resumed = await ladder(args);
  t.is(resumed.code, 0, resumed.output.slice(-2000));
  t.regex(resumed.output, /run fault-data50 .*resuming/);
  type Scaling = { points: { run: string; samples: unknown; scores: unknown }[] };
  const [a] = (result(join(dir, 'runs', 'straight', 'analysis', 'scaling')) as Scaling).points;
  const [b] = (result(analysisDir('scaling')) as Scaling).points;
  t.is(b!.run, 'fault-data50');
  t.deepEqual([b!.samples, b!.scores], [a!.samples, a!.scores]);
});
