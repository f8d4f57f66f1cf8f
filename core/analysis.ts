/**
 * Analyses: studies of a run or a model as commands, `ladder analyze <id>`.
 * A plugin registers one in the `analyses` registry; core parses the command
 * line, finds what to analyse, gives the analysis a folder that survives a
 * kill, and prints what it found:
 *
 *     ladder.hooks.analyses.for('answer-length').tap(PLUGIN_NAME, () => ({
 *       id: 'answer-length',
 *       description: 'mean answer length per checkpoint',
 *       target: 'policies',
 *       options: { questions: { type: 'int', default: 50, description: 'held-out questions asked' } },
 *       async run(ctx) {
 *         for (const point of ctx.points) {
 *           const { policy, key } = await point.open();
 *           const done = ctx.records.get<number>(`${key}/length`);      // a killed run's finished work
 *           const length = done ?? (await measure(policy, ctx.options.questions));
 *           ctx.records.put(`${key}/length`, length);                    // one JSON line, appended
 *           await policy.dispose?.();
 *         }
 *         return { markdown: '...', result: { ... } };
 *       },
 *     }));
 *
 * Targets, i.e. what `--run` and `--model` mean:
 *   policies  each checkpoint of a run in curriculum order (`--run <name>`:
 *             "base", the initial weights made again from the run's seed,
 *             then every finished stage's checkpoint from state.json;
 *             `--points` picks some), or one policy (`--model <id|dir>`)
 *   runs      the run directories named by `--run a,b` (metrics, state); a
 *             name may be an ablation's folder (`ladder ablate`'s
 *             `<name>-ablation`, holding comparison.json): its variants' runs
 *   training  the analysis trains runs of its own, named after `--run`
 *
 * `--run` defaults to the config's `name`, so `ladder analyze <id>` studies
 * the run `ladder run` made. Output goes to `<runsDir>/<run>/analysis/<id>/`
 * (the first run for `runs`); with `--model`, to
 * `<runsDir>/models/<label>-<hash>/analysis/<id>/` (label: the model id or
 * the checkpoint folder's name; hash: 12 hex digits of the policy's
 * fingerprint); `--out` names another folder. The folder holds
 * `records.jsonl` (finished units of work, keyed by the analysis's settings
 * and the policy's fingerprint, so a killed analysis continues where it
 * stopped and nothing is reused for other settings or another policy;
 * `--fresh` discards them), `report.md` and `result.json` (rewritten
 * atomically at each `publish`), and the analysis's own files (PNGs). One
 * process at a time holds the folder.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, LadderError, UsageError } from './errors.ts';
import { appendJsonLine, readJsonLines, writeFileAtomic, writeJsonAtomic } from './files.ts';
import { contentHash, policyIdentity, shortHash, stableJson } from './fingerprint.ts';
import type { CommandContext, PluginCommand } from './hooks.ts';
import type { LoadedConfig, UserConfig } from './config.ts';
import { createLadder, type Ladder } from './ladder.ts';
import { withLock } from './lock.ts';
import { readRunState, type RunState } from './run-directory.ts';
import { buildDataset, checkpointPromptStyle, loadPolicy, modelSpec, openModel, type ModelSpec } from './runner.ts';
import { datasetSeed } from './scenes.ts';
import type { Dataset, Policy, PolicyBackendContext, PolicyIdentity, ProgressFactory } from './types.ts';

/** An option of one analysis: `questions` becomes `--questions <n>`, `maxTokens` `--max-tokens <n>`. */
export interface AnalysisOption {
  type: 'int' | 'number' | 'string' | 'list' | 'flag';
  description: string;
  default?: number | string | string[] | boolean;
  /** Changes only how results are shown (how many sample images, chart size): not part of the settings records are kept under. */
  presentation?: boolean;
}

export interface Analysis {
  id: string;
  /** One line, shown by `ladder analyze`. */
  description: string;
  target: 'policies' | 'runs' | 'training';
  options?: Record<string, AnalysisOption>;
  /** More help (what it computes, what it writes), shown by `ladder analyze <id> --help`. */
  help?: string;
  /** Returns the final report; core writes it as report.md and result.json and prints it. */
  run(ctx: AnalysisContext): Promise<AnalysisReport>;
}

export interface AnalysisReport {
  /** What a person reads: tables with the chance level beside every score. */
  markdown: string;
  /** The same numbers, machine-readable (result.json, `--json`). */
  result: unknown;
}

export interface OpenedPolicy {
  policy: Policy;
  identity: PolicyIdentity;
  /**
   * Part of a record key that names this policy's content (its fingerprint's
   * short hash). A policy without a fingerprint gets a key of this process
   * only, so none of its records is ever reused.
   */
  key: string;
}

/** One policy to analyse: a checkpoint of a run, or the `--model`. */
export interface AnalysisPoint {
  /** "base", a stage name, or the model's label. */
  label: string;
  checkpoint?: string;
  /** How the checkpoint was trained to be asked ("direct", "think"), when known. */
  promptStyle?: string;
  /** Load (or create) the policy; the caller disposes it when done. */
  open(): Promise<OpenedPolicy>;
}

/** A run directory named by `--run`. */
export interface AnalysisRun {
  name: string;
  /** How reports name it: the run's name, or `<variant>` (`<variant> seed <n>`) for a run of an ablation. */
  label: string;
  dir: string;
  /** state.json, when the run has one. */
  state?: RunState;
  /** The resolved config the run recorded (config.json's `config`), when it has one. */
  config?: Record<string, unknown>;
}

/** Finished units of work, kept across kills in records.jsonl. */
export interface AnalysisRecords {
  get<T>(key: string): T | undefined;
  /** Record a finished unit (one appended JSON line). */
  put(key: string, value: unknown): void;
}

export interface AnalysisContext {
  ladder: Ladder;
  id: string;
  seed: number;
  /** Parsed options, defaults filled in. */
  options: Record<string, unknown>;
  /** The output folder (it exists, and this process holds it). */
  dir: string;
  /** The run the output belongs to (`--run`), or `models/<label>-<hash>`. */
  name: string;
  /** `policies`: what to analyse, in order. */
  points: AnalysisPoint[];
  /** `runs`: the runs named, in order. */
  runs: AnalysisRun[];
  /** The config's dataset (built, or found in the cache), made once. */
  dataset(): Promise<Dataset>;
  /** `--fresh`: earlier records are gone; a `training` analysis also starts its runs anew. */
  fresh: boolean;
  /**
   * `training`: a ladder made from the config this one was made from (its
   * presets, plugins and overrides), with `changes` replacing top-level keys
   * (`name`, `curriculum`, `evaluate`, ...).
   */
  derive(changes: Partial<UserConfig>): Promise<Ladder>;
  records: AnalysisRecords;
  /** Write report.md and result.json now (atomically): partial results a killed analysis leaves behind. */
  publish(report: AnalysisReport): Promise<void>;
  progress: ProgressFactory;
  log(message: string): void;
}

/** Options every analysis takes, by target. */
function commonOptions(target: Analysis['target']): Option[] {
  const run =
    target === 'runs'
      ? new Option('--run <names>', "runs to read, comma-separated or repeated; an ablation's folder (<name>-ablation) stands for its variants' runs (default: the config's name)").argParser(listOf)
      : target === 'training'
        ? new Option('--run <name>', "name of the study: its runs are <name>-<suffix>, its output <runsDir>/<name>/analysis (default: the config's name)")
        : new Option('--run <name>', "the run whose checkpoints to analyse, from <runsDir>/<name>/state.json (default: the config's name)");
  const options = [run];
  if (target === 'policies')
    options.push(
      new Option('--model <id|dir>', 'analyse one policy instead of a run: a model id ("openai", "chance", ...), a checkpoint directory, or <id>:<path> (e.g. hf:Qwen/Qwen2.5-VL-3B-Instruct)'),
      new Option('--points <list>', 'with --run: the checkpoints to analyse, comma-separated ("base" and stage names; default: all)').argParser(listOf),
    );
  options.push(
    new Option('--out <dir>', 'output folder (default: <runsDir>/<run>/analysis/<id>)'),
    new Option(
      '--fresh',
      target === 'training'
        ? 'discard the records of earlier (killed) invocations and train every run again (default: continue them)'
        : 'discard the records of earlier (killed) invocations and compute everything again',
    ),
  );
  return options;
}

function listOf(value: string, previous: string[] | undefined): string[] {
  const items = value.split(',').map((v) => v.trim()).filter(Boolean);
  if (!items.length) throw new InvalidArgumentError('expected a comma-separated list');
  return [...(previous ?? []), ...items];
}

const flagOf = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

function analysisOption(key: string, spec: AnalysisOption): Option {
  const value = { int: '<n>', number: '<x>', string: '<text>', list: '<list>', flag: '' }[spec.type];
  const option = new Option(`${flagOf(key)}${value ? ` ${value}` : ''}`, spec.description);
  if (spec.default !== undefined && spec.type !== 'flag') option.default(spec.default, Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default));
  if (spec.type === 'int')
    option.argParser((v) => {
      if (!/^\d+$/.test(v)) throw new InvalidArgumentError('expected a non-negative integer');
      return Number(v);
    });
  if (spec.type === 'number')
    option.argParser((v) => {
      const n = Number(v);
      if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('expected a number');
      return n;
    });
  if (spec.type === 'list') option.argParser((v: string) => listOf(v, undefined));
  return option;
}

function parser(analysis: Analysis): Command {
  const command = new Command(`ladder analyze ${analysis.id}`)
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined })
    .helpOption(false)
    .allowExcessArguments(false);
  for (const option of commonOptions(analysis.target)) command.addOption(option);
  for (const [key, spec] of Object.entries(analysis.options ?? {})) command.addOption(analysisOption(key, spec));
  return command;
}

const USAGE: Record<Analysis['target'], string> = {
  policies: '[--run <name> [--points <list>] | --model <id|dir>] [--out <dir>] [--fresh] [options]',
  runs: '[--run <names>] [--out <dir>] [options]',
  training: '[--run <name>] [--out <dir>] [options]',
};

/** The `ladder analyze <id>` command of an analysis (what the CLI runs and prints help for). */
export function analysisCommand(ladder: Ladder, analysis: Analysis): PluginCommand {
  const help = parser(analysis).helpInformation().replace(/^Usage:.*\n\n?/, '');
  return {
    description: analysis.description,
    usage: USAGE[analysis.target],
    help: [help.trimEnd(), analysis.help].filter(Boolean).join('\n\n'),
    json: true,
    async run(args, context) {
      const command = parser(analysis);
      try {
        command.parse(args, { from: 'user' });
      } catch (error) {
        if (error instanceof CommanderError) throw new UsageError(`ladder analyze ${analysis.id}: ${error.message.replace(/^error: /, '')}`);
        throw error;
      }
      const { run, model, points, out, fresh, ...options } = command.opts() as Record<string, unknown>;
      const report = await runAnalysis(ladder, analysis, context, {
        runs: (Array.isArray(run) ? run : run ? [run] : []) as string[],
        model: model as string | undefined,
        points: points as string[] | undefined,
        out: out as string | undefined,
        fresh: !!fresh,
        options,
      });
      context.print(context.json ? JSON.stringify({ analysis: analysis.id, dir: report.dir, result: report.result }, null, 2) : `\nanalysis ${analysis.id}: ${report.dir}\n${report.markdown}`);
      return 0;
    },
  };
}

export interface AnalysisRequest {
  /** `--run` names (one for `policies` and `training`). */
  runs: string[];
  model?: string;
  points?: string[];
  out?: string;
  fresh?: boolean;
  /** The analysis's own options, parsed (missing ones take their defaults). */
  options: Record<string, unknown>;
}

/** Run an analysis (what `ladder analyze` does after parsing): resolve the target, hold the folder, run, write the report. */
export async function runAnalysis(
  ladder: Ladder,
  analysis: Analysis,
  context: Pick<CommandContext, 'seed' | 'runsDir'>,
  request: AnalysisRequest,
): Promise<AnalysisReport & { dir: string }> {
  const { config } = ladder;
  const runsDir = resolve(context.runsDir);
  const options = { ...defaults(analysis), ...request.options };
  if (request.model && analysis.target !== 'policies')
    throw new UsageError(`ladder analyze ${analysis.id}: --model does not apply (this analysis ${analysis.target === 'runs' ? 'reads runs' : 'trains runs of its own'}; name them with --run)`);
  if (request.model && request.runs.length) throw new UsageError(`ladder analyze ${analysis.id}: give --run or --model, not both`);
  if (request.points && request.model) throw new UsageError(`ladder analyze ${analysis.id}: --points picks checkpoints of a run; it does not apply to --model`);
  const names = request.runs.length ? request.runs : [config.name];
  if (analysis.target !== 'runs' && names.length > 1) throw new UsageError(`ladder analyze ${analysis.id}: --run takes one name`);

  let dataset: Promise<Dataset> | undefined;
  const datasetOnce = () => (dataset ??= buildDataset(ladder));
  const backendContext = async (): Promise<PolicyBackendContext> => ({ seed: config.seed, dataset: await datasetOnce(), log: (m) => ladder.log(m) });
  let points: AnalysisPoint[] = [];
  let runs: AnalysisRun[] = [];
  let name = names[0]!;
  let dir = join(runsDir, name, 'analysis', analysis.id);
  if (analysis.target === 'policies' && request.model) {
    const spec = modelSpec(ladder, request.model);
    const opened = await openNamedModel(ladder, spec, backendContext);
    const { label } = spec;
    name = join('models', `${label.replace(/[^\w.-]/g, '_')}-${opened.identity.fingerprint ? shortHash(opened.identity.fingerprint) : 'unidentified'}`);
    dir = join(runsDir, name, 'analysis', analysis.id);
    let first: Promise<OpenedPolicy> | undefined = Promise.resolve(opened);
    points = [
      {
        label,
        checkpoint: spec.checkpoint,
        promptStyle: spec.checkpoint ? checkpointPromptStyle(spec.checkpoint) : undefined,
        // the policy opened to name the folder is handed out once; later calls open it again
        open: () => {
          const handed = first ?? openNamedModel(ladder, spec, backendContext);
          first = undefined;
          return handed;
        },
      },
    ];
  } else if (analysis.target === 'policies') {
    const run = readRun(runsDir, name, analysis.id);
    checkSameRun(ladder, run);
    points = runPoints(ladder, run, backendContext);
    if (request.points) {
      const unknown = request.points.filter((p) => !points.some((q) => q.label === p));
      if (unknown.length)
        throw new UsageError(`--points: ${unknown.join(', ')}: not a checkpoint of run ${name}; it has ${points.map((p) => p.label).join(', ')}`);
      points = points.filter((p) => request.points!.includes(p.label));
    }
    if (run.state!.status !== 'done') ladder.log(`run ${name} is ${run.state!.status}: analysing its ${points.length} finished checkpoint(s)`);
  } else if (analysis.target === 'runs') {
    runs = names.flatMap((n) => (existsSync(join(runsDir, n, 'comparison.json')) ? ablationRuns(runsDir, n, analysis.id) : [readRun(runsDir, n, analysis.id, false)]));
  }
  if (request.out) dir = resolve(request.out);

  const settings = shortHash(contentHash(stableJson({ analysis: analysis.id, seed: config.seed, options: resultOptions(analysis, options) })));
  return withLock(dir, { what: `analysis folder ${dir}` }, async () => {
    const file = join(dir, 'records.jsonl');
    if (request.fresh) rmSync(file, { force: true });
    const stored = new Map<string, unknown>();
    for (const line of readJsonLines<{ key: string; value: unknown }>(file)) stored.set(line.key, line.value);
    if (stored.size) ladder.log(`${analysis.id}: ${stored.size} record(s) of earlier invocations in ${file}; finished work is reused for the same settings and policies`);
    const records: AnalysisRecords = {
      get: <T>(key: string) => stored.get(`${settings}/${key}`) as T | undefined,
      put: (key, value) => {
        stored.set(`${settings}/${key}`, value);
        appendJsonLine(file, { key: `${settings}/${key}`, value });
      },
    };
    const publish = async (report: AnalysisReport) => {
      await writeFileAtomic(join(dir, 'report.md'), `# ${analysis.id}: ${name}\n\n${report.markdown.trim()}\n`);
      await writeJsonAtomic(join(dir, 'result.json'), { analysis: analysis.id, name, seed: config.seed, options, result: report.result });
    };
    const report = await analysis.run({
      ladder,
      id: analysis.id,
      seed: config.seed,
      options,
      dir,
      name,
      points,
      runs,
      dataset: datasetOnce,
      fresh: !!request.fresh,
      derive: (changes) => deriveLadder(ladder, changes),
      records,
      publish,
      progress: ladder.progress.bind(ladder),
      log: (message) => ladder.log(message),
    });
    await publish(report);
    return { ...report, dir };
  });
}

const defaults = (analysis: Analysis) =>
  Object.fromEntries(Object.entries(analysis.options ?? {}).map(([key, spec]) => [key, spec.default ?? (spec.type === 'flag' ? false : undefined)]));

/** The options that change results (the settings records are kept under). */
const resultOptions = (analysis: Analysis, options: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(options).filter(([key]) => !analysis.options?.[key]?.presentation));

/** A run directory as an analysis reads it; `flag`: the option that named it, for the error when it holds no run. */
export function readRun(runsDir: string, name: string, id: string, needState = true, flag = '--run'): AnalysisRun {
  const dir = join(runsDir, name);
  const stateFile = join(dir, 'state.json');
  const configFile = join(dir, 'config.json');
  if (!existsSync(dir) || (needState && !existsSync(stateFile)) || (!existsSync(stateFile) && !existsSync(join(dir, 'metrics.jsonl'))))
    throw new UsageError(
      `ladder analyze ${id}: ${flag} ${name}: ${dir} holds no run (no ${needState ? 'state.json' : 'state.json or metrics.jsonl'}); run it first (\`ladder run --name ${name}\`) or name another with ${flag}`,
    );
  const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  return {
    name,
    label: name,
    dir,
    state: existsSync(stateFile) ? readRunState(dir) : undefined,
    config: existsSync(configFile) ? (read(configFile).config as Record<string, unknown> | undefined) : undefined,
  };
}

/** The runs of an ablation folder (comparison.json), labelled by variant (and seed when it has several). */
function ablationRuns(runsDir: string, folder: string, id: string): AnalysisRun[] {
  const file = join(runsDir, folder, 'comparison.json');
  const { runs } = JSON.parse(readFileSync(file, 'utf8')) as { runs?: { variant: string; seed: number; name: string }[] };
  if (!runs?.length) throw new UsageError(`ladder analyze ${id}: --run ${folder}: ${file} lists no runs`);
  const seeds = new Map<string, number>();
  for (const r of runs) seeds.set(r.variant, (seeds.get(r.variant) ?? 0) + 1);
  return runs.map((r) => ({ ...readRun(runsDir, r.name, id, false), label: seeds.get(r.variant)! > 1 ? `${r.variant} seed ${r.seed}` : r.variant }));
}

/**
 * The base policy is made again from the config (model, seed, dataset), so
 * these must be the ones the run recorded; a mismatch names the keys.
 */
function checkSameRun(ladder: Ladder, run: AnalysisRun): void {
  if (!run.config) return;
  const differ = recordedDifferences(ladder, run.config);
  if (differ.length)
    throw new ConfigError(
      `--run ${run.name}: the run was made with another ${differ.map((d) => d.key).join(', ')} than this config has ` +
        `(${differ.map((d) => `${d.key}: ${d.recorded}`).join('; ')}, in ${join(run.dir, 'config.json')}); ` +
        'analyse it with the config it was made with (the same -c, --seed and --set)',
    );
}

/**
 * Where a run's recorded config (config.json's `config`) differs from the
 * ladder's in what makes its policies and data: `seed`, `model`, and `data`
 * (compared as content: the dataset seed resolved, the worker count aside).
 */
export function recordedDifferences(ladder: Ladder, recorded: Record<string, unknown>): { key: 'seed' | 'model' | 'data'; recorded: string }[] {
  const { config } = ladder;
  const data = (value: unknown, seed: number) => {
    const { workers: _, ...rest } = (value ?? {}) as Record<string, unknown>;
    return { ...rest, seed: datasetSeed({ seed, config: rest }) };
  };
  const seed = typeof recorded.seed === 'number' ? recorded.seed : config.seed;
  return (
    [
      ['seed', seed, config.seed],
      ['model', recorded.model ?? config.model, config.model],
      ['data', data(recorded.data, seed), data(config.data, config.seed)],
    ] as const
  )
    .filter(([, a, b]) => stableJson(a) !== stableJson(b))
    .map(([key, a]) => ({ key, recorded: stableJson(a) }));
}

/** base, then every finished stage with a checkpoint, in curriculum order. */
function runPoints(ladder: Ladder, run: AnalysisRun, context: () => Promise<PolicyBackendContext>): AnalysisPoint[] {
  const { config } = ladder;
  const opened = async (policy: Policy, checkpoint?: string): Promise<OpenedPolicy> => {
    const identity = await policyIdentity(policy, checkpoint);
    return { policy, identity, key: policyKey(identity) };
  };
  const base: AnalysisPoint = {
    label: 'base',
    open: async () => opened(await ladder.get('models', config.model.id).create(config.model.options, await context())),
  };
  return [
    base,
    ...run.state!.stages.flatMap(({ name, result }): AnalysisPoint[] =>
      result.checkpoint
        ? [{ label: name, checkpoint: result.checkpoint, promptStyle: result.promptStyle, open: async () => opened(await loadPolicy(ladder, result.checkpoint!, await context()), result.checkpoint) }]
        : [],
    ),
  ];
}

let volatile = 0;
const policyKey = (identity: PolicyIdentity) => (identity.fingerprint ? shortHash(identity.fingerprint) : `volatile-${process.pid}-${Date.now()}-${volatile++}`);

/** `--model`, as `ladder eval` reads it (core/runner.ts `modelSpec`). */
async function openNamedModel(ladder: Ladder, spec: ModelSpec, context: () => Promise<PolicyBackendContext>): Promise<OpenedPolicy> {
  const policy = await openModel(ladder, spec, await context());
  const identity = await policyIdentity(policy, spec.checkpoint);
  return { policy, identity, key: policyKey(identity) };
}

/** A ladder made from `ladder`'s origin (the user's config, its presets, plugins and overrides), with `changes` replacing top-level keys. */
export async function deriveLadder(ladder: Ladder, changes: Partial<UserConfig>): Promise<Ladder> {
  const { origin } = ladder;
  if (!origin) throw new LadderError('this ladder was not made by createLadder, so no other can be made from its config');
  return createLadder({ ...origin.config, ...changes }, { baseDir: origin.baseDir, where: origin.where, defaults: origin.defaults, file: origin.file, overrides: origin.overrides });
}

/** `ladder`'s origin as a loaded config (for `runAblation`), with `changes` replacing top-level keys. */
export function loadedFrom(ladder: Ladder, changes: Partial<UserConfig>): LoadedConfig {
  const { origin } = ladder;
  if (!origin) throw new LadderError('this ladder was not made by createLadder, so no other can be made from its config');
  return {
    configs: [{ ...origin.config, ...changes }],
    afterPresets: [origin.overrides ?? []],
    filepath: origin.file?.path,
    baseDir: origin.baseDir,
    sweep: false,
    overrides: origin.file?.overrides ?? [],
    command: origin.file?.command ?? 'analyze',
    cwd: origin.file?.cwd ?? process.cwd(),
  };
}
