/**
 * Every hook point of spatial-ladder, declared in one place.
 *
 * A plugin is `{ name, apply(ladder) }`; in `apply` it taps these hooks with
 * its name as the tap name. Three shapes:
 *
 * - Registries (`HookMap` of bail hooks): an id maps to an implementation.
 *   The first tap wins, so a user plugin, applied before the presets,
 *   overrides a preset's plugin that registers the same id:
 *
 *       ladder.hooks.sources.for('procedural').tap(PLUGIN_NAME, () => source);
 *
 * - Pipelines (waterfalls): each tap receives the previous tap's result.
 * - Notifications (lifecycle): every tap runs, in order.
 *
 * Ordering: pass `{ name, order: 'pre' | 'post' }` instead of a name to run a
 * tap before or after the unordered ones. (tapable calls this `stage`; here
 * that word means only a curriculum stage.)
 */
import {
  AsyncSeriesBailHook,
  AsyncSeriesHook,
  AsyncSeriesWaterfallHook,
  HookMap,
  SyncBailHook,
  SyncHook,
  SyncWaterfallHook,
} from 'tapable';
import type {
  Benchmark,
  BenchmarkReport,
  Candidate,
  Dataset,
  DatasetRequest,
  Engine,
  FilterContext,
  PolicyBackend,
  Reward,
  SceneSource,
  Stage,
  StageEntry,
  StageResult,
  TaskGenerator,
} from './types.ts';
import type { AblationSummary } from './ablation.ts';
import type { Analysis } from './analysis.ts';

/** Extra tap option: run before (`pre`) or after (`post`) unordered taps. */
export interface OrderOption {
  order?: 'pre' | 'post';
}

/** What lifecycle hooks receive about the run in progress. */
export interface RunInfo {
  name: string;
  dir: string;
  seed: number;
  /** Curriculum after the `curriculum` waterfall. */
  curriculum: StageEntry[];
}

/** One line of metrics.jsonl. `event` says what it is ("step", "stage", ...). */
export interface MetricEvent {
  event: string;
  stage?: string;
  step?: number;
  time: number;
  [key: string]: unknown;
}

export interface ProgressEvent {
  id: number;
  label: string;
  done: number;
  total: number;
  note?: string;
  finished: boolean;
}

export interface LogEvent {
  level: 'info' | 'warn';
  message: string;
}

/**
 * Command groups plugins add actions to: `ladder <group> <action> [args]`.
 * A plugin registers `"<group> <action>"` in the `commands` registry:
 *
 *     ladder.hooks.commands.for('data scenes').tap(PLUGIN_NAME, () => ({ description, usage, run }));
 */
export const COMMAND_GROUPS = {
  data: 'dataset actions (build, scenes, stats, check, export, ...)',
  serve: 'serve a part of the framework over HTTP (e.g. `serve rewards`)',
  setup: 'install what an engine needs (e.g. `setup trl`)',
  hf: 'Hugging Face model tools (e.g. `hf tiny-model`)',
  analyze: "the paper's analyses of a run or a model (e.g. `analyze hints`); plugins add them in the `analyses` registry",
  pretrain: 'pretrain a base model before the ladder (e.g. `pretrain tiny-vlm`)',
} as const;
export type CommandGroup = keyof typeof COMMAND_GROUPS;

export interface CommandContext {
  seed: number;
  cacheDir: string;
  runsDir: string;
  /** `--json` was given: print the result as one JSON document with `print` (only for commands declaring `json: true`). */
  json: boolean;
  /**
   * Write the command's output to stdout, a line at a time. Under `--json`
   * this is the only way to stdout: whatever else the process writes there
   * goes to stderr, so the output stays one parseable document.
   */
  print(text: string): void;
}

/** An action a plugin adds under a command group (e.g. `ladder data scenes`). */
export interface PluginCommand {
  description: string;
  /** Usage line of the options it accepts, shown by `ladder <group> --help`. */
  usage?: string;
  /** Longer help (options with defaults, examples), shown by `ladder <group> <action> --help`. */
  help?: string;
  /** The action prints its result as one JSON document (through `ctx.print`) when `ctx.json` is set; others refuse `--json`. */
  json?: boolean;
  /** Returns the exit code (default 0). */
  run(args: string[], ctx: CommandContext): Promise<number | void>;
}

type Registry<T> = HookMap<SyncBailHook<[], T, OrderOption>>;

const registry = <T>(name: string): Registry<T> =>
  new HookMap(() => new SyncBailHook<[], T, OrderOption>([]), name);

export function createHooks() {
  return Object.freeze({
    // -- registries (first tap wins) --------------------------------------
    /** Scene sources: "procedural", "scannet", ... */
    sources: registry<SceneSource>('sources'),
    /** Task generators: "localization", "object-size", ... */
    tasks: registry<TaskGenerator>('tasks'),
    /** Training stage kinds: "sft", "cold-start", "grpo" (the embedded engine). */
    stages: registry<Stage>('stages'),
    /** Other training engines ("trl"), chosen per curriculum entry with `engine`. */
    engines: registry<Engine>('engines'),
    /** Rewards: "format", "accuracy", "iou". */
    rewards: registry<Reward>('rewards'),
    /** Policy backends: "tiny-vlm", "openai", "oracle", ... */
    models: registry<PolicyBackend>('models'),
    /** Benchmarks: "vsi-bench", "spbench-si", "held-out", ... */
    benchmarks: registry<Benchmark>('benchmarks'),
    /** Actions of the command groups: "data build", "serve rewards", ... (COMMAND_GROUPS). */
    commands: registry<PluginCommand>('commands'),
    /** Analyses of runs and models, each `ladder analyze <id>`: "semantic-entropy", "hints", ... (core/analysis.ts). */
    analyses: registry<Analysis>('analyses'),

    // -- pipelines ----------------------------------------------------------
    /** Builds (or loads from cache) the dataset the curriculum trains on. */
    dataset: new AsyncSeriesBailHook<[DatasetRequest], Dataset | undefined, OrderOption>(['request'], 'dataset'),
    /** Candidate samples of one scene pass through every filter in turn. */
    filters: new AsyncSeriesWaterfallHook<[Candidate[], FilterContext], Candidate[], OrderOption>(
      ['candidates', 'context'],
      'filters',
    ),
    /** The stage list: ablation plugins reorder, drop or mix stages here. */
    curriculum: new SyncWaterfallHook<[StageEntry[]], StageEntry[], OrderOption>(['stages'], 'curriculum'),

    // -- lifecycle (notifications) ------------------------------------------
    run: new AsyncSeriesHook<[RunInfo], OrderOption>(['run'], 'run'),
    beforeStage: new AsyncSeriesHook<[StageEntry, RunInfo], OrderOption>(['entry', 'run'], 'beforeStage'),
    step: new SyncHook<[MetricEvent], void, OrderOption>(['metrics'], 'step'),
    afterStage: new AsyncSeriesHook<[StageEntry, StageResult, RunInfo], OrderOption>(
      ['entry', 'result', 'run'],
      'afterStage',
    ),
    evaluate: new AsyncSeriesHook<[BenchmarkReport, string, RunInfo], OrderOption>(
      ['report', 'checkpoint', 'run'],
      'evaluate',
    ),
    done: new AsyncSeriesHook<[RunInfo], OrderOption>(['run'], 'done'),
    /** After `ladder ablate`: every variant's runs and the comparison (charts, trackers). */
    compare: new AsyncSeriesHook<[AblationSummary], OrderOption>(['summary'], 'compare'),
    failed: new AsyncSeriesHook<[Error, RunInfo], OrderOption>(['error', 'run'], 'failed'),
    /** Long work reports progress here; reporters draw it. */
    progress: new SyncHook<[ProgressEvent], void, OrderOption>(['progress'], 'progress'),
    log: new SyncHook<[LogEvent], void, OrderOption>(['log'], 'log'),
  });
}

export type LadderHooks = ReturnType<typeof createHooks>;
/** Names of the registries (the HookMaps). */
export type RegistryName = 'sources' | 'tasks' | 'stages' | 'engines' | 'rewards' | 'models' | 'benchmarks' | 'commands' | 'analyses';
export const REGISTRIES: readonly RegistryName[] = [
  'sources',
  'tasks',
  'stages',
  'engines',
  'rewards',
  'models',
  'benchmarks',
  'commands',
  'analyses',
];
/** What each registry holds, for typed look-ups. */
export interface RegistryTypes {
  sources: SceneSource;
  tasks: TaskGenerator;
  stages: Stage;
  engines: Engine;
  rewards: Reward;
  models: PolicyBackend;
  benchmarks: Benchmark;
  commands: PluginCommand;
  analyses: Analysis;
}
