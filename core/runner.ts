/**
 * The runner walks a ladder: dataset -> curriculum stages in order ->
 * benchmarks at each evaluation point, firing lifecycle hooks and writing the
 * run directory. With `resume`, finished stages and evaluations are skipped
 * and the policy is loaded from the last finished stage's checkpoint.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { ConfigError, ControlUnavailable, LadderError, UsageError, messageOf } from './errors.ts';
import { applyVariant, evaluationPoints, parseStageOptions, selectSamples } from './curriculum.ts';
import { validate, type CurriculumVariant } from './config.ts';
import { createRandom } from './random.ts';
import { datasetRequest, datasetSeed } from './scenes.ts';
import { RunDirectory, type OpenMode, type RunState } from './run-directory.ts';
import { CHECKPOINT_CONTROLS, controlLabel, REFERENCES, runTables, type CheckpointControl, type Reference } from './report.ts';
import type { Ladder } from './ladder.ts';
import type { MetricEvent, RunInfo } from './hooks.ts';
import { policyIdentity } from './fingerprint.ts';
import { EMBEDDED_ENGINE, type BenchmarkContext, type BenchmarkReport, type Dataset, type Policy, type PolicyBackendContext, type PolicyIdentity, type Reward, type Stage, type StageEntry } from './types.ts';

export interface RunOptions extends OpenMode {
  /** Train the curriculum (default true; `ladder eval` style runs pass false). */
  train?: boolean;
  /** Run benchmarks at the evaluation points (default true; `ladder train` passes false). */
  evaluate?: boolean;
  /** The curriculum to train, when the caller has resolved it (`resolveCurriculum`); default: the config's, through the `curriculum` waterfall. */
  curriculum?: StageEntry[];
  /** Evaluation points instead of the config's `evaluate.at` (ablations: each variant after its last stage). */
  evaluateAt?: string[];
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
      const engine = engineOf(ladder, entry);
      if (engine === EMBEDDED_ENGINE) need('stages', entry.kind, `stage kind (curriculum stage "${entry.name}")`);
      else {
        need('engines', engine, `engine (curriculum stage "${entry.name}")`);
        if (ladder.has('engines', engine) && !ladder.get('engines', engine).stages[entry.kind])
          missing.push(`stage kind "${entry.kind}" on engine "${engine}" (curriculum stage "${entry.name}"): the engine runs ${Object.keys(ladder.get('engines', engine).stages).join(', ')}`);
      }
      const stage = missing.length ? undefined : stageFor(ladder, entry);
      if (stage?.usesRewards) for (const id of Object.keys(stageRewardWeights(ladder, entry))) need('rewards', id, `reward (stage "${entry.name}")`);
    }
  }
  if (opts.evaluate !== false) for (const id of config.evaluate.benchmarks) need('benchmarks', id, 'benchmark');
  return missing;
}

/** The engine a curriculum entry trains on: its own `engine`, else the config's. */
export const engineOf = (ladder: Ladder, entry: StageEntry): string => entry.engine ?? ladder.config.engine;

/** The stage that runs a curriculum entry: the `stages` registry (embedded engine) or the entry's engine. */
export function stageFor(ladder: Ladder, entry: StageEntry): Stage {
  const engine = engineOf(ladder, entry);
  if (engine === EMBEDDED_ENGINE) return ladder.get('stages', entry.kind);
  const stage = ladder.get('engines', engine).stages[entry.kind];
  if (!stage) throw new ConfigError(`curriculum stage "${entry.name}": engine "${engine}" does not run stage kind "${entry.kind}"`);
  return stage;
}

/** A stage's reward weights: the curriculum entry's own `rewards`, else the config's. */
export function stageRewardWeights(ladder: Ladder, entry: StageEntry): Record<string, number> {
  return entry.rewards ?? ladder.config.rewards;
}

/** The curriculum after the `curriculum` waterfall (and a variant, for ablations), checked. */
export function resolveCurriculum(ladder: Ladder, variant?: CurriculumVariant): StageEntry[] {
  const rewritten = ladder.hooks.curriculum.call(structuredClone(ladder.config.curriculum));
  const curriculum = variant ? applyVariant(rewritten, variant) : rewritten;
  const names = new Set<string>();
  for (const entry of curriculum) {
    if (names.has(entry.name))
      throw new ConfigError(`curriculum: stage name "${entry.name}" appears twice after the curriculum plugins${variant ? ' and the variant' : ''} ran`);
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

/** A policy as the command line names it (`--model`), parsed by `modelSpec`. */
export interface ModelSpec {
  /** The checkpoint directory, when it names one. */
  checkpoint?: string;
  /** The model backend id (unset for a checkpoint: its policy.json names it). */
  id?: string;
  /** `<id>:<path>`: the path, given to the backend as option `path`. */
  path?: string;
  /** How folders name it: the checkpoint folder's name, `<id>-<last part of path>`, or the id. */
  label: string;
}

/**
 * `--model`: a checkpoint directory, a model id, or `<id>:<path>` (that
 * backend with options `{ path }`, e.g. `hf:runs/x/stages/2-understanding/final`,
 * `hf:Qwen/Qwen2.5-VL-3B-Instruct`). An unknown backend and bad options of
 * the backend are errors at once, before any dataset is built.
 */
export function modelSpec(ladder: Ladder, spec: string): ModelSpec {
  if (existsSync(spec) && statSync(spec).isDirectory()) return { checkpoint: resolve(spec), label: basename(resolve(spec)) };
  const withPath = /^([\w-]+):(.+)$/.exec(spec);
  const parsed = withPath ? { id: withPath[1]!, path: withPath[2]!, label: `${withPath[1]}-${basename(withPath[2]!)}` } : { id: spec, label: spec };
  if (!ladder.has('models', parsed.id))
    throw new UsageError(`--model ${spec}: ${withPath ? `no model backend "${parsed.id}"` : 'neither a checkpoint directory nor a model backend'} (registered: ${ladder.ids('models').join(', ')})`);
  backendOptions(ladder, parsed);
  return parsed;
}

/** The options a spec's backend is created with (the config's model options when it names the config's model), validated. */
function backendOptions(ladder: Ladder, spec: ModelSpec): Record<string, unknown> {
  const { config } = ladder;
  const options = spec.id === config.model.id ? config.model.options : {};
  const schema = ladder.get('models', spec.id!).options;
  if (schema) validate(schema, options, ladder.where, ['model', 'options']);
  return spec.path ? { ...options, path: spec.path } : options;
}

/** Open the policy a `modelSpec` names. */
export async function openModel(ladder: Ladder, spec: ModelSpec, ctx: PolicyBackendContext): Promise<Policy> {
  if (spec.checkpoint) return loadPolicy(ladder, spec.checkpoint, ctx);
  return ladder.get('models', spec.id!).create(backendOptions(ladder, spec), ctx);
}

/** The prompt style a checkpoint records in policy.json (`promptStyle`: how it was trained to be asked), if any. */
export function checkpointPromptStyle(dir: string): string | undefined {
  try {
    const style = (JSON.parse(readFileSync(join(dir, 'policy.json'), 'utf8')) as { promptStyle?: unknown }).promptStyle;
    return typeof style === 'string' ? style : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Score `policy` on one benchmark into `dir`. `identity` (computed when
 * absent) is what the benchmark records beside its predictions and in the
 * report; `existing` says what to do with predictions `dir` holds under
 * another identity (BenchmarkContext.existing).
 */
export async function evaluateBenchmark(
  ladder: Ladder,
  policy: Policy,
  benchmarkId: string,
  dir: string,
  extra: {
    dataset?: Dataset;
    limit?: number;
    seed?: number;
    promptStyle?: string;
    identity?: PolicyIdentity;
    existing?: BenchmarkContext['existing'];
    blind?: boolean;
    swapped?: boolean;
    subsetSeed?: number;
  } = {},
): Promise<BenchmarkReport> {
  const { config } = ladder;
  const identity = extra.identity ?? (await policyIdentity(policy));
  const report = await ladder.get('benchmarks', benchmarkId).evaluate(policy, {
    seed: extra.seed ?? config.seed,
    promptStyle: extra.promptStyle,
    dir,
    limit: extra.limit ?? config.evaluate.limit,
    ...(extra.subsetSeed !== undefined && { subsetSeed: extra.subsetSeed }),
    batchSize: config.evaluate.batchSize,
    strict: config.evaluate.strict,
    identity,
    existing: extra.existing,
    ...(extra.blind && { blind: true }),
    ...(extra.swapped && { swapped: true }),
    dataset: extra.dataset,
    progress: ladder.progress.bind(ladder),
    log: (message) => ladder.log(message),
  });
  report.policy ??= identity;
  return report;
}

/** "held-out: 3 row(s) could not be scored (allowed: 0)", when a report has more unscored rows than `maxErrors`. */
export function tooManyErrors(report: BenchmarkReport, maxErrors: number): string | undefined {
  const failed = report.errors?.length ?? 0;
  return failed > maxErrors ? `${report.benchmark}: ${failed} row(s) could not be scored (allowed: ${maxErrors})` : undefined;
}

export async function runCurriculum(ladder: Ladder, opts: RunOptions = {}): Promise<RunSummary> {
  const { config } = ladder;
  const curriculum = opts.curriculum ?? resolveCurriculum(ladder);
  const missing = preflight(ladder, curriculum, opts);
  if (missing.length)
    throw new ConfigError(
      `cannot run "${config.name}": ${missing.length} missing piece${missing.length > 1 ? 's' : ''}:\n${missing.map((m) => `  - ${m}`).join('\n')}`,
    );
  checkOptions(ladder, curriculum, opts);
  const run = new RunDirectory(config.runsDir, config.name);
  const lock = await run.lock();
  try {
    return await walk(ladder, curriculum, run, opts);
  } finally {
    await lock.release();
  }
}

/** Validate the model's and every stage's options against their schemas, all at once, before any work. */
export function checkOptions(ladder: Ladder, curriculum: StageEntry[], opts: RunOptions = {}): void {
  const { config } = ladder;
  const problems: string[] = [];
  const attempt = (check: () => void) => {
    try {
      check();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error.message);
    }
  };
  const model = ladder.get('models', config.model.id).options;
  if (model) attempt(() => validate(model, config.model.options, ladder.where, ['model', 'options']));
  if (opts.train !== false)
    for (const entry of curriculum) {
      const schema = stageFor(ladder, entry).options;
      if (schema) attempt(() => parseStageOptions(schema, entry));
    }
  if (problems.length) throw new ConfigError(problems.join('\n'));
}

/**
 * What `ladder run` would refuse before any work, one message each: missing
 * pieces, then bad model and stage options and evaluation points (none: []).
 * `ladder inspect` prints them; `ladder run` and `train` check every entry of
 * a sweep with it before the first one trains.
 */
export function runProblems(ladder: Ladder, opts: Pick<RunOptions, 'evaluate'> = {}): string[] {
  try {
    const curriculum = resolveCurriculum(ladder);
    const missing = preflight(ladder, curriculum, opts);
    if (missing.length) return missing;
    checkOptions(ladder, curriculum);
    if (opts.evaluate !== false && ladder.config.evaluate.benchmarks.length) evaluationPoints(ladder.config.evaluate.at, curriculum);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return messageOf(error).split('\n');
    throw error;
  }
}

/** On resume, the model must be the one the run started with: its checkpoints were made by it. */
function checkSameModel(run: RunDirectory, ladder: Ladder): void {
  const file = join(run.dir, 'config.json');
  if (!existsSync(file)) return;
  const recorded = (JSON.parse(readFileSync(file, 'utf8')) as { config?: { model?: unknown } }).config?.model;
  if (recorded !== undefined && !isDeepStrictEqual(recorded, ladder.config.model))
    throw new ConfigError(
      `${ladder.where}: model: ${JSON.stringify(ladder.config.model)} differs from the model the run started with (${JSON.stringify(recorded)}, in ${file}); resume with that model, or start anew with --force or another --name`,
    );
}

async function walk(ladder: Ladder, curriculum: StageEntry[], run: RunDirectory, opts: RunOptions): Promise<RunSummary> {
  const { config } = ladder;
  const points = opts.evaluate === false || !config.evaluate.benchmarks.length ? [] : evaluationPoints(opts.evaluateAt ?? config.evaluate.at, curriculum);
  const state = run.open(opts);
  if (opts.resume) checkSameModel(run, ladder);
  state.status = 'running';
  const info: RunInfo = { name: config.name, dir: run.dir, seed: config.seed, curriculum };
  ladder.hooks.log.tap('run-directory', ({ level, message }) => run.log(`${level} ${message}`));
  run.writeJson('config.json', {
    where: ladder.where,
    config: { ...config, curriculum, evaluate: { ...config.evaluate, at: opts.evaluateAt ?? config.evaluate.at } },
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

    // An evaluation point scores the policy as it is then (the run directory is ours: predictions of
    // another identity are replaced). More unscored rows than evaluate.maxErrors stop the run there,
    // with the report written and the point left unfinished: --resume asks only those rows again.
    // Each event is written before state.json records it: a kill in between repeats the work on resume,
    // and the repeated event replaces the line.
    // Every training seed scores the same rows: a `limit` subset is drawn with the dataset's seed.
    const subsetSeed = datasetSeed(datasetRequest(ladder));
    // One evaluation of `target` on benchmark `id`, recorded in `into()` (the state's evaluations, chance or blind
    // reports; made only once a report is recorded, so a failed point stays absent from the state).
    const score = async (
      target: Policy,
      id: string,
      where: { point: string; control?: Reference | CheckpointControl; dir: string; into: () => Record<string, BenchmarkReport> },
      extra: Parameters<typeof evaluateBenchmark>[4],
    ) => {
      const report = await evaluateBenchmark(ladder, target, id, where.dir, { dataset, existing: 'replace', subsetSeed, ...extra });
      const failed = tooManyErrors(report, config.evaluate.maxErrors);
      const control = where.control ? { control: where.control } : {};
      emit({ event: 'evaluate', point: where.point, benchmark: id, ...control, nq: report.nq, mcq: report.mcq, avg: report.avg, errors: report.errors?.length ?? 0 });
      if (!failed) {
        where.into()[id] = report;
        run.saveState(state);
      }
      await ladder.hooks.evaluate.promise(report, controlLabel(where.point, where.control), info);
      if (failed)
        throw new LadderError(
          `evaluation at ${controlLabel(where.point, where.control)}: ${failed}; the reasons are in ${where.dir}/report.json. ` +
            'Fix the cause and continue with --resume (only those rows are asked again), or allow them with --set evaluate.maxErrors=<n>',
        );
    };

    // The references every checkpoint is read against, scored once per benchmark (a reference whose backend
    // answers only the dataset's rows, the answer prior, on the benchmarks built from it).
    for (const reference of REFERENCES) {
      const modelId = config.evaluate[reference];
      if (!points.length || !modelId) continue;
      if (!ladder.has('models', modelId)) {
        log(`evaluate.${reference}: no policy "${modelId}" is registered (add the model-${reference} plugin), so the tables show no ${reference} row`);
        continue;
      }
      const backend = ladder.get('models', modelId);
      const answers = (id: string) => !backend.datasetRowsOnly || !!ladder.get('benchmarks', id).usesDataset;
      const pending = config.evaluate.benchmarks.filter((id) => answers(id) && !state[reference]?.[id]);
      if (pending.length) {
        const policy = await backend.create({}, backendCtx);
        for (const id of pending) await score(policy, id, { point: reference, control: reference, dir: run.evalDir(reference, id), into: () => (state[reference] ??= {}) }, {});
        await policy.dispose?.();
      }
    }

    const evaluateAt = async (point: string) => {
      if (!points.includes(point)) return;
      // the controls this benchmark is scored under (configured, and supported by the benchmark), not yet recorded
      const controlsDue = (id: string) =>
        CHECKPOINT_CONTROLS.filter((c) => config.evaluate[c] && ladder.get('benchmarks', id)[c] && !state[c]?.[point]?.[id]);
      const pending = config.evaluate.benchmarks.filter((id) => !state.evaluations[point]?.[id] || controlsDue(id).length);
      if (!pending.length) return;
      const last = state.stages.at(-1)?.result;
      const identity = await policyIdentity(policy, last?.checkpoint);
      const asked = { promptStyle: last?.promptStyle, identity };
      for (const id of pending) {
        if (!state.evaluations[point]?.[id]) await score(policy, id, { point, dir: run.evalDir(point, id), into: () => (state.evaluations[point] ??= {}) }, asked);
        for (const control of controlsDue(id)) {
          try {
            await score(policy, id, { point, control, dir: `${run.evalDir(point, id)}-${control}`, into: () => ((state[control] ??= {})[point] ??= {}) }, { ...asked, [control]: true });
          } catch (error) {
            // a plugin's error arrives wrapped (PluginError), the reason as its cause
            if (!(error instanceof ControlUnavailable || (error as Error).cause instanceof ControlUnavailable)) throw error;
            log(`${controlLabel(point, control)} on ${id} not scored: ${messageOf(error)}`);
          }
        }
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
        const stage = stageFor(ladder, entry);
        const start = { event: 'stage-start', stage: entry.name, kind: entry.kind, engine: engineOf(ladder, entry) };
        if (!run.recorded(start)) emit(start); // a stage resumed mid-way started once
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
          emit: (metrics, { replay = false } = {}) => {
            const event = { event: 'step', stage: entry.name, ...metrics };
            if (!replay || !run.recorded(event)) emit(event);
          },
          progress: ladder.progress.bind(ladder),
          log,
          signal: opts.signal,
        });
        emit({ event: 'stage-end', stage: entry.name, ...result.metrics });
        state.stages.push({ name: entry.name, result });
        run.saveState(state);
        await ladder.hooks.afterStage.promise(entry, result, info);
        await evaluateAt(entry.name);
      }
    }
    state.status = 'done';
    run.saveState(state);
    const table = runTables(state, config.evaluate.benchmarks);
    run.writeText('report.md', `# ${config.name}\n\n${table}\n`);
    run.writeJson('report.json', state.evaluations);
    run.writeJson('controls.json', Object.fromEntries([...REFERENCES, ...CHECKPOINT_CONTROLS].map((c) => [c, state[c] ?? {}])));
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
