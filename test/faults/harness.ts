/**
 * The fault suite's shrunk run and its checks: the spatial-ladder preset on 5
 * small procedural rooms with a one-layer model and a few steps per stage
 * (checkpoints every 2 steps), run through the real CLI; kill-switch.ts
 * SIGKILLs it at exact points. A killed-and-resumed run must end exactly as an
 * uninterrupted one: the same final weights of every stage, the same
 * metrics.jsonl line for line (timings aside), the same predictions.
 */
import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readJsonLines, SPATIAL_TASKS } from '../../core/index.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'core/bin.mjs');
export const RUN = 'fault';

const TINY = { dim: 32, layers: 1, heads: 2, ffn: 64, visionDim: 16, imageWidth: 28, imageHeight: 28, maxLength: 512 };
/** Every runtime option away from its default: a resume that applied defaults would train with other kernels and workers. */
export const NON_DEFAULT = { ...TINY, backend: 'js', workers: 1, batchTokens: 700, decodeRows: 5, maxImages: 6 };
export const DEFAULT = TINY;

/** Write the run's config into `dir` (runs and cache inside it); returns its path. */
export function writeConfig(dir: string, model: object, workers = 1): string {
  const steps = { epochs: 1, checkpointEvery: 2 };
  const config = {
    presets: [['spatial-ladder', { procedural: { scenes: 5, frames: 12, width: 160, height: 120, depthWidth: 80, depthHeight: 60 } }]],
    plugins: [join(ROOT, 'test/faults/kill-switch.ts')],
    name: RUN,
    runsDir: join(dir, 'runs'),
    cacheDir: join(dir, 'cache'),
    // four training rooms and one held out, no validation room (the preset's 15% rounds to one of five)
    data: { candidates: 8, workers, split: { heldOut: 0.2, validation: 0 } },
    model: { id: 'tiny-vlm', options: model },
    curriculum: [
      { name: 'perception', kind: 'sft', data: { tasks: ['localization'] }, options: { ...steps, batchSize: 1, maxSteps: 4 } },
      { name: 'understanding', kind: 'sft', data: { tasks: [...SPATIAL_TASKS] }, options: { ...steps, batchSize: 4, maxSteps: 3 } },
      { name: 'cold-start', kind: 'cold-start', data: { tasks: [...SPATIAL_TASKS], limit: 16 }, options: { ...steps, batchSize: 2, maxSteps: 3, generations: 2, teacherBatch: 4 }, evaluate: false },
      { name: 'reasoning', kind: 'grpo', data: { tasks: [...SPATIAL_TASKS] }, options: { ...steps, maxSteps: 4, generations: 2, batchSize: 2, gradAccum: 1, maxTokens: 12 } },
    ],
    evaluate: { benchmarks: ['held-out'], at: ['base', 'understanding', 'reasoning'], limit: 12, batchSize: 4 },
  };
  const file = join(dir, 'ladder.config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

export interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Run the CLI to its end (no timing: kills come from the kill switch). */
export function ladder(args: string[], env: Record<string, string> = {}): Promise<Outcome> & { pid?: number } {
  let pid: number | undefined;
  const done = new Promise<Outcome>((finish, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, CI: 'true', ...env } });
    pid = child.pid;
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', fail);
    child.on('close', (code, signal) => finish({ code, signal, output }));
  });
  return Object.assign(done, { pid });
}

export const runDir = (dir: string) => join(dir, 'runs', RUN);

/**
 * Declare the file's uninterrupted run of the config (before its tests; removed
 * after them): the reference every scenario of the file is compared with.
 */
export function referenceRun(model: object, workers = 1, expect?: RegExp): { dir: string } {
  const reference = { dir: mkdtempSync(join(tmpdir(), 'ladder-fault-ref-')) };
  test.before(async () => {
    const straight = await ladder(['run', '-c', writeConfig(reference.dir, model, workers)]);
    if (straight.code !== 0) throw new Error(`the uninterrupted run failed:\n${straight.output.slice(-3000)}`);
    if (expect && !expect.test(straight.output)) throw new Error(`the uninterrupted run's output does not match ${expect}`);
  });
  test.after.always(() => rmSync(reference.dir, { recursive: true, force: true }));
  return reference;
}

/** Copy a built dataset cache, so a scenario that does not kill the build skips it. */
export const copyCache = (from: string, to: string) => cpSync(join(from, 'cache'), join(to, 'cache'), { recursive: true });

/** Metric lines without what is timing (time, throughput, seconds). */
function metricValues(dir: string): Record<string, unknown>[] {
  return readJsonLines<Record<string, unknown>>(join(runDir(dir), 'metrics.jsonl')).map((line) =>
    Object.fromEntries(Object.entries(line).filter(([key]) => key !== 'time' && !key.endsWith('_s'))),
  );
}

function finals(dir: string): Map<string, Buffer> {
  const stages = join(runDir(dir), 'stages');
  return new Map(readdirSync(stages).sort().map((s) => [s, readFileSync(join(stages, s, 'final', 'model.safetensors'))]));
}

function predictions(dir: string): Map<string, string> {
  const evalDir = join(runDir(dir), 'eval');
  const out = new Map<string, string>();
  for (const point of readdirSync(evalDir).sort())
    for (const benchmark of readdirSync(join(evalDir, point)).sort())
      out.set(`${point}/${benchmark}`, readFileSync(join(evalDir, point, benchmark, 'predictions.jsonl'), 'utf8'));
  return out;
}

const scores = (dir: string) => {
  const state = JSON.parse(readFileSync(join(runDir(dir), 'state.json'), 'utf8'));
  return {
    status: state.status,
    stages: state.stages.map((s: { name: string; result: { metrics: unknown } }) => [s.name, s.result.metrics]),
    evaluations: Object.fromEntries(
      Object.entries(state.evaluations as Record<string, Record<string, { nq: number; mcq: number; avg: number; scores: unknown }>>).map(([point, byBenchmark]) => [
        point,
        Object.fromEntries(Object.entries(byBenchmark).map(([b, r]) => [b, { nq: r.nq, mcq: r.mcq, avg: r.avg, scores: r.scores }])),
      ]),
    ),
  };
};

/** The killed-and-resumed run in `dir` ended exactly as the uninterrupted one in `reference`. */
export function assertSameRun(t: ExecutionContext, dir: string, reference: string): void {
  t.deepEqual(scores(dir), scores(reference), 'state.json: stage results and benchmark scores');
  const lines = metricValues(dir);
  const expected = metricValues(reference);
  t.is(lines.length, expected.length, 'metrics.jsonl: one line per event');
  t.deepEqual(lines, expected, 'metrics.jsonl: the same events with the same values, in order');
  const weights = finals(dir);
  const expectedWeights = finals(reference);
  t.deepEqual([...weights.keys()], [...expectedWeights.keys()]);
  for (const [stage, bytes] of expectedWeights) t.true(weights.get(stage)!.equals(bytes), `${stage}: final weights are byte-identical`);
  t.deepEqual(predictions(dir), predictions(reference), 'predictions.jsonl of every evaluation');
  t.false(existsSync(`${runDir(dir)}.lock`), 'the run lock was released');
}

/**
 * Kill the run once per spec (each attempt after the first resumes), then
 * resume it to the end and compare with the reference.
 */
export async function killAndResume(t: ExecutionContext, dir: string, config: string, kills: string[], reference: string): Promise<void> {
  for (const [i, spec] of kills.entries()) {
    const killed = await ladder(['run', '-c', config, ...(i ? ['--resume'] : [])], { LADDER_TEST_KILL: spec });
    t.is(killed.signal, 'SIGKILL', `kill point ${spec} was reached:\n${killed.output.slice(-3000)}`);
    if (killed.signal !== 'SIGKILL') return;
    if (existsSync(join(runDir(dir), 'state.json'))) t.true(existsSync(`${runDir(dir)}.lock`), 'a killed run leaves its lock behind (stale)');
  }
  const resumed = await ladder(['run', '-c', config, '--resume']);
  t.is(resumed.code, 0, resumed.output.slice(-3000));
  if (resumed.code === 0) assertSameRun(t, dir, reference);
}
