/**
 * The runner walks a ladder: dataset -> curriculum stages in order ->
 * benchmarks at each evaluation point, firing lifecycle hooks and writing the
 * run directory. With `resume`, finished stages and evaluations are skipped
 * and the policy is loaded from the last finished stage's checkpoint.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, messageOf } from './errors.ts';
import { evaluationPoints, selectSamples } from './curriculum.ts';
import { createRandom } from './random.ts';
import { datasetRequest } from './scenes.ts';
import { RunDirectory, type RunState } from './run-directory.ts';
import { checkpointTable, evaluationTable } from './report.ts';
import type { Ladder } from './ladder.ts';
import type { MetricEvent, RunInfo } from './hooks.ts';
import type { BenchmarkReport, Dataset, Policy, PolicyBackendContext, Reward, StageEntry } from './types.ts';

export interface RunOptions {
  resume?: boolean;
  force?: boolean;
  /** Train the curriculum (default true; `ladder eval` style runs pass false). */
  train?: boolean;
  /** Run benchmarks at the evaluation points (default true; `ladder train` passes false). */
  evaluate?: boolean;
  signal?: AbortSignal;
}

export interface RunSummary {
  name: string;
  dir: string;
  state: RunState;
  /** Evaluation points x benchmarks, markdown. */
  table: string;
}

/** Everything a run needs that no plugin provides, listed at once. */
export function preflight(ladder: Ladder, curriculum: StageEntry[], opts: RunOptions = {}): string[] {
  const { config } = ladder;
  const missing: string[] = [];
  const need = (registry: Parameters<Ladder['has']>[0], id: string, what: string) => {
    if (!ladder.has(registry, id)) {
      const known = ladder.ids(registry);
      missing.push(`${what} "${id}": no plugin registers it in \`${registry}\` (registered: ${known.join(', ') || 'none'})`);
    }
  };
  if (!ladder.hooks.dataset.taps.length)
    missing.push('the dataset: no plugin taps the `dataset` hook (add a dataset builder plugin, e.g. the spatial-ladder preset\'s)');
  if (!config.model.id) missing.push('a model: set `model` in the config (e.g. "tiny-vlm")');
  else need('models', config.model.id, 'model');
  if (opts.train !== false) {
    if (!curriculum.length) missing.push('a curriculum: `curriculum` is empty');
    for (const entry of curriculum) {
      need('stages', entry.kind, `stage kind (curriculum stage "${entry.name}")`);
      if (ladder.has('stages', entry.kind) && ladder.get('stages', entry.kind).usesRewards)
        for (const id of Object.keys(stageRewardWeights(ladder, entry))) need('rewards', id, `reward (stage "${entry.name}")`);
    }
  }
  if (opts.evaluate !== false) for (const id of config.evaluate.benchmarks) need('benchmarks', id, 'benchmark');
  return missing;
}

function stageRewardWeights(ladder: Ladder, entry: StageEntry): Record<string, number> {
  return (entry.options.rewards as Record<string, number> | undefined) ?? ladder.config.rewards;
}

/** The curriculum after the `curriculum` waterfall, checked. */
export function resolveCurriculum(ladder: Ladder): StageEntry[] {
  const curriculum = ladder.hooks.curriculum.call(structuredClone(ladder.config.curriculum));
  const names = new Set<string>();
  for (const entry of curriculum) {
    if (names.has(entry.name)) throw new ConfigError(`curriculum: stage name "${entry.name}" appears twice after the curriculum plugins ran`);
    names.add(entry.name);
  }
  return curriculum;
}

export async function buildDataset(ladder: Ladder): Promise<Dataset> {
  const dataset = await ladder.hooks.dataset.promise(datasetRequest(ladder));
  if (!dataset) throw new ConfigError('no plugin built the dataset: every tap of the `dataset` hook returned nothing');
  return dataset;
}

/** Load a saved policy from a checkpoint directory holding `policy.json` ({ backend }). */
export async function loadPolicy(ladder: Ladder, dir: string, ctx: PolicyBackendContext): Promise<Policy> {
  const file = join(dir, 'policy.json');
  if (!existsSync(file)) throw new ConfigError(`${dir}: not a checkpoint (no policy.json)`);
  const { backend: id } = JSON.parse(readFileSync(file, 'utf8')) as { backend: string };
  const backend = ladder.get('models', id);
  if (!backend.load) throw new ConfigError(`model backend "${id}" cannot load checkpoints`);
  return backend.load(dir, ctx);
}

export async function evaluateBenchmark(
  ladder: Ladder,
  policy: Policy,
  benchmarkId: string,
  dir: string,
  extra: { dataset?: Dataset; limit?: number; seed?: number; promptStyle?: string } = {},
): Promise<BenchmarkReport> {
  const { config } = ladder;
  return ladder.get('benchmarks', benchmarkId).evaluate(policy, {
    seed: extra.seed ?? config.seed,
    promptStyle: extra.promptStyle,
    dir,
    limit: extra.limit ?? config.evaluate.limit,
    batchSize: config.evaluate.batchSize,
    strict: config.evaluate.strict,
    dataset: extra.dataset,
    progress: ladder.progress.bind(ladder),
    log: (message) => ladder.log(message),
  });
}

export async function runCurriculum(ladder: Ladder, opts: RunOptions = {}): Promise<RunSummary> {
  const { config } = ladder;
  const curriculum = resolveCurriculum(ladder);
  const missing = preflight(ladder, curriculum, opts);
  if (missing.length)
    throw new ConfigError(
      `cannot run "${config.name}": ${missing.length} missing piece${missing.length > 1 ? 's' : ''}:\n${missing.map((m) => `  - ${m}`).join('\n')}`,
    );
  const points = opts.evaluate === false || !config.evaluate.benchmarks.length ? [] : evaluationPoints(config.evaluate.at, curriculum);

  const run = new RunDirectory(config.runsDir, config.name);
  const state = run.open(opts);
  state.status = 'running';
  const info: RunInfo = { name: config.name, dir: run.dir, seed: config.seed, curriculum };
  ladder.hooks.log.tap('run-directory', ({ level, message }) => run.log(`${level} ${message}`));
  run.writeJson('config.json', {
    where: ladder.where,
    config: { ...config, curriculum },
    presets: ladder.presets,
    plugins: ladder.plugins,
  });
  const emit = (event: Omit<MetricEvent, 'time'>) => {
    const line = { time: Date.now() / 1000, ...event } as MetricEvent;
    run.metric(line);
    ladder.hooks.step.call(line);
  };
  const log = (message: string) => ladder.log(message);

  try {
    log(`run ${config.name} -> ${run.dir} (seed ${config.seed}; curriculum: ${curriculum.map((e) => e.name).join(' -> ') || 'none'}${opts.resume ? '; resuming' : ''})`);
    await ladder.hooks.run.promise(info);
    const dataset = await buildDataset(ladder);
    log(`dataset: ${dataset.samples.length} samples (${dataset.dir})`);
    const backendCtx: PolicyBackendContext = { seed: config.seed, dataset, log };
    const last = state.stages.at(-1);
    if (last?.result.checkpoint) log(`policy: loading ${last.result.checkpoint} (after stage ${last.name})`);
    const policy = last?.result.checkpoint
      ? await loadPolicy(ladder, last.result.checkpoint, backendCtx)
      : await ladder.get('models', config.model.id).create(config.model.options, backendCtx);

    const evaluateAt = async (point: string) => {
      if (!points.includes(point)) return;
      for (const id of config.evaluate.benchmarks) {
        if (state.evaluations[point]?.[id]) continue;
        const promptStyle = state.stages.at(-1)?.result.promptStyle;
        const report = await evaluateBenchmark(ladder, policy, id, run.evalDir(point, id), { dataset, promptStyle });
        (state.evaluations[point] ??= {})[id] = report;
        run.saveState(state);
        emit({ event: 'evaluate', point, benchmark: id, nq: report.nq, mcq: report.mcq, avg: report.avg });
        await ladder.hooks.evaluate.promise(report, point, info);
      }
    };

    await evaluateAt('base');
    if (opts.train !== false) {
      for (const [index, entry] of curriculum.entries()) {
        if (state.stages.some((s) => s.name === entry.name)) {
          await evaluateAt(entry.name);
          continue;
        }
        await ladder.hooks.beforeStage.promise(entry, info);
        emit({ event: 'stage-start', stage: entry.name, kind: entry.kind });
        const stage = ladder.get('stages', entry.kind);
        const random = createRandom(config.seed, `stage:${entry.name}`);
        const dir = run.stageDir(index, entry.name);
        const samples = selectSamples(dataset.samples, entry.data, random);
        if (!samples.length)
          throw new ConfigError(`curriculum stage "${entry.name}" selects no training samples (data: ${JSON.stringify(entry.data)}) from the dataset in ${dataset.dir}`);
        const result = await stage.run({
          entry,
          policy,
          samples,
          dataset,
          rewards: stage.usesRewards ? resolveRewards(ladder, entry) : {},
          seed: config.seed,
          dir,
          resume: !!opts.resume && existsSync(dir),
          emit: (metrics) => emit({ event: 'step', stage: entry.name, ...metrics }),
          progress: ladder.progress.bind(ladder),
          log,
          signal: opts.signal,
        });
        state.stages.push({ name: entry.name, result });
        run.saveState(state);
        emit({ event: 'stage-end', stage: entry.name, ...result.metrics });
        await ladder.hooks.afterStage.promise(entry, result, info);
        await evaluateAt(entry.name);
      }
    }
    state.status = 'done';
    run.saveState(state);
    const detailed = config.evaluate.benchmarks.filter((b) => Object.values(state.evaluations).some((e) => e[b]?.byModality?.length));
    const table = [evaluationTable(state.evaluations), ...detailed.map((b) => checkpointTable(state.evaluations, b))].join('\n\n');
    run.writeText('report.md', `# ${config.name}\n\n${table}\n`);
    run.writeJson('report.json', state.evaluations);
    await ladder.hooks.done.promise(info);
    await policy.dispose?.();
    return { name: config.name, dir: run.dir, state, table };
  } catch (error) {
    state.status = 'failed';
    state.error = messageOf(error);
    run.saveState(state);
    await ladder.hooks.failed.promise(error as Error, info).catch(() => undefined);
    throw error;
  }
}

function resolveRewards(ladder: Ladder, entry: StageEntry): Record<string, { reward: Reward; weight: number }> {
  return Object.fromEntries(
    Object.entries(stageRewardWeights(ladder, entry)).map(([id, weight]) => [id, { reward: ladder.get('rewards', id), weight }]),
  );
}
