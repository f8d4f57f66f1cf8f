import test from 'ava';
import { existsSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLadder, evaluateBenchmark, type Policy, type PolicyInput } from '../../../core/index.ts';
import { QUESTION_TYPES, VSI_LAYOUT } from '../../../lib/scoring/index.ts';
import { tempDir } from '../../helpers/temp.ts';
import { AnswerWriter, benchRows, writeBenchParquet, writeVideo } from '../../lib/scoring/benchmark-files.ts';

const VSI_TYPES = Object.keys(QUESTION_TYPES).filter((type) => type !== 'object_rel_direction');
const SCENES = ['scene0011_00', '42446540'];
const DATASETS = ['scannet', 'arkitscenes'];

/** A VSI-Bench directory: the parquet file and one tiny video per (dataset, scene). */
function writeVsi(root: string, count: number) {
  const rows = benchRows(count, VSI_TYPES, QUESTION_TYPES, SCENES).map((row, i) => ({ ...row, dataset: DATASETS[i % 2]! }));
  writeBenchParquet(join(root, 'test-00000-of-00001.parquet'), rows);
  for (const row of rows) if (!existsSync(join(root, row.dataset, `${row.scene_name}.mp4`))) writeVideo(join(root, row.dataset, `${row.scene_name}.mp4`), { frames: 30 });
  return rows;
}

class Recorder implements Policy {
  readonly id = 'recorder';
  readonly seen: PolicyInput[] = [];
  async generate(inputs: PolicyInput[]) {
    this.seen.push(...inputs);
    return inputs.map((input) => [{ text: input.reference!.answer }]);
  }
}

async function evaluate(dir: string, options: Record<string, unknown>, policy: Policy | string, out: string, benchmark = 'vsi-bench', control: { swapped?: boolean } = {}) {
  const ladder = await createLadder({ plugins: [['benchmark-vsi', options], 'model-oracle'], cacheDir: join(dir, 'cache') }, { defaults: [] });
  const p = typeof policy === 'string' ? await ladder.get('models', policy).create({}, { seed: 1, log: () => undefined }) : policy;
  return evaluateBenchmark(ladder, p, benchmark, out, control);
}

test('the oracle scores exactly 100 on VSI-Bench; rel-direction levels are merged; frames come from the scene video', async (t) => {
  const dir = tempDir(t);
  const root = join(dir, 'vsi');
  writeVsi(root, 20);
  const recorder = new Recorder();
  const report = await evaluate(dir, { root, frames: 8 }, recorder, join(dir, 'out'));
  t.deepEqual(report.scores.map((s) => s.type), VSI_LAYOUT.order);
  t.deepEqual(report.scores.map((s) => s.count), [2, 2, 2, 2, 2, 6, 2, 2]);
  t.true(report.scores.every((s) => s.score === 100));
  t.deepEqual([report.nq, report.mcq, report.avg], [100, 100, 100]);
  t.is(report.settings!.frames, 8);
  const first = recorder.seen[0]!;
  t.is(first.images.length, 8);
  t.true(first.images.every(existsSync));
  t.regex(first.images[0]!, /frame-0\.jpg$/);
  t.regex(first.images[7]!, /frame-29\.jpg$/);
  // rows of the same video share one cache entry
  const sameVideo = recorder.seen.filter((input) => input.images[0] === first.images[0]);
  t.true(sameVideo.length > 1);

  const lmms = await evaluate(dir, { root, frames: 8, extraction: 'vsi-bench', prePrompt: 'These are frames of a video.' }, 'oracle', join(dir, 'lmms'));
  t.is(lmms.avg, 100, 'the oracle scores 100 under the lmms-eval parser too');
});

test('a missing video or a dataset path out of the root is an error for its rows only', async (t) => {
  const dir = tempDir(t);
  const root = join(dir, 'vsi');
  const rows = writeVsi(root, 10);
  rows.push({ ...rows[0]!, id: 1, scene_name: 'scene0999_00' }, { ...rows[1]!, id: 2, dataset: '..' });
  writeBenchParquet(join(root, 'test-00000-of-00001.parquet'), rows);
  const report = await evaluate(dir, { root, frames: 4 }, 'oracle', join(dir, 'out'));
  t.is(report.avg, 100);
  t.deepEqual(report.errors!.map((e) => e.id), ['1', '2']);
  t.regex(report.errors![0]!.message, /video "scannet\/scene0999_00\.mp4": no such file/);
  t.regex(report.errors![1]!.message, /video "..\/42446540\.mp4": ".." is not allowed/);
});

test("a dataset folder that is a symbolic link to another disk: its rows are errors naming the option, and symlinks: 'follow' scores them", async (t) => {
  const dir = tempDir(t);
  const root = join(dir, 'vsi');
  writeVsi(root, 8);
  renameSync(join(root, 'scannet'), join(dir, 'elsewhere'));
  symlinkSync(join(dir, 'elsewhere'), join(root, 'scannet'));
  const refused = await evaluate(dir, { root, frames: 4 }, 'oracle', join(dir, 'inside'));
  t.is(refused.errors!.length, 4, 'the scannet rows');
  t.regex(refused.errors![0]!.message, /a symbolic link out of the benchmark root; .* symlinks: 'follow'/);
  const followed = await evaluate(dir, { root, frames: 4, symlinks: 'follow' }, 'oracle', join(dir, 'follow'));
  t.deepEqual([followed.avg, followed.errors], [100, undefined]);
});

test('an empty or undecodable video is an error for its rows, naming the file; the policy never sees them', async (t) => {
  const dir = tempDir(t);
  const root = join(dir, 'vsi');
  const rows = writeVsi(root, 6);
  rows.push({ ...rows[0]!, id: 1, scene_name: 'scene0000_00' }, { ...rows[1]!, id: 2, scene_name: 'scene0001_00' });
  writeBenchParquet(join(root, 'test-00000-of-00001.parquet'), rows);
  writeFileSync(join(root, 'scannet', 'scene0000_00.mp4'), '');
  writeFileSync(join(root, 'arkitscenes', 'scene0001_00.mp4'), 'not a video at all');
  const recorder = new Recorder();
  const report = await evaluate(dir, { root, frames: 4 }, recorder, join(dir, 'out'));
  t.is(report.avg, 100);
  t.deepEqual(report.errors!.map((e) => e.id), ['1', '2']);
  t.regex(report.errors![0]!.message, /video "scannet\/scene0000_00\.mp4": empty file \(0 bytes: .*scannet\/scene0000_00\.mp4\)/);
  t.regex(report.errors![1]!.message, /arkitscenes\/scene0001_00\.mp4: cannot read the video/);
  t.is(recorder.seen.length, 6);
});

test('a Hugging Face download: vsi-bench reads the full set beside the subset files; vsi-bench-debiased test_debiased.parquet, else the full set\'s rows whose `pruned` is false', async (t) => {
  const dir = tempDir(t);
  const root = join(dir, 'vsi');
  const rows = writeVsi(root, 12).map((row, i) => ({ ...row, pruned: i % 3 === 0 }));
  writeBenchParquet(join(root, 'test-00000-of-00001.parquet'), rows);
  writeBenchParquet(join(root, 'test_debiased.parquet'), rows.filter((r) => !r.pruned));
  writeBenchParquet(join(root, 'test_pruned.parquet'), rows.filter((r) => r.pruned));
  const full = new Recorder();
  t.is((await evaluate(dir, { root, frames: 4 }, full, join(dir, 'full'))).avg, 100);
  t.deepEqual(full.seen.map((input) => input.reference!.id).sort(), rows.map((r) => String(r.id)).sort());
  const debiased = new Recorder();
  const report = await evaluate(dir, { root, frames: 4 }, debiased, join(dir, 'debiased'), 'vsi-bench-debiased');
  const kept = rows.filter((r) => !r.pruned).map((r) => String(r.id));
  t.is(kept.length, 8);
  t.deepEqual(debiased.seen.map((input) => input.reference!.id).sort(), kept.sort());
  t.deepEqual([report.benchmark, report.avg, report.scores.reduce((n, s) => n + s.count, 0)], ['vsi-bench-debiased', 100, 8]);
  // the same questions from the full set's `pruned` column, when the subset file is not there
  rmSync(join(root, 'test_debiased.parquet'));
  const fromFull = new Recorder();
  t.is((await evaluate(dir, { root, frames: 4 }, fromFull, join(dir, 'from-full'), 'vsi-bench-debiased')).avg, 100);
  t.deepEqual(fromFull.seen.map((input) => input.reference!.id).sort(), kept.sort());

  // a row whose flag is missing is that row's error; a full set without the column cannot give the subset
  writeBenchParquet(join(root, 'test-00000-of-00001.parquet'), [...rows, { ...rows[1]!, id: 7, pruned: undefined }]);
  const flagless = await evaluate(dir, { root, frames: 4 }, 'oracle', join(dir, 'flagless'), 'vsi-bench-debiased');
  t.deepEqual(flagless.errors!.map((e) => [e.id, e.message]), [['7', 'pruned: expected true or false, got null']]);
  const old = rows.map(({ pruned: _, ...row }) => row);
  writeBenchParquet(join(root, 'test-00000-of-00001.parquet'), old);
  await t.throwsAsync(evaluate(dir, { root, frames: 4 }, 'oracle', join(dir, 'old'), 'vsi-bench-debiased'), { message: /test-00000-of-00001\.parquet: missing column\(s\) pruned/ });
  // a download whose full set predates the column: the subset file beside it gives the debiased set
  writeBenchParquet(join(root, 'test_debiased.parquet'), old.filter((_, i) => !rows[i]!.pruned));
  const fromSubset = new Recorder();
  t.is((await evaluate(dir, { root, frames: 4 }, fromSubset, join(dir, 'from-subset'), 'vsi-bench-debiased')).avg, 100);
  t.deepEqual(fromSubset.seen.map((input) => input.reference!.id).sort(), kept.sort());
});

test('the root must exist', async (t) => {
  const dir = tempDir(t);
  await t.throwsAsync(evaluate(dir, { root: join(dir, 'nowhere') }, 'oracle', join(dir, 'out')), { message: /benchmark-vsi: option root: .*nowhere does not exist/ });
  await t.throwsAsync(createLadder({ plugins: [['benchmark-vsi', {}]] }, { defaults: [] }), { message: /options\.root/ });
});


test("setting 'lmms-eval' asks exactly as lmms-eval's VSI-Bench task: pre-prompt, post prompts, 16 tokens, greedy, its parser", async (t) => {
  const dir = tempDir(t);
  const root = join(dir, 'vsi');
  const rows = writeVsi(root, 12);
  const policy = new AnswerWriter();
  const report = await evaluate(dir, { root, frames: 4, setting: 'lmms-eval' }, policy, join(dir, 'lmms'));
  // lmms-eval's vsibench_doc_to_text: NA "pre\nquestion\npost"; MCA "\n".join([pre, question, "Options:\n" + options, post])
  for (const { input, sampling } of policy.seen) {
    const row = rows.find((r) => String(r.id) === input.reference!.id)!;
    const expected = row.options
      ? ['These are frames of a video.', row.question, `Options:\n${row.options.join('\n')}`, "Answer with the option's letter from the given choices directly."].join('\n')
      : `These are frames of a video.\n${row.question}\nPlease answer the question using a single word or phrase.`;
    t.is(input.prompt, expected);
    t.is(input.system, 'You are a helpful assistant.');
    t.like(sampling, { maxTokens: 16, temperature: 0, topP: 1 });
  }
  // "B. because": the parser takes "B." -> "B"; "3.5 because" -> 3.5: all right
  t.is(report.avg, 100);
  t.like(report.settings, { prompt: 'lmms-eval', extraction: 'vsi-bench', maxTokens: 16, temperature: 0, setting: 'lmms-eval' });
  // "<answer>B</answer>": lmms-eval's parser does not read tags (0), this project's default does (100)
  const tagged = (answer: string) => `<answer>${answer}</answer>`;
  t.is((await evaluate(dir, { root, frames: 4, setting: 'lmms-eval' }, new AnswerWriter('tagged', false, tagged), join(dir, 'tagged'))).avg, 0);
  const ladder = await evaluate(dir, { root, frames: 4 }, new AnswerWriter('tagged', false, tagged), join(dir, 'ladder'));
  t.is(ladder.avg, 100);
  t.like(ladder.settings, { prompt: 'direct', extraction: 'spec', maxTokens: 128 });

  for (const [option, value] of [['prePrompt', 'Frames:'], ['maxTokens', 32], ['temperature', 0.7], ['extraction', 'spec'], ['prompt', 'think']] as const)
    await t.throwsAsync(evaluate(dir, { root, setting: 'lmms-eval', [option]: value }, 'oracle', join(dir, 'x')), {
      message: new RegExp(`benchmark-vsi: option ${option}: .* conflicts with setting 'lmms-eval'`),
    });
  const same = await evaluate(dir, { root, frames: 4, setting: 'lmms-eval', extraction: 'vsi-bench', maxTokens: 16 }, 'oracle', join(dir, 'same'));
  t.is(same.avg, 100, 'options equal to the setting\'s are allowed');

  // SpatialLadder's evaluator is a setting too: its prompt, its parser ("B. because" -> "B"; "3.5. because" -> 3.5)
  const spatialLadder = new AnswerWriter('spatialladder');
  const direct = await evaluate(dir, { root, frames: 4, setting: 'spatialladder-direct' }, spatialLadder, join(dir, 'spatialladder'));
  t.deepEqual([direct.avg, direct.settings!.setting, direct.settings!.maxTokens], [100, 'spatialladder-direct', 128]);
  t.regex(spatialLadder.seen[0]!.input.prompt, /^Question: Question 0 about /);
});

test('a policy that takes video gets each row\'s video file, not frames; predictions of the two kinds never mix', async (t) => {
  const dir = tempDir(t);
  const root = join(dir, 'vsi');
  writeVsi(root, 6);
  const policy = new AnswerWriter('video-policy', true);
  const report = await evaluate(dir, { root, frames: 4, setting: 'lmms-eval' }, policy, join(dir, 'out'));
  t.is(report.avg, 100);
  t.is(report.settings!.media, 'video');
  for (const { input } of policy.seen) {
    t.deepEqual(input.images, []);
    t.true(existsSync(input.video!));
    t.regex(input.video!, /vsi\/(scannet|arkitscenes)\/(scene0011_00|42446540)\.mp4$/);
  }
  t.false(existsSync(join(dir, 'cache', 'frames')), 'no frames were sampled');
  await t.throwsAsync(evaluate(dir, { root, frames: 4, setting: 'lmms-eval' }, new AnswerWriter('video-policy'), join(dir, 'out')), {
    message: /holds predictions of another evaluation \(media: "video" there, \(not recorded\) now\)/,
  });
});

test("the swapped control asks every VSI-Bench question with another scene's video: its frames, or the file to a policy that takes video", async (t) => {
  const dir = tempDir(t);
  const root = join(dir, 'vsi');
  const rows = writeVsi(root, 8);
  const own = new Map(rows.map((row) => [String(row.id), `${row.dataset}/${row.scene_name}.mp4`]));
  const frames = new Recorder();
  const report = await evaluate(dir, { root, frames: 4 }, frames, join(dir, 'frames'), 'vsi-bench', { swapped: true });
  t.is(report.settings!.swapped, true);
  const sighted = new Recorder();
  await evaluate(dir, { root, frames: 4 }, sighted, join(dir, 'sighted'));
  const framesOf = (recorder: Recorder, id: string) => recorder.seen.find((input) => input.reference!.id === id)!.images;
  for (const [id] of own) {
    t.is(framesOf(frames, id).length, 4);
    t.notDeepEqual(framesOf(frames, id), framesOf(sighted, id), `row ${id}: not its own scene's frames`);
  }
  const video = new AnswerWriter('video-policy', true);
  await evaluate(dir, { root, frames: 4 }, video, join(dir, 'video'), 'vsi-bench', { swapped: true });
  for (const { input } of video.seen) {
    t.true(existsSync(input.video!));
    t.false(input.video!.endsWith(own.get(input.reference!.id)!), `row ${input.reference!.id}: another scene's video`);
  }
});
