/**
 * The TRL engine end to end on CPU, on a tiny Qwen2.5-VL made by `ladder hf
 * tiny-model` from a small procedural dataset: the whole ladder (perception
 * -> understanding -> cold start -> GRPO) with evaluations through the hf
 * policy, a SIGKILL mid-stage resumed with --resume, and two gloo processes
 * against one at the same global batch. Real processes throughout: the CLI,
 * accelerate, TRL, the reward server on 127.0.0.1.
 */
import test from 'ava';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJsonLines, SPATIAL_TASKS, type MetricEvent } from '../../../core/index.ts';
import { engineConfig, ladder, ladderAsync, makeTinyModel, requirePython } from '../../helpers/engine-trl.ts';
import { QUESTION_TYPES } from '../../../lib/scoring/index.ts';
import { benchRows, SPBENCH_MV_TYPES, writeBenchParquet, writeSpbench, writeVideo } from '../../lib/scoring/benchmark-files.ts';

const steps = (dir: string, name: string, stage?: string) =>
  readJsonLines<MetricEvent>(join(dir, 'runs', name, 'metrics.jsonl')).filter((m) => m.event === 'step' && typeof m.loss === 'number' && (!stage || m.stage === stage));

const dir = mkdtempSync(join(tmpdir(), 'ladder-trl-'));
test.before((t) => makeTinyModel(t, dir));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

test.serial('hf tiny-model: a Qwen2.5-VL saved with save_pretrained that from_pretrained loads back, special tokens at ids 0-21', (t) => {
  const python = requirePython(t);
  const model = join(dir, 'model');
  for (const file of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'chat_template.jinja', 'preprocessor_config.json']) t.true(existsSync(join(model, file)), file);
  const check = spawnSync(
    python,
    [
      '-c',
      `import json, sys; sys.path.insert(0, ${JSON.stringify(join(dir, '..'))})
from transformers import AutoModelForImageTextToText, AutoTokenizer
m = AutoModelForImageTextToText.from_pretrained(${JSON.stringify(model)})
tok = AutoTokenizer.from_pretrained(${JSON.stringify(model)})
print(json.dumps({"type": m.config.model_type, "params": sum(p.numel() for p in m.parameters()), "image": m.config.image_token_id, "im_end": tok.convert_tokens_to_ids("<|im_end|>"), "eos": tok.eos_token}))`,
    ],
    { encoding: 'utf8' },
  );
  t.is(check.status, 0, check.stderr);
  const info = JSON.parse(check.stdout.trim().split('\n').at(-1)!) as { type: string; params: number; image: number; im_end: number; eos: string };
  t.is(info.type, 'qwen2_5_vl');
  t.is(info.image, 12, '<|image_pad|> at its fixed id');
  t.is(info.im_end, 2);
  t.is(info.eos, '<|im_end|>');
  t.true(info.params > 100_000 && info.params < 5_000_000, `${info.params} parameters`);
});

test.serial("ladder data export --format trl: Hugging Face datasets loads every config by the card, and the card's snippet opens the images", (t) => {
  const python = requirePython(t);
  const out = join(dir, 'export-trl');
  const run = ladder(dir, ['data', 'export', '-c', join(dir, 'tiny.config.json'), '--format', 'trl', '--out', out, '--json']);
  t.is(run.status, 0, run.stderr.slice(-3000));
  const { rows } = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { rows: Record<string, Record<string, number>> };
  const load = spawnSync(
    python,
    [
      '-c',
      `import json, sys
from datasets import load_dataset, Image, List
root = sys.argv[1]
out = {}
for config in ["perception", "understanding", "reasoning"]:
    ds = load_dataset(root, config)
    ds = ds.map(lambda r: {"images": [f"{root}/{p}" for p in r["images"]]}).cast_column("images", List(Image()))
    first = ds["train"][0]
    out[config] = {"splits": {k: v.num_rows for k, v in ds.items()}, "columns": ds["train"].column_names, "image": list(first["images"][0].size), "roles": [m["role"] for m in first["prompt"]]}
print(json.dumps(out))`,
      out,
    ],
    { encoding: 'utf8' },
  );
  t.is(load.status, 0, load.stderr.slice(-3000));
  const loaded = JSON.parse(load.stdout.trim().split('\n').at(-1)!) as Record<string, { splits: Record<string, number>; columns: string[]; image: number[]; roles: string[] }>;
  for (const [config, splits] of Object.entries(rows)) {
    t.deepEqual(loaded[config]!.splits, splits, config);
    t.deepEqual(loaded[config]!.roles, ['system', 'user']);
    t.true(loaded[config]!.image[0]! % 28 === 0 && loaded[config]!.image[1]! % 28 === 0, `${config}: the resized images (sides multiples of 28)`);
  }
  t.true(loaded.understanding!.columns.includes('completion'));
  t.true(loaded.reasoning!.columns.includes('solution') && !loaded.reasoning!.columns.includes('completion'));
});

test.serial('ladder eval --model hf:<dir> on held-out, vsi-bench and spbench-mv through the Python worker; a second run resumes every row', async (t) => {
  requirePython(t);
  await writeSpbench(join(dir, 'SPBench-MV'), benchRows(4, SPBENCH_MV_TYPES, QUESTION_TYPES), 3);
  const vsi = join(dir, 'VSI-Bench');
  const rows = benchRows(3, ['object_counting', 'object_rel_distance', 'room_size_estimation'], QUESTION_TYPES, ['scene0011_00']);
  writeBenchParquet(join(vsi, 'test.parquet'), rows.map((r) => ({ ...r, dataset: 'scannet' })));
  writeVideo(join(vsi, 'scannet', 'scene0011_00.mp4'), { frames: 30 });
  const config = engineConfig(
    dir,
    {
      name: 'eval',
      plugins: [
        ['benchmark-held-out', { maxTokens: 6 }],
        ['benchmark-vsi', { root: vsi, frames: 4, maxTokens: 6 }],
        ['benchmark-spbench', { mv: join(dir, 'SPBench-MV'), maxTokens: 6 }],
      ],
    },
    'eval.json',
  );
  const args = ['eval', '-c', config, '--model', `hf:${join(dir, 'model')}`, '--benchmark', 'held-out,vsi-bench,spbench-mv', '--limit', '4', '--out', join(dir, 'eval')];
  const first = ladder(dir, args);
  t.is(first.status, 0, first.stderr.slice(-3000));
  t.regex(first.stderr, /hf policy: .*model on cpu/);
  for (const [benchmark, count] of [['held-out', 4], ['vsi-bench', 3], ['spbench-mv', 4]] as const) {
    const predictions = readJsonLines<{ prediction?: string; error?: string }>(join(dir, 'eval', benchmark, 'predictions.jsonl'));
    t.is(predictions.length, count, benchmark);
    t.true(predictions.every((p) => typeof p.prediction === 'string' && !p.error), `${benchmark}: every row answered`);
  }
  const second = ladder(dir, args);
  t.is(second.status, 0, second.stderr.slice(-3000));
  t.notRegex(second.stderr, /hf policy: .* on cpu/, 'nothing left to ask: the worker never started');
  t.is(readJsonLines(join(dir, 'eval', 'held-out', 'predictions.jsonl')).length, 4);
});

test.serial('ladder analyze semantic-entropy --model hf:<dir>: n answers at temperature 0.9 from the Python worker, entropy by the formula', (t) => {
  requirePython(t);
  const config = engineConfig(dir, { name: 'analyze' }, 'analyze.json');
  const out = join(dir, 'semantic-entropy');
  const run = ladder(dir, ['analyze', 'semantic-entropy', '-c', config, '--model', `hf:${join(dir, 'model')}`, '--questions', '3', '--samples', '3', '--max-tokens', '6', '--out', out]);
  t.is(run.status, 0, run.stderr.slice(-3000));
  const { result } = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as { result: { temperature: number; points: { label: string; perQuestion: { rewards: number[]; entropy: number }[] }[] } };
  t.is(result.temperature, 0.9);
  const [point] = result.points;
  t.is(point!.label, 'hf-model');
  t.is(point!.perQuestion.length, 3);
  for (const q of point!.perQuestion) {
    t.is(q.rewards.length, 3);
    const counts = [...new Set(q.rewards)].map((r) => q.rewards.filter((x) => x === r).length / 3);
    t.true(Math.abs(q.entropy + counts.reduce((s, p) => s + p * Math.log(p), 0)) < 1e-12);
  }
});

test.serial('the whole ladder through TRL: four stages, metrics with the embedded keys, each final checkpoint starts the next, evaluations through the hf policy', (t) => {
  requirePython(t);
  const few = { maxSteps: 2, batchSize: 2, gradAccum: 1, lr: 1e-3, checkpointEvery: 0 };
  const config = engineConfig(dir, {
    name: 'ladder',
    curriculum: [
      { name: 'perception', kind: 'sft', data: { tasks: ['localization'], limit: 3 }, options: { ...few, mirror: true } },
      { name: 'understanding', kind: 'sft', data: { tasks: [...SPATIAL_TASKS], limit: 8 }, options: few },
      { name: 'cold-start', kind: 'cold-start', data: { tasks: [...SPATIAL_TASKS], limit: 8 }, options: { ...few, generations: 2 }, evaluate: false },
      { name: 'reasoning', kind: 'grpo', data: { tasks: [...SPATIAL_TASKS], limit: 8 }, options: { ...few, generations: 2, maxTokens: 12, lr: 1e-4 } },
    ],
    evaluate: { benchmarks: ['held-out'], at: ['reasoning'], limit: 4 },
  });
  const run = ladder(dir, ['run', '-c', config]);
  t.is(run.status, 0, run.stderr.slice(-4000));
  t.regex(run.stdout, /\| reasoning +\| +\d+\.\d \|/);

  const out = join(dir, 'runs', 'ladder');
  const state = JSON.parse(readFileSync(join(out, 'state.json'), 'utf8')) as { stages: { name: string; result: { checkpoint: string } }[] };
  t.deepEqual(state.stages.map((s) => s.name), ['perception', 'understanding', 'cold-start', 'reasoning']);
  const metrics = readJsonLines<MetricEvent>(join(out, 'metrics.jsonl'));
  t.deepEqual(metrics.filter((m) => m.event === 'stage-start').map((m) => m.engine), ['trl', 'trl', 'trl', 'trl']);
  for (const stage of ['perception', 'understanding', 'cold-start', 'reasoning']) {
    const lines = steps(dir, 'ladder', stage);
    t.deepEqual(lines.map((m) => m.step), [1, 2], `${stage}: one line per step`);
    for (const key of ['loss', 'lr', 'grad_norm', 'tokens_per_s', 'backend']) t.true(key in lines[1]!, `${stage} logs ${key}`);
  }
  // perception trained on its 3 localization samples and their mirrored twins, whose images it wrote
  const perceptionRows = readJsonLines<{ images: string[] }>(join(out, 'stages', '1-perception', 'trl', 'train.jsonl'));
  t.is(perceptionRows.length, 6);
  const mirrored = perceptionRows.filter((r) => r.images[0]!.startsWith(join(out, 'stages', '1-perception', 'mirrored')));
  t.is(mirrored.length, 3);
  t.true(mirrored.every((r) => existsSync(r.images[0]!)));
  const grpo = steps(dir, 'ladder', 'reasoning');
  for (const key of ['reward_mean', 'reward_std', 'reward_format', 'reward_accuracy', 'kl', 'completion_length']) t.true(key in grpo[0]!, `GRPO logs ${key}`);
  t.true(grpo.every((m) => Number(m.completion_length) <= 12));

  // each stage's final checkpoint is a Hugging Face model folder, and the next stage trained from it
  for (const [i, s] of state.stages.entries()) {
    t.true(existsSync(join(s.result.checkpoint, 'model.safetensors')), `${s.name} final`);
    const job = JSON.parse(readFileSync(join(out, 'stages', `${i + 1}-${s.name}`, 'trl', 'job.json'), 'utf8')) as { model: string };
    t.is(job.model, i === 0 ? join(dir, 'model') : state.stages[i - 1]!.result.checkpoint);
    t.deepEqual(readdirSync(join(out, 'stages', `${i + 1}-${s.name}`, 'trl')).filter((n) => n.startsWith('checkpoint-')), [], 'step checkpoints removed once final is written');
  }
  // GRPO's KL reference is the model the stage started from (named, not taken from the policy, so a resumed policy
  // cannot move it), and its KL term is the paper's beta x k3, without TRL's importance-ratio weighting
  t.regex(run.stderr, new RegExp(`reasoning: KL reference ${state.stages[2]!.result.checkpoint.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(float32, frozen\\)`));
  const reasoning = JSON.parse(readFileSync(join(out, 'stages', '4-reasoning', 'trl', 'job.json'), 'utf8')) as { options: Record<string, unknown> };
  t.like(reasoning.options, { loss_type: 'grpo', beta: 0.01, use_bias_correction_kl: false });
  const kept = readJsonLines(join(out, 'stages', '3-cold-start', 'cold-start.jsonl'));
  t.true(kept.length > 0, 'the cold start fine-tuned on kept teacher completions');
  t.true(existsSync(join(out, 'eval', 'reasoning', 'held-out', 'predictions.jsonl')));
});

/** One SFT stage of 6 steps on 24 samples at a global batch of 2, shared by `processes` processes. */
const sixSteps = (name: string, processes = 1) => ({
  name,
  curriculum: [
    {
      name: 'understanding',
      kind: 'sft',
      data: { tasks: ['object-counting', 'object-size'], limit: 24 },
      options: { maxSteps: 6, batchSize: 2 / processes, gradAccum: 1, lr: 1e-3, checkpointEvery: 2, accelerate: { numProcesses: processes } },
    },
  ],
});

/** The uninterrupted one-process run both tests below compare with (made once). */
let whole: SpawnSyncReturns<string> | undefined;
const wholeRun = () => (whole ??= ladder(dir, ['train', '-c', engineConfig(dir, sixSteps('whole'), 'whole.json')]));

test.serial('SIGINT is forwarded to the runner; SIGKILL mid-stage, then --resume: TRL continues from its newest checkpoint and the curve equals an uninterrupted run', async (t) => {
  requirePython(t);
  const reference = wholeRun();
  t.is(reference.status, 0, reference.stderr.slice(-3000));

  const config = engineConfig(dir, sixSteps('killed'), 'killed.json');
  const job = join(dir, 'runs', 'killed', 'stages', '1-understanding', 'trl', 'job.json');
  const runnerAlive = () => spawnSync('pgrep', ['-f', job]).status === 0;
  const until = async (done: () => boolean, what: string) => {
    const started = Date.now();
    while (!done()) {
      if (Date.now() - started > 300_000) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const reached = (step: number) => () => existsSync(join(dir, 'runs', 'killed', 'metrics.jsonl')) && steps(dir, 'killed').some((m) => m.step === step);

  // SIGINT (Ctrl-C) reaches accelerate's whole process group; the run stops, resumable
  const interrupted = ladderAsync(dir, ['train', '-c', config], 'pipe');
  let stderr = '';
  interrupted.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => interrupted.on('close', resolve));
  await until(reached(1), 'step 1');
  interrupted.kill('SIGINT');
  t.is(await exited, 1);
  t.regex(stderr, /interrupted by SIGINT/);
  t.false(runnerAlive(), 'no runner process outlives the interrupted run');

  // SIGKILL leaves no chance to forward anything: the runner notices its framework process is gone and stops
  const killed = ladderAsync(dir, ['train', '-c', config, '--resume']);
  await until(reached(3), 'step 3');
  killed.kill('SIGKILL');
  await until(() => !runnerAlive(), 'the runner to stop after the kill');

  // the kill lands at step 3 or, on a busy machine, a step or two later: the resume starts from the newest complete
  // checkpoint it left (trainer_state.json, written last, reads back; a checkpoint cut short by the kill is not one)
  const trl = join(dir, 'runs', 'killed', 'stages', '1-understanding', 'trl');
  const complete = (f: string) => {
    try {
      return !!JSON.parse(readFileSync(join(trl, f, 'trainer_state.json'), 'utf8'));
    } catch {
      return false;
    }
  };
  const newest = Math.max(...readdirSync(trl).filter(complete).map((f) => /^checkpoint-(\d+)$/.exec(f)?.[1]).filter(Boolean).map(Number));
  t.true(newest >= 2 && newest < 6, `killed mid-stage (newest checkpoint ${newest})`);
  // the kill may land after the runner logged the checkpoint's step but before the framework read it:
  // make that so (drop the step from metrics.jsonl); the resume replays it from the checkpoint's log history
  const metricsFile = join(dir, 'runs', 'killed', 'metrics.jsonl');
  const lines = readFileSync(metricsFile, 'utf8').split('\n').filter(Boolean);
  const stepOf = (line: string) => {
    const event = JSON.parse(line) as MetricEvent;
    return event.event === 'step' ? Number(event.step) : -1;
  };
  const cut = lines.findIndex((l) => stepOf(l) >= newest);
  const kept = cut < 0 ? lines : lines.slice(0, cut);
  writeFileSync(metricsFile, kept.map((l) => `${l}\n`).join(''));
  const resumed = ladder(dir, ['train', '-c', config, '--resume']);
  t.is(resumed.status, 0, resumed.stderr.slice(-3000));
  t.regex(resumed.stderr, new RegExp(`resuming from .*checkpoint-${newest}\\b`));
  const curve = (name: string) => new Map(steps(dir, name).map((m) => [m.step, m.loss as number]));
  const a = curve('whole');
  const b = curve('killed');
  t.deepEqual([...b.keys()].sort(), [1, 2, 3, 4, 5, 6]);
  const after = readFileSync(metricsFile, 'utf8').split('\n');
  t.deepEqual(after.slice(0, kept.length), kept, 'the steps recorded before the kill are kept as they were, not replayed over');
  for (const [step, loss] of a) t.true(Math.abs(loss - b.get(step)!) < 1e-5, `step ${step}: ${loss} vs ${b.get(step)}`);
  const weights = (name: string) => readFileSync(join(dir, 'runs', name, 'stages', '1-understanding', 'final', 'model.safetensors'));
  t.true(weights('whole').equals(weights('killed')), 'the same final weights');
});

test.serial('2 processes (gloo, accelerate) follow the loss curve of 1 process at the same global batch', (t) => {
  requirePython(t);
  const reference = wholeRun();
  t.is(reference.status, 0, reference.stderr.slice(-3000));
  const two = ladder(dir, ['train', '-c', engineConfig(dir, sixSteps('two-processes', 2), 'two-processes.json')]);
  t.is(two.status, 0, two.stderr.slice(-3000));
  const loss = (name: string) => steps(dir, name).map((m) => m.loss as number);
  const one = loss('whole');
  const both = loss('two-processes');
  t.is(both.length, 6);
  const diffs = one.map((l, i) => Math.abs(l - both[i]!) / l);
  t.log(`loss 1 process: ${one.map((l) => l.toFixed(5)).join(' ')}; 2 processes: ${both.map((l) => l.toFixed(5)).join(' ')}`);
  t.true(Math.max(...diffs) < 1e-4, `relative differences ${diffs.map((d) => d.toExponential(1)).join(', ')} (tolerance 1e-4)`);
});
