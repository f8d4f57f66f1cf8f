/**
 * The recipe end to end through the real CLI, shrunk: 5 small procedural
 * rooms, a one-layer model, two steps per stage. Everything the default
 * `npx ladder run` does, in about a minute.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkOptions, createLadder, loadConfig, preflight, readJsonLines, resolveCurriculum, SPATIAL_TASKS, stageFor, type MetricEvent, type Sample } from '../../core/index.ts';
import { datasetPlan } from '../../plugins/dataset/index.ts';
import { READER_VERSION } from '../../lib/scannet-format/index.ts';
import { GENERATOR_VERSION } from '../../plugins/source-procedural/generate.ts';
import { tempDir } from '../helpers/temp.ts';
import { captionText } from '../../plugins/task-caption/index.ts';
import { placements } from '../../presets/spatial-ladder/tuning/placement.ts';
import { namesAsked } from '../../presets/spatial-ladder/tuning/reward-names-asked.ts';
import { boxPlacement } from '../../presets/spatial-ladder/tuning/box-place.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tuning = join(root, 'presets', 'spatial-ladder', 'tuning');

test('the spatial-ladder preset runs the whole ladder: data, four stages, three evaluations, tables and plots', (t) => {
  const dir = tempDir(t);
  const steps = { maxSteps: 2, epochs: 1, checkpointEvery: 0 };
  const config = {
    presets: [['spatial-ladder', { procedural: { scenes: 5, frames: 12, width: 160, height: 120, depthWidth: 80, depthHeight: 60 } }]],
    name: 'smoke',
    runsDir: join(dir, 'runs'),
    cacheDir: join(dir, 'cache'),
    // two held-out rooms of five, so the swapped control has another room's frames to show
    data: { candidates: 8, workers: 1, split: { heldOut: 0.4, validation: 0.2 } },
    model: { id: 'tiny-vlm', options: { dim: 32, layers: 1, heads: 2, ffn: 64, visionDim: 16, imageWidth: 28, imageHeight: 28 } },
    curriculum: [
      { name: 'perception', kind: 'sft', data: { tasks: ['localization'] }, options: steps },
      { name: 'understanding', kind: 'sft', data: { tasks: [...SPATIAL_TASKS] }, options: steps },
      { name: 'cold-start', kind: 'cold-start', data: { tasks: [...SPATIAL_TASKS], limit: 16 }, options: { ...steps, generations: 2 }, evaluate: false },
      // the stage's own reward weights (README: { name, kind, data, rewards, options })
      { name: 'reasoning', kind: 'grpo', data: { tasks: [...SPATIAL_TASKS] }, rewards: { format: 1, accuracy: 2 }, options: { ...steps, generations: 2, batchSize: 2, gradAccum: 1, maxTokens: 16 } },
    ],
    evaluate: { limit: 12 },
  };
  writeFileSync(join(dir, 'ladder.config.json'), JSON.stringify(config));
  const run = spawnSync(process.execPath, [join(root, 'core', 'bin.mjs'), 'run', '-c', join(dir, 'ladder.config.json')], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  });
  t.is(run.status, 0, run.stderr.slice(-3000));

  // the Table 1 columns per checkpoint, then Table 3 per dimension and modality
  t.regex(run.stdout, /\| checkpoint +\| held-out NQ \| held-out MCQ \| held-out Avg \|/);
  for (const point of ['base', 'understanding', 'reasoning']) t.regex(run.stdout, new RegExp(`\\| ${point} +\\| +\\d+\\.\\d \\|`));
  t.regex(run.stdout, /\| held-out: type \/ modality +\| chance \| base \| understanding \| reasoning \| change \|/);
  // the controls beside every checkpoint: the chance policy once, a blind control per checkpoint, the per-type table
  t.regex(run.stdout, /\| chance +\| +\d+\.\d \|/);
  t.regex(run.stdout, /\| prior +\| +\d+\.\d \|/);
  for (const point of ['base', 'understanding', 'reasoning'])
    for (const control of ['blind', 'swapped']) t.regex(run.stdout, new RegExp(`\\| ${point} \\(${control}\\) +\\| +\\d+\\.\\d \\|`));
  t.regex(run.stdout, /\| held-out: question type +\| n \| chance \| prior \| base \| base \(blind\) \| base \(swapped\) \|/);
  t.regex(run.stdout, /\| localization IoU \(x100\) +\|/);

  const out = join(dir, 'runs', 'smoke');
  const state = JSON.parse(readFileSync(join(out, 'state.json'), 'utf8'));
  t.is(state.status, 'done');
  t.deepEqual(state.stages.map((s: { name: string }) => s.name), ['perception', 'understanding', 'cold-start', 'reasoning']);
  t.deepEqual(Object.keys(state.evaluations), ['base', 'understanding', 'reasoning']);
  const controls = JSON.parse(readFileSync(join(out, 'controls.json'), 'utf8'));
  for (const control of ['blind', 'swapped']) t.deepEqual(Object.keys(controls[control]), ['base', 'understanding', 'reasoning'], `${control} control at every point`);
  for (const reference of ['chance', 'prior']) t.deepEqual(Object.keys(controls[reference]), ['held-out'], `the ${reference} policy once`);
  t.is(controls.swapped.base['held-out'].settings.swapped, true);
  const steps_ = readJsonLines<MetricEvent>(join(out, 'metrics.jsonl')).filter((m) => m.event === 'step' && (m.step ?? 0) > 0);
  t.deepEqual([...new Set(steps_.map((m) => m.stage))], ['perception', 'understanding', 'cold-start', 'reasoning']);
  const grpo = steps_.filter((m) => m.stage === 'reasoning');
  for (const key of ['loss', 'lr', 'grad_norm', 'reward_mean', 'reward_std', 'reward_format', 'reward_accuracy', 'kl', 'completion_length', 'tokens_per_s', 'backend'])
    t.true(key in grpo[0]!, `GRPO metrics carry ${key}`);
  for (const step of grpo) t.true(Math.abs((step.reward_mean as number) - ((step.reward_format as number) + 2 * (step.reward_accuracy as number))) < 1e-9, 'R = 1 x format + 2 x accuracy');
  for (const plot of ['loss.png', 'reward_mean.png', 'reward_std.png']) t.true(existsSync(join(out, 'plots', plot)), plot);
  t.true(existsSync(join(out, 'stages', '4-reasoning', 'final', 'policy.json')));

  // --json with the TensorFlow.js model loaded: stdout is the one document, whatever the backend prints
  const evaluated = spawnSync(
    process.execPath,
    [join(root, 'core', 'bin.mjs'), 'eval', '-c', join(dir, 'ladder.config.json'), '--model', join(out, 'stages', '4-reasoning', 'final'), '--benchmark', 'held-out', '--limit', '4', '--json'],
    { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: 'true' } },
  );
  t.is(evaluated.status, 0, evaluated.stderr.slice(-3000));
  const { model, reports } = JSON.parse(evaluated.stdout);
  t.is(model, 'final');
  t.deepEqual(reports.map((r: { benchmark: string; byModality: { count: number }[] }) => [r.benchmark, r.byModality.reduce((n, s) => n + s.count, 0)]), [['held-out', 4]], 'the 4 rows asked, localization included');

  // a control from the command line: its own folder beside the sighted one; one control per command
  const evalArgs = ['eval', '-c', join(dir, 'ladder.config.json'), '--model', join(out, 'stages', '4-reasoning', 'final'), '--benchmark', 'held-out', '--limit', '4'];
  const cli = (...extra: string[]) => spawnSync(process.execPath, [join(root, 'core', 'bin.mjs'), ...evalArgs, ...extra], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  const swapped = cli('--swapped', '--json');
  t.is(swapped.status, 0, swapped.stderr.slice(-3000));
  const [report] = JSON.parse(swapped.stdout).reports;
  t.true(report.dir.endsWith('held-out-swapped'));
  t.is(report.settings.swapped, true);
  const both = cli('--swapped', '--blind');
  t.is(both.status, 2);
  t.regex(both.stderr, /--blind and --swapped are two controls/);
});

test("the preset's trl variant: the paper's per-stage settings on the hf model, every stage on the trl engine, options valid", async (t) => {
  const ladder = await createLadder({ presets: [['spatial-ladder', { engine: 'trl', hfModel: '/models/qwen' }]] });
  const { config } = ladder;
  t.is(config.engine, 'trl');
  t.deepEqual(config.model, { id: 'hf', options: { path: '/models/qwen' } });
  const curriculum = resolveCurriculum(ladder);
  t.deepEqual(curriculum.map((e) => stageFor(ladder, e).kind), ['sft', 'sft', 'cold-start', 'grpo']);
  t.deepEqual(preflight(ladder, curriculum), []);
  t.notThrows(() => checkOptions(ladder, curriculum));
  t.like(curriculum[0]!.options, { lr: 1e-5, batchSize: 1, gradAccum: 8, epochs: 1, warmupRatio: 0.1 });
  t.like(curriculum[3]!.options, { generations: 8, batchSize: 2, gradAccum: 4, beta: 0.01 });
  // the embedded default is unchanged
  const embedded = await createLadder({ presets: ['spatial-ladder'] });
  t.is(embedded.config.engine, 'embedded');
  t.is(embedded.config.model.id, 'tiny-vlm');
});

test('the default dataset is one for every training seed: 150 procedural scenes, held-out and validation scenes', async (t) => {
  const plans = await Promise.all(
    [1, 42].map(async (seed) => {
      const ladder = await createLadder({ presets: ['spatial-ladder'], seed });
      return datasetPlan(ladder, ladder.config.data, ladder.config.seed, '/tmp/cache');
    }),
  );
  t.is(plans[0]!.hash, plans[1]!.hash, 'the training seed does not change the dataset');
  t.is(plans[0]!.settings.seed, 42);
  t.deepEqual(plans[0]!.settings.split, { heldOut: 0.1, validation: 0.1 });
  t.is(plans[0]!.inputs.source.version, `${GENERATOR_VERSION}, reader ${READER_VERSION}`, 'scenes of another generator or reader version are another dataset');
  const ladder = await createLadder({ presets: ['spatial-ladder'] });
  t.like(ladder.plugins.find((p) => p.name === 'source-procedural')?.options, { scenes: 150 });
  // a user's procedural options replace the preset's scene count
  const small = await createLadder({ presets: [['spatial-ladder', { procedural: { scenes: 5 } }]] });
  t.like(small.plugins.find((p) => p.name === 'source-procedural')?.options, { scenes: 5 });
  // the pretrained base is tiny-vlm's plugin option: another model's options stay the user's own
  t.like(ladder.plugins.find((p) => p.name === 'model-tiny-vlm')?.options, { base: 'pretrained' });
  const hf = await createLadder({ presets: ['spatial-ladder'], model: { id: 'hf', options: { path: '/models/qwen' } } });
  t.deepEqual(hf.config.model, { id: 'hf', options: { path: '/models/qwen' } });
});

test('every tuning config in presets/spatial-ladder/tuning/ is a valid ladder that scores the validation split only, never held-out', async (t) => {
  const files = readdirSync(tuning).filter((f) => f.endsWith('.json'));
  t.true(files.length >= 10, files.join(', '));
  for (const file of files) {
    const { configs } = await loadConfig({ configPath: join(tuning, file) });
    const ladder = await createLadder(configs[0]!, { where: file, baseDir: tuning });
    const curriculum = resolveCurriculum(ladder);
    t.deepEqual(preflight(ladder, curriculum), [], file);
    t.notThrows(() => checkOptions(ladder, curriculum), file);
    t.deepEqual(ladder.config.evaluate.benchmarks, ['validation'], `${file} tunes on validation`);
    t.is(ladder.config.data.seed, 42, `${file} uses the default dataset's seed`);
  }
});

test('every experiment patch in presets/spatial-ladder/tuning/ still applies to the tree (its README commands start with git apply)', (t) => {
  const patches = readdirSync(tuning).filter((f) => f.endsWith('.patch'));
  t.true(patches.length >= 2, patches.join(', '));
  for (const file of patches) {
    const check = spawnSync('git', ['apply', '--check', join(tuning, file)], { cwd: root, encoding: 'utf8' });
    t.is(check.status, 0, `${file}: ${check.stderr}`);
  }
});

test("tuning/placement.ts reads every category's third back from a positions caption as task-caption writes it", (t) => {
  const categories = ['bed', 'armchair', 'kitchen cabinet', 'lamp'];
  const where = ['on the left', 'in the middle', 'on the right', 'on the right'];
  t.deepEqual([...placements(captionText(categories, where))], categories.map((c, i) => [c, where[i]]));
  t.deepEqual([...placements('a bed on the left.')], [['bed', 'on the left']]);
  t.deepEqual([...placements('a bed, a lamp and a window.')], [], 'a caption without positions places nothing');
});

test("tuning/reward-names-asked.ts: the share of the question's objects the reasoning names, times the share of its names that are asked", (t) => {
  const asked = { grounding: [{ phrase: 'chair', regions: [] }, { phrase: 'bed', regions: [] }] } as unknown as Parameters<typeof namesAsked>[1];
  const think = (reasoning: string) => `<think>Hmm, let me think. ${reasoning}</think><answer>1.5</answer>`;
  t.is(namesAsked(think('I see the chair. I see the bed.'), asked), 1);
  t.is(namesAsked(think('I see the chair.'), asked), 0.5);
  t.is(namesAsked(think('I see the chair. I see the window.'), asked), 0.25);
  t.is(namesAsked(think('I see the window.'), asked), 0);
  t.is(namesAsked(think('The distance is 1.5.'), asked), 0, 'naming nothing earns nothing');
  t.is(namesAsked('<think>Hmm.</think><answer>I see the chair.</answer>', asked), 0, 'names in the answer are not the reasoning');
  t.is(namesAsked(think('I see the chair.'), { grounding: [] } as unknown as Parameters<typeof namesAsked>[1]), 0, 'a question that names no object');
});

test('tuning/box-place.ts: box centres correlated with the truth per axis, over the asked labels the answer names', (t) => {
  const boxes = [[10, 200, 60, 250], [100, 40, 140, 90], [250, 120, 300, 200], [160, 10, 200, 30]];
  const answer = (list: { box: number[]; label: string }[]) => JSON.stringify(list.map(({ box, label }) => ({ bbox_2d: box, label })));
  const rows = boxes.map((box, i) => ({ id: `r${i}`, task: 'localization', answer: answer([{ box, label: 'chair' }]) }) as Sample);
  const same = new Map(rows.map((r) => [r.id, r.answer]));
  t.deepEqual(boxPlacement(rows, same), { matched: 4, x: 1, y: 1 });
  // mirrored left to right: x runs against the truth, y still with it
  const mirrored = new Map(boxes.map(([x1, y1, x2, y2], i) => [`r${i}`, answer([{ box: [336 - x2!, y1!, 336 - x1!, y2!], label: 'chair' }])]));
  const flipped = boxPlacement(rows, mirrored);
  t.is(flipped.x.toFixed(6), '-1.000000');
  t.is(flipped.y, 1);
  // a wrong label, invalid JSON and an unanswered row pair nothing
  const partial = new Map([['r0', answer([{ box: boxes[0]!, label: 'door' }])], ['r1', 'not json'], ['r2', rows[2]!.answer]]);
  t.is(boxPlacement(rows, partial).matched, 1);
});
