import test from 'ava';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, contentHash, createLadder, evaluateBenchmark, readJsonLines, type Policy, type PolicyInput, type UserConfig } from '../../../core/index.ts';
import { QUESTION_TYPES } from '../../../lib/scoring/index.ts';
import { createOracle } from '../../../plugins/model-oracle/index.ts';
import { DIRECT_POST_PROMPT, SPATIALLADDER_THINK_PROMPT, SYSTEM_PROMPT, THINK_POST_PROMPT, THINK_PROMPT } from '../../../lib/prompts/index.ts';
import { tempDir } from '../../helpers/temp.ts';
import { AnswerWriter, benchRows, imagePath, SPBENCH_MV_TYPES, SPBENCH_SI_TYPES, writeImage, writeSpbench, type BenchRow } from '../../lib/scoring/benchmark-files.ts';

const quiet = { log: () => undefined };

async function ladderFor(dir: string, options: Record<string, unknown>, config: Partial<UserConfig> = {}) {
  return createLadder(
    { plugins: [['benchmark-spbench', options], 'model-oracle', 'model-chance'], cacheDir: join(dir, 'cache'), ...config },
    { defaults: [] },
  );
}

async function run(dir: string, options: Record<string, unknown>, benchmark: string, policy: Policy | string, out: string, config: Partial<UserConfig> = {}, limit?: number) {
  const ladder = await ladderFor(dir, options, config);
  const p = typeof policy === 'string' ? await ladder.get('models', policy).create({}, { seed: 42, ...quiet }) : policy;
  return evaluateBenchmark(ladder, p, benchmark, out, { limit });
}

/** The oracle, recording what it was asked and failing on demand; probes of one id share a fingerprint (saved predictions are theirs). */
class ProbePolicy implements Policy {
  readonly seen: PolicyInput[] = [];
  calls = 0;
  constructor(
    private readonly failWhen: (inputs: PolicyInput[], call: number) => boolean = () => false,
    readonly id = 'probe',
    readonly fingerprint: () => string | Promise<string> = () => contentHash(id),
  ) {}
  async generate(inputs: PolicyInput[]) {
    this.calls++;
    if (this.failWhen(inputs, this.calls)) throw new Error('simulated server failure');
    this.seen.push(...inputs);
    return inputs.map((input) => [{ text: input.reference!.answer }]);
  }
}

test('the oracle scores exactly 100 on SPBench-SI and SPBench-MV', async (t) => {
  const dir = tempDir(t);
  await writeSpbench(join(dir, 'si'), benchRows(16, SPBENCH_SI_TYPES, QUESTION_TYPES));
  await writeSpbench(join(dir, 'mv'), benchRows(15, SPBENCH_MV_TYPES, QUESTION_TYPES), 3);
  const options = { si: join(dir, 'si'), mv: join(dir, 'mv') };
  const si = await run(dir, options, 'spbench-si', 'oracle', join(dir, 'out-si'));
  t.deepEqual(si.scores.map((s) => [s.type, s.kind, s.count, s.score]), [
    ['object_abs_distance', 'NQ', 4, 100],
    ['object_size_estimation', 'NQ', 4, 100],
    ['object_rel_distance', 'MCQ', 4, 100],
    ['object_rel_direction', 'MCQ', 4, 100],
  ]);
  t.deepEqual([si.nq, si.mcq, si.avg, si.errors], [100, 100, 100, undefined]);
  const mv = await run(dir, options, 'spbench-mv', 'oracle', join(dir, 'out-mv'));
  t.deepEqual([mv.scores.length, mv.nq, mv.mcq, mv.avg], [5, 100, 100, 100]);
  t.deepEqual(JSON.parse(readFileSync(join(dir, 'out-si', 'report.json'), 'utf8')), JSON.parse(JSON.stringify(si)));
  t.regex(readFileSync(join(dir, 'out-mv', 'report.md'), 'utf8'), /\|\s*object_counting\s*\|\s*NQ\s*\|\s*3\s*\|\s*100\.0\s*\|/);
});

test('prompts: system prompt, question, options, post prompt; images in order; the reference', async (t) => {
  const dir = tempDir(t);
  const rows = await writeSpbench(join(dir, 'mv'), benchRows(2, ['object_counting', 'object_rel_direction'], QUESTION_TYPES), 3);
  const probe = new ProbePolicy();
  await run(dir, { mv: join(dir, 'mv') }, 'spbench-mv', probe, join(dir, 'direct'));
  const [numeric, choice] = probe.seen;
  t.is(numeric!.system, SYSTEM_PROMPT);
  t.is(numeric!.prompt, `Question 0 about object counting?\n${DIRECT_POST_PROMPT.number}`);
  t.is(choice!.prompt, `Question 1 about object rel direction?\nOptions:\nA. choice 0\nB. choice 1\nC. choice 2\nD. choice 3\n${DIRECT_POST_PROMPT.choice}`);
  t.deepEqual(choice!.images, rows[1]!.images!.map((name) => join(dir, 'mv', 'images', rows[1]!.scene_name, name)));
  t.true(choice!.images.every(existsSync));
  t.deepEqual(choice!.reference, { id: '1001', task: 'object_rel_direction', answer: 'B', answerKind: 'choice', options: rows[1]!.options!, facts: undefined });

  const think = new ProbePolicy();
  await run(dir, { mv: join(dir, 'mv'), prompt: 'think', prePrompt: 'These are views of a room.' }, 'spbench-mv', think, join(dir, 'think'));
  t.is(think.seen[0]!.prompt, `These are views of a room.\nQuestion 0 about object counting?\n${THINK_PROMPT}\n${THINK_POST_PROMPT.number}`);
});


test("setting 'spatialladder' asks and parses as SpatialLadder's released evaluator: its thinking prompt, 1,024 tokens, the first <answer>", async (t) => {
  const dir = tempDir(t);
  const rows = await writeSpbench(join(dir, 'mv'), benchRows(6, ['object_counting', 'object_rel_direction'], QUESTION_TYPES));
  const options = { mv: join(dir, 'mv') };
  const twice = new AnswerWriter('twice', false, (answer) => `<think>hmm</think><answer>${answer}</answer> or <answer>C</answer>`);
  const report = await run(dir, { ...options, setting: 'spatialladder' }, 'spbench-mv', twice, join(dir, 'think'));
  // eval_spld/data_utils/vsi_utils.py: "Question: " + question (+ "\nOptions:\n" + options) + "\n" + THINKING_TEMPLATE's instruction, then "\n" + post prompt
  for (const { input, sampling } of twice.seen) {
    const row = rows.find((r) => String(r.id) === input.reference!.id)!;
    const options = row.options ? `\nOptions:\n${row.options.join('\n')}` : '';
    t.is(input.prompt, `Question: ${row.question}${options}\n${SPATIALLADDER_THINK_PROMPT}\n${THINK_POST_PROMPT[row.options ? 'choice' : 'number']}`);
    t.is(input.system, SYSTEM_PROMPT, "Qwen2.5-VL's chat template puts its default system prompt there");
    t.like(sampling, { maxTokens: 1024, temperature: 0 });
  }
  t.is(report.avg, 100, 'the first <answer> is read (the default parser takes the last: C)');
  t.like(report.settings, { prompt: 'spatialladder-think', extraction: 'spatialladder-think', maxTokens: 1024, setting: 'spatialladder' });
  t.true((await run(dir, options, 'spbench-mv', twice, join(dir, 'spec'))).avg < 100);

  // its direct prompt: a blank line before the post prompt; number words read as numbers, "Answer:" removed
  const words = new AnswerWriter('words', false, (answer) => (/^\d/.test(answer) ? `${answer} meters` : `Answer: ${answer}`));
  const direct = await run(dir, { ...options, setting: 'spatialladder-direct' }, 'spbench-mv', words, join(dir, 'direct'));
  t.is(words.seen[0]!.input.prompt, `Question: ${rows[0]!.question}\n\n${DIRECT_POST_PROMPT.number}`);
  t.like(words.seen[0]!.sampling, { maxTokens: 128 });
  t.is(direct.avg, 100);
  await t.throwsAsync(run(dir, { ...options, setting: 'spatialladder', maxTokens: 64 }, 'spbench-mv', 'oracle', join(dir, 'x')), {
    message: /benchmark-spbench: option maxTokens: 64 conflicts with setting 'spatialladder' \(which uses 1024\)/,
  });
  await t.throwsAsync(ladderFor(dir, { ...options, setting: 'lmms-eval' }), { message: /options\.setting/ });
});

test('bad rows are reported one by one and the others are scored; --strict stops at the first', async (t) => {
  const dir = tempDir(t);
  const root = join(dir, 'si');
  const good = benchRows(8, SPBENCH_SI_TYPES, QUESTION_TYPES);
  const bad: BenchRow[] = [
    { ...good[0]!, id: 1, question_type: 'object_height' },
    { ...good[2]!, id: 2, ground_truth: 'D', options: ['A. x', 'B. y', 'C. z'] },
    { ...good[1]!, id: 3, images: ['never-written.jpg'] },
    { ...good[1]!, id: 4, images: ['../../secret.jpg'] },
    { ...good[0]!, id: 5, ground_truth: '-1.5' },
    { ...good[1]!, id: 1003 }, // a second row with id 1003
  ];
  await writeSpbench(root, [...good, ...bad]);
  await writeImage(join(dir, 'secret.jpg'), 9);
  rmSync(join(root, 'images', 'scene0015_00', 'never-written.jpg'));
  const report = await run(dir, { si: root }, 'spbench-si', 'oracle', join(dir, 'out'));
  t.deepEqual(report.scores.map((s) => s.count), [2, 2, 2, 2]);
  t.is(report.avg, 100);
  const errors = Object.fromEntries(report.errors!.map((e) => [e.id, e.message]));
  t.deepEqual(Object.keys(errors).sort(), ['1', '1003', '2', '3', '4', '5']);
  t.regex(errors['1']!, /^unknown question_type "object_height"/);
  t.regex(errors['2']!, /option count mismatch/);
  t.regex(errors['3']!, /image "scene0015_00\/never-written\.jpg": no such file/);
  t.regex(errors['4']!, /image "scene0015_00\/..\/..\/secret\.jpg": ".." is not allowed/);
  t.regex(errors['5']!, /numeric answers must be positive/);
  t.regex(errors['1003']!, /id 1003 appears more than once/);

  const strict = run(dir, { si: root }, 'spbench-si', 'oracle', join(dir, 'strict'), { evaluate: { strict: true } });
  await t.throwsAsync(strict, { message: /spbench-si: row 1: unknown question_type "object_height".*--strict/ });
});

test('an empty, truncated or non-image file is a row error naming it, checked before the policy sees the row', async (t) => {
  const dir = tempDir(t);
  const root = join(dir, 'si');
  const rows = await writeSpbench(root, benchRows(8, SPBENCH_SI_TYPES, QUESTION_TYPES));
  const file = (i: number) => imagePath(root, rows[i]!.scene_name, rows[i]!.images![0]!);
  writeFileSync(file(1), '');
  await writeImage(file(2), 2, 320, 240);
  const whole = readFileSync(file(2));
  writeFileSync(file(2), whole.subarray(0, Math.floor(whole.length * 0.7))); // headers whole, pixels cut
  writeFileSync(file(3), 'GIF89a? no, a text file'); // looks like a GIF to the decoder
  const probe = new ProbePolicy();
  const report = await run(dir, { si: root }, 'spbench-si', probe, join(dir, 'out'));
  const errors = Object.fromEntries(report.errors!.map((e) => [e.id, e.message]));
  t.deepEqual(Object.keys(errors), ['1001', '1002', '1003']);
  t.regex(errors['1001']!, /^image "scene0015_00\/1001_0\.jpg": empty file \(0 bytes: .*si\/images\/scene0015_00\/1001_0\.jpg\)$/);
  t.regex(errors['1002']!, /^image "scene0011_00\/1002_0\.jpg": cannot be decoded: truncated, corrupt or not an image \(.+; .*si\/images\/scene0011_00\/1002_0\.jpg\)$/);
  // libvips' own reason ("gifload: no frames in GIF") sits in a buffer every sharp call of the process shares: the
  // tests running beside this one, writing images, may change its wording, not the row error
  t.regex(errors['1003']!, /^image "scene0015_00\/1003_0\.jpg": cannot be decoded: truncated, corrupt or not an image \(.+; .*1003_0\.jpg\)$/);
  t.deepEqual(probe.seen.map((i) => i.reference!.id), ['1000', '1004', '1005', '1006', '1007']);
});

test('resumable: a rerun predicts only the rows without a prediction (torn last line tolerated)', async (t) => {
  const dir = tempDir(t);
  await writeSpbench(join(dir, 'si'), benchRows(12, SPBENCH_SI_TYPES, QUESTION_TYPES));
  const out = join(dir, 'out');
  const options = { si: join(dir, 'si') };
  const crashing = new ProbePolicy((_, call) => call === 3);
  await t.throwsAsync(run(dir, options, 'spbench-si', crashing, out, { evaluate: { batchSize: 4, strict: true } }), { message: /simulated server failure/ });
  t.is(readJsonLines(join(out, 'predictions.jsonl')).length, 8 + 1, 'two batches of predictions, then the first failed row (strict)');
  appendFileSync(join(out, 'predictions.jsonl'), '{"id":"1011","type":"obj'); // a crash mid-append

  const resumed = new ProbePolicy();
  const report = await run(dir, options, 'spbench-si', resumed, out, { evaluate: { batchSize: 4 } });
  t.deepEqual(resumed.seen.map((i) => i.reference!.id), ['1008', '1009', '1010', '1011']);
  t.is(report.avg, 100);
  t.is(report.errors, undefined);

  const again = new ProbePolicy();
  await run(dir, options, 'spbench-si', again, out);
  t.is(again.calls, 0, 'nothing left to predict');
});

test('a failing batch is retried row by row, so one bad row costs only itself', async (t) => {
  const dir = tempDir(t);
  await writeSpbench(join(dir, 'si'), benchRows(8, SPBENCH_SI_TYPES, QUESTION_TYPES));
  const picky = new ProbePolicy((inputs) => inputs.some((i) => i.reference!.id === '1005'));
  const report = await run(dir, { si: join(dir, 'si') }, 'spbench-si', picky, join(dir, 'out'), { evaluate: { batchSize: 4 } });
  t.deepEqual(report.errors, [{ id: '1005', message: 'policy failed: simulated server failure' }]);
  t.deepEqual(report.scores.map((s) => s.count), [2, 1, 2, 2]);
});

test('predictions of other settings are not mixed in; another extraction mode re-scores without re-predicting', async (t) => {
  const dir = tempDir(t);
  await writeSpbench(join(dir, 'si'), benchRows(8, SPBENCH_SI_TYPES, QUESTION_TYPES));
  const out = join(dir, 'out');
  await run(dir, { si: join(dir, 'si') }, 'spbench-si', 'oracle', out);
  await t.throwsAsync(run(dir, { si: join(dir, 'si'), prompt: 'think' }, 'spbench-si', 'oracle', out), {
    instanceOf: ConfigError,
    message: /holds predictions of another evaluation \(maxTokens: 128 there, 1024 now; prompt: "direct" there, "think" now\).*--out <dir>.*--fresh/,
  });
  // rewrite the saved predictions as a chatty model would answer: lmms-eval's parser cannot read "<answer>" blocks
  const file = join(out, 'predictions.jsonl');
  const lines = readJsonLines<{ prediction: string }>(file).map((l) => JSON.stringify({ ...l, prediction: `<answer>${l.prediction}</answer>` }));
  writeFileSync(file, `${lines.join('\n')}\n`);
  const oracle = createOracle({ think: false });
  const never = new ProbePolicy(() => true, 'oracle', () => oracle.fingerprint!());
  t.is((await run(dir, { si: join(dir, 'si') }, 'spbench-si', never, out)).avg, 100, 'spec extraction reads <answer>');
  const lmms = await run(dir, { si: join(dir, 'si'), extraction: 'vsi-bench' }, 'spbench-si', never, out);
  t.is(lmms.avg, 0, 'vsi-bench extraction takes the first space-separated token: "<answer>B</answer>" is no letter');
  t.is(lmms.settings!.extraction, 'vsi-bench');
  t.is(never.calls, 0);
});

test('--limit scores a seeded subset: the same rows for the same seed', async (t) => {
  const dir = tempDir(t);
  await writeSpbench(join(dir, 'si'), benchRows(40, SPBENCH_SI_TYPES, QUESTION_TYPES));
  const ids = async (seed: number, out: string) => {
    const probe = new ProbePolicy();
    const report = await run(dir, { si: join(dir, 'si') }, 'spbench-si', probe, join(dir, out), { seed }, 10);
    t.is(report.scores.reduce((n, s) => n + s.count, 0), 10);
    return probe.seen.map((i) => i.reference!.id);
  };
  const a = await ids(1, 'a');
  t.deepEqual(await ids(1, 'b'), a);
  t.notDeepEqual(await ids(2, 'c'), a);
  t.deepEqual([...a].sort(), a, 'kept in benchmark order');
});

test("the Hugging Face release's one folder serves both: SPBench-SI/MV.parquet and their unzipped -images folders", async (t) => {
  const dir = tempDir(t);
  const release = join(dir, 'SPBench');
  mkdirSync(release);
  for (const [name, rows, views] of [['SPBench-SI', benchRows(8, SPBENCH_SI_TYPES, QUESTION_TYPES), 1], ['SPBench-MV', benchRows(10, SPBENCH_MV_TYPES, QUESTION_TYPES), 3]] as const) {
    await writeSpbench(join(dir, name), [...rows], views);
    renameSync(join(dir, name, 'SPBench.parquet'), join(release, `${name}.parquet`));
    renameSync(join(dir, name, 'images'), join(release, `${name}-images`));
  }
  const options = { si: release, mv: release };
  const si = await run(dir, options, 'spbench-si', 'oracle', join(dir, 'out-si'));
  const mv = await run(dir, options, 'spbench-mv', 'oracle', join(dir, 'out-mv'));
  t.deepEqual([si.scores.reduce((n, s) => n + s.count, 0), si.avg, si.errors], [8, 100, undefined]);
  t.deepEqual([mv.scores.reduce((n, s) => n + s.count, 0), mv.avg, mv.errors], [10, 100, undefined]);
  renameSync(join(release, 'SPBench-MV-images'), join(dir, 'elsewhere'));
  await t.throwsAsync(run(dir, options, 'spbench-mv', 'oracle', join(dir, 'out-mv2')), {
    message: /option mv: no image folder in .*SPBench \(looked for images and SPBench-MV-images; set `images`\)/,
  });
});

test('configuration errors name the option', async (t) => {
  const dir = tempDir(t);
  await t.throwsAsync(run(dir, {}, 'spbench-mv', 'oracle', join(dir, 'o')), { message: /set the `mv` option to spbench-mv's directory/ });
  await t.throwsAsync(run(dir, { si: join(dir, 'missing') }, 'spbench-si', 'oracle', join(dir, 'o')), { message: /option si: .*missing does not exist/ });
  await t.throwsAsync(ladderFor(dir, { si: 3 }), { message: /options\.si/ });
  await t.throwsAsync(ladderFor(dir, { extraction: 'lmms' }), { message: /options\.extraction/ });
});

test("the swapped control asks every SPBench question with another scene's images, as many as its own", async (t) => {
  const dir = tempDir(t);
  const rows = await writeSpbench(join(dir, 'mv'), benchRows(6, SPBENCH_MV_TYPES, QUESTION_TYPES), 3);
  const ladder = await ladderFor(dir, { mv: join(dir, 'mv') });
  const probe = new ProbePolicy();
  const report = await evaluateBenchmark(ladder, probe, 'spbench-mv', join(dir, 'out'), { swapped: true });
  t.is(report.settings!.swapped, true);
  const sceneOf = new Map(rows.map((row) => [String(row.id), row.scene_name]));
  for (const input of probe.seen) {
    t.is(input.images.length, 3);
    const shown = new Set(input.images.map((path) => path.split('/').at(-2)));
    t.is(shown.size, 1);
    t.not([...shown][0], sceneOf.get(input.reference!.id), `row ${input.reference!.id}: another scene's images`);
  }
});
