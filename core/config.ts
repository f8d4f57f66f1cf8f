/**
 * Configuration: found with cosmiconfig (module name `ladder`), validated
 * with a schema whose errors name the file, the key path and what was
 * expected, overridden key by key from the command line (`--set a.b=1`).
 *
 * A config file may export one config, an array of configs (a sweep), or a
 * function of `{ command, cwd }` returning either.
 */
import { cosmiconfig, defaultLoaders, type Loader } from 'cosmiconfig';
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError, closest, messageOf } from './errors.ts';
import { EMBEDDED_ENGINE, MODALITIES, type DataSelection, type StageEntry } from './types.ts';
import type { Plugin, Preset } from './plugin.ts';
import { importDefault } from './modules.ts';

// ---------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------

/** A plugin or preset entry: a name or path, a plugin or preset object, `[name, options]` or `[name, false]`. */
export type PluginEntry = string | Plugin | Preset | [string | Plugin | Preset | ((options?: never) => unknown), unknown];

const entry = z.custom<PluginEntry>(
  (v) => (typeof v === 'string' && v.length > 0) || (Array.isArray(v) && v.length === 2) || (!!v && typeof v === 'object' && !Array.isArray(v)),
  { message: 'expected a name, a path, [name, options], [name, false] or a plugin object' },
);

const selection = z.strictObject({
  tasks: z.array(z.string().min(1)).min(1).optional(),
  modalities: z.array(z.enum(MODALITIES as [string, ...string[]])).min(1).optional(),
  limit: z.number().int().positive().optional(),
  fraction: z.number().gt(0).max(1).optional(),
  balance: z.number().min(0).max(1).optional(),
});

const options = z.record(z.string(), z.unknown());

/** Reward id -> weight in the total reward R = sum of weight x reward. */
const rewardWeights = z.record(z.string().min(1), z.number().finite());

/** A curriculum variant (config key `ablations`, plugin stage-order): change, drop, mix and reorder stages by name (`applyVariant`). */
export const variantSchema = z.strictObject({
  /**
   * Changes to named stages, applied first: `modalities` keeps only those
   * modalities in each of the stage's selections, `options` are merged into
   * its options, `rewards` replace its reward weights.
   */
  stages: z
    .record(
      z.string(),
      z.strictObject({
        modalities: z.array(z.enum(MODALITIES as [string, ...string[]])).min(1).optional(),
        options: options.optional(),
        rewards: rewardWeights.optional(),
      }),
    )
    .default({}),
  /** Stage names to remove. */
  drop: z.array(z.string()).default([]),
  /** Groups of stage names, each replaced by one stage training on their data jointly ("a+b"). */
  mix: z.array(z.array(z.string()).min(2)).default([]),
  /** The stages to keep, in this order (after drop and mix). */
  order: z.array(z.string()).optional(),
});
export type CurriculumVariant = z.input<typeof variantSchema>;

const stageEntry = z.strictObject({
  name: z.string().regex(/^[\w.+-]+$/, 'expected a name of letters, digits, "_", ".", "+" or "-"'),
  kind: z.string().min(1),
  /** "embedded" or an `engines` id ("trl"); default: the top-level `engine`. */
  engine: z.string().min(1).optional(),
  data: z.union([selection, z.array(selection).min(1)]).optional(),
  /** This stage's reward weights (stages that use rewards: cold-start, grpo); absent: the config's `rewards`. */
  rewards: rewardWeights.optional(),
  /** Options of the stage kind, validated by the stage when it starts. */
  options: options
    .refine((o) => !('rewards' in o), {
      path: ['rewards'],
      message: "a stage's reward weights moved out of `options`: give them as the entry's `rewards`, beside `options` ({ name, kind, data, rewards: { format: 1, accuracy: 2 }, options })",
    })
    .optional(),
  evaluate: z.boolean().optional(),
});

export const configSchema = z.strictObject({
  /** Run name: the run directory is `<runsDir>/<name>` (one folder: "." or ".." would be runsDir or its parent, which --force deletes). */
  name: z.string().regex(/^(?!\.+$)[\w.-]+$/, 'expected a name of letters, digits, "_", "." or "-", not only dots').optional(),
  seed: z.number().int().nonnegative().optional(),
  presets: z.array(entry).optional(),
  plugins: z.array(entry).optional(),
  /** Options of the dataset builder (validated by the plugin that builds it). */
  data: options.optional(),
  model: z.union([z.string().min(1), z.strictObject({ id: z.string().min(1), options: options.optional() })]).optional(),
  curriculum: z.array(stageEntry).optional(),
  /** The engine stages train on unless an entry says otherwise: "embedded" (default) or an `engines` id ("trl"). */
  engine: z.string().min(1).optional(),
  /** Reward id -> weight in the total reward R; a curriculum entry's own `rewards` replaces it for that stage. */
  rewards: rewardWeights.optional(),
  evaluate: z
    .strictObject({
      benchmarks: z.array(z.string().min(1)).optional(),
      /** "base" (before training) and stage names after which to evaluate. */
      at: z.array(z.string().min(1)).optional(),
      limit: z.number().int().positive().optional(),
      batchSize: z.number().int().positive().optional(),
      strict: z.boolean().optional(),
      /** Rows per benchmark evaluation that may fail (unreadable, policy error) before the command exits 1. */
      maxErrors: z.number().int().nonnegative().optional(),
      /** The reference policy scored once per benchmark beside every checkpoint (a `models` id; false: none). */
      chance: z.union([z.string().min(1), z.literal(false)]).optional(),
      /** The answer-prior policy scored once per benchmark built from the run's dataset, beside the chance level (a `models` id; false: none). */
      prior: z.union([z.string().min(1), z.literal(false)]).optional(),
      /** Score each checkpoint's blind control too: every image replaced by a blank frame (benchmarks that support it). */
      blind: z.boolean().optional(),
      /** Score each checkpoint's swapped control too: every row asked with another room's frames (benchmarks whose rows name their scene). */
      swapped: z.boolean().optional(),
    })
    .optional(),
  /** Named curriculum variants for `ladder ablate`: { stages, drop, mix, order } over stage names. */
  ablations: z.record(z.string().regex(/^[\w.-]+$/, 'expected a name of letters, digits, "_", "." or "-"'), variantSchema).optional(),
  runsDir: z.string().min(1).optional(),
  cacheDir: z.string().min(1).optional(),
});

export type UserConfig = z.input<typeof configSchema>;

/** The config after presets are merged and defaults applied: what runs. */
export interface LadderConfig {
  name: string;
  seed: number;
  data: Record<string, unknown>;
  model: { id: string; options: Record<string, unknown> };
  curriculum: StageEntry[];
  /** Default engine of the curriculum entries that name none. */
  engine: string;
  rewards: Record<string, number>;
  evaluate: { benchmarks: string[]; at?: string[]; limit?: number; batchSize: number; strict: boolean; maxErrors: number; chance: string | false; prior: string | false; blind: boolean; swapped: boolean };
  ablations: Record<string, CurriculumVariant>;
  runsDir: string;
  cacheDir: string;
}

/** What runs when no config file is found: the paper's recipe on the embedded default data. */
export const DEFAULT_CONFIG: UserConfig = { presets: ['spatial-ladder'] };

export const CORE_DEFAULTS = {
  name: 'default',
  seed: 42,
  rewards: { format: 1, accuracy: 1 },
  batchSize: 8,
  /** The reference policy every run scores beside its checkpoints (model-chance registers it). */
  chance: 'chance',
  /** The answer prior scored beside it on the run's own benchmarks (model-prior registers it). */
  prior: 'prior',
  runsDir: 'runs',
  cacheDir: '.ladder-cache',
} as const;

// ---------------------------------------------------------------------------
// Validation with readable errors
// ---------------------------------------------------------------------------

/** `curriculum[1].kind` from ["curriculum", 1, "kind"]. */
export function keyPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${String(part)}` : String(part)),
    '',
  );
}

/**
 * Validate `value` against `schema`; on failure throw a ConfigError whose
 * lines read `<where>: <key path>: <what was expected>`. Plugins use this for
 * their own options so every config error looks the same.
 */
export function validate<S extends z.ZodType>(schema: S, value: unknown, where: string, prefix: PropertyKey[] = []): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const at = keyPath([...prefix, ...issue.path]) || '(top level)';
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schema, issue.path);
      return issue.keys
        .map((key) => {
          const hint = closest(key, known);
          return `${where}: ${keyPath([...prefix, ...issue.path, key])}: unknown key${hint ? ` (did you mean "${hint}"?)` : ''}; expected one of ${known.join(', ')}`;
        })
        .join('\n');
    }
    return `${where}: ${at}: ${issue.message.replace(/^Invalid input: /, '')}`;
  });
  throw new ConfigError(lines.join('\n'));
}

/** Keys an object schema accepts at `path` (for "did you mean"). */
function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: z.ZodType | undefined = schema;
  for (const part of path) {
    node = unwrap(node);
    if (node instanceof z.ZodObject) node = node.shape[part as string];
    else if (node instanceof z.ZodArray) node = node.element as z.ZodType;
    else if (node instanceof z.ZodUnion)
      node = (node.options as z.ZodType[]).map(unwrap).find((o) => o instanceof z.ZodArray || o instanceof z.ZodObject);
    else return [];
    if (node instanceof z.ZodArray && typeof part === 'number') node = node.element as z.ZodType;
  }
  node = unwrap(node);
  if (node instanceof z.ZodUnion) node = (node.options as z.ZodType[]).map(unwrap).find((o) => o instanceof z.ZodObject);
  return node instanceof z.ZodObject ? Object.keys(node.shape) : [];
}

function unwrap(node: z.ZodType | undefined): z.ZodType | undefined {
  while (node instanceof z.ZodOptional || node instanceof z.ZodDefault) node = node.unwrap() as z.ZodType;
  return node;
}

// ---------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------

export interface LoadedConfig {
  /** One config, or several for a sweep, with the `--set` overrides that fit them applied. */
  configs: UserConfig[];
  /**
   * Per config, the overrides of values that presets provide (e.g.
   * `curriculum[1].options.lr` when a preset sets `curriculum`): pass them to
   * `createLadder` as `overrides`, which applies them after merging the presets.
   */
  afterPresets: string[][];
  /** The file it came from; undefined when no config file was found. */
  filepath?: string;
  /** Directory relative paths in the config resolve from. */
  baseDir: string;
  sweep: boolean;
  /** How it was loaded (the `--set` overrides, the command, the directory searched), to load it again elsewhere. */
  overrides: string[];
  command: string;
  cwd: string;
}

export interface LoadOptions {
  /** Explicit `--config PATH`; otherwise search from `cwd`. */
  configPath?: string;
  cwd?: string;
  /** `key.path=value` overrides from `--set`. */
  overrides?: string[];
  command?: string;
}

const importLoader: Loader = (filepath) => importDefault(filepath);

/** Every loader reports the file it failed on (a syntax error names its file). */
const reporting =
  (loader: Loader): Loader =>
  async (filepath, content) => {
    try {
      return await loader(filepath, content);
    } catch (error) {
      throw new ConfigError(`${filepath}: cannot load config: ${messageOf(error)}`, { cause: error });
    }
  };

const explorer = cosmiconfig('ladder', {
  searchStrategy: 'project',
  searchPlaces: [
    'package.json',
    ...['', '.json', '.yaml', '.yml', '.js', '.ts', '.cjs', '.mjs'].map((ext) => `.ladderrc${ext}`),
    ...['.ts', '.mjs', '.js', '.cjs', '.json', '.yaml', '.yml'].map((ext) => `ladder.config${ext}`),
  ],
  loaders: {
    '.json': reporting(defaultLoaders['.json']),
    '.yaml': reporting(defaultLoaders['.yaml']),
    '.yml': reporting(defaultLoaders['.yml']),
    noExt: reporting(defaultLoaders.noExt),
    '.js': reporting(importLoader),
    '.mjs': reporting(importLoader),
    '.cjs': reporting(importLoader),
    '.ts': reporting(importLoader),
  },
});

export async function loadConfig(opts: LoadOptions = {}): Promise<LoadedConfig> {
  const cwd = opts.cwd ?? process.cwd();
  let found: { config: unknown; filepath: string } | null;
  if (opts.configPath) {
    const path = resolve(cwd, opts.configPath);
    if (!existsSync(path)) throw new ConfigError(`--config ${opts.configPath}: no such file (${path})`);
    if (statSync(path).isDirectory())
      throw new ConfigError(`--config ${opts.configPath}: ${path} is a folder; name the config file in it (ladder.config.ts, .json, .yaml, .ladderrc, ...)`);
    found = await explorer.load(path).catch(rethrowAsConfigError(path));
    if (!found) throw new ConfigError(`${path}: the file holds no config`);
  } else {
    found = await explorer.search(cwd).catch(rethrowAsConfigError(cwd));
  }
  const where = found?.filepath ?? 'default config';
  let raw: unknown = found ? (found.config ?? {}) : DEFAULT_CONFIG;
  if (typeof raw === 'function') raw = await (raw as (env: object) => unknown)({ command: opts.command ?? 'run', cwd });
  const sweep = Array.isArray(raw);
  const list = sweep ? (raw as unknown[]) : [raw];
  if (list.length === 0) throw new ConfigError(`${where}: the sweep is empty`);
  const afterPresets: string[][] = [];
  const configs = list.map((config, i) => {
    const label = sweep ? `${where} [sweep ${i}]` : where;
    validate(configSchema, config, label);
    const { now, afterPresets: later } = splitOverrides(config as object, opts.overrides ?? []);
    afterPresets.push(later);
    if (!now.length) return config as UserConfig;
    return validate(configSchema, applyOverrides(config as UserConfig, now), `${label} with --set ${now.join(' ')}`) as UserConfig;
  });
  return {
    configs,
    afterPresets,
    filepath: found?.filepath,
    baseDir: found ? dirname(found.filepath) : cwd,
    sweep,
    overrides: opts.overrides ?? [],
    command: opts.command ?? 'run',
    cwd,
  };
}

function rethrowAsConfigError(where: string) {
  return (error: unknown): never => {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${where}: cannot load config: ${messageOf(error)}`, { cause: error });
  };
}

/** One `--set key.path=value`: the path's keys (array indexes as digit strings) and the value (JSON when it parses). */
interface Override {
  text: string;
  path: string[];
  value: unknown;
}

function parseOverride(text: string): Override {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new ConfigError(`--set ${text}: expected key.path=value`);
  const path = text
    .slice(0, eq)
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.');
  if (path.some((key) => !key || /[[\]]/.test(key)))
    throw new ConfigError(`--set ${text}: expected key.path=value (keys joined by ".", array indexes as [n])`);
  let value: unknown = text.slice(eq + 1);
  try {
    value = JSON.parse(value as string);
  } catch {
    // a bare string
  }
  return { text, path, value };
}

const isIndex = (key: string) => /^\d+$/.test(key);

/**
 * Apply `a.b[0].c=value` (or `a.b.0.c=value`) overrides; values parse as JSON
 * when they can. Missing objects and arrays on the way are created; an array
 * index may change an entry or append one (index = length), and anything past
 * that is an error naming the key and the array's length.
 */
export function applyOverrides<T extends object>(config: T, overrides: string[]): T {
  const out = structuredCloneConfig(config);
  for (const { text, path, value } of overrides.map(parseOverride)) {
    const at = (n: number) => keyPath(path.slice(0, n).map((k) => (isIndex(k) ? Number(k) : k)));
    let node = out as Record<string, unknown>;
    path.forEach((key, i) => {
      if (Array.isArray(node) && !isIndex(key)) {
        const named = node.findIndex((entry) => (entry as { name?: unknown } | null)?.name === key);
        throw new ConfigError(
          `--set ${text}: ${at(i)} is an array: name an entry by its index (${named >= 0 ? `the entry named "${key}" is ${at(i)}[${named}]` : `e.g. ${at(i)}[0]`})`,
        );
      }
      if (Array.isArray(node) && isIndex(key) && Number(key) > node.length) {
        const change = node.length ? `${node.length === 1 ? '0' : `0-${node.length - 1}`} to change an entry or ` : '';
        throw new ConfigError(
          `--set ${text}: index ${key} is past the end of ${at(i)} (${node.length} ${node.length === 1 ? 'entry' : 'entries'}); use ${change}${node.length} to append one`,
        );
      }
      if (i === path.length - 1) {
        node[key] = value;
        return;
      }
      const next = node[key];
      if (next === undefined || next === null) node[key] = isIndex(path[i + 1]!) ? [] : {};
      else if (typeof next !== 'object') throw new ConfigError(`--set ${text}: ${at(i + 1)} is a ${typeof next}, not an object`);
      node = node[key] as Record<string, unknown>;
    });
  }
  return out;
}

/** Keys resolved from the user's config alone (they choose the presets and plugins): overrides there never wait for presets. */
const RESOLVED_FIRST = new Set(['presets', 'plugins']);

/**
 * Which overrides apply to the user's config itself and which to the config
 * after the presets' settings are merged in. An override goes to the user's
 * config when every key above the one it sets is there (or it sets a
 * top-level key); otherwise the value it edits comes from a preset (e.g.
 * `curriculum[1].options.lr` when the preset provides `curriculum`), so it is
 * applied after the merge. An override touching a key a deferred one touched
 * is deferred too, so overrides still apply in the order given.
 */
export function splitOverrides(config: object, overrides: string[]): { now: string[]; afterPresets: string[] } {
  const now: string[] = [];
  const afterPresets: string[] = [];
  const deferred: string[][] = [];
  const overlaps = (a: string[], b: string[]) => a.slice(0, b.length).every((k, i) => k === b[i]) || b.slice(0, a.length).every((k, i) => k === a[i]);
  for (const override of overrides) {
    const { path } = parseOverride(override);
    let node: unknown = config;
    const parentsThere = path.slice(0, -1).every((key) => {
      node = node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
      return node !== undefined && node !== null;
    });
    if (!RESOLVED_FIRST.has(path[0]!) && (!parentsThere || deferred.some((d) => overlaps(d, path)))) {
      afterPresets.push(override);
      deferred.push(path);
    } else now.push(override);
  }
  return { now, afterPresets };
}

/** Deep copy of plain data; plugin objects and functions are kept by reference. */
function structuredCloneConfig<T>(value: T): T {
  if (Array.isArray(value)) return value.map(structuredCloneConfig) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, structuredCloneConfig(v)])) as T;
  return value;
}

// ---------------------------------------------------------------------------
// Merging preset settings and normalising
// ---------------------------------------------------------------------------

/**
 * Merge config layers, highest priority first (user config, then presets in
 * resolution order). Objects merge key by key; arrays and values are taken
 * whole from the first layer that has them.
 */
export function mergeLayers(layers: Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      const have = out[key];
      if (have === undefined) out[key] = value;
      else if (isPlainObject(have) && isPlainObject(value)) out[key] = mergeLayers([have, value]);
    }
  }
  return out;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

type ParsedConfig = z.output<typeof configSchema>;

/** Apply core defaults and normalise shorthands (model id, single selections). */
export function finalizeConfig(merged: ParsedConfig, where: string): LadderConfig {
  const names = new Set<string>();
  const curriculum = (merged.curriculum ?? []).map((stage, i): StageEntry => {
    if (names.has(stage.name)) throw new ConfigError(`${where}: curriculum[${i}].name: "${stage.name}" is used twice`);
    names.add(stage.name);
    const data = stage.data === undefined ? [{}] : Array.isArray(stage.data) ? stage.data : [stage.data];
    return {
      name: stage.name,
      kind: stage.kind,
      ...(stage.engine ? { engine: stage.engine } : {}),
      data: data as DataSelection[],
      ...(stage.rewards ? { rewards: stage.rewards } : {}),
      options: stage.options ?? {},
      evaluate: stage.evaluate ?? true,
    };
  });
  const model = typeof merged.model === 'string' ? { id: merged.model } : merged.model;
  return {
    name: merged.name ?? CORE_DEFAULTS.name,
    seed: merged.seed ?? CORE_DEFAULTS.seed,
    data: merged.data ?? {},
    model: { id: model?.id ?? '', options: model?.options ?? {} },
    curriculum,
    engine: merged.engine ?? EMBEDDED_ENGINE,
    rewards: merged.rewards ?? { ...CORE_DEFAULTS.rewards },
    evaluate: {
      benchmarks: merged.evaluate?.benchmarks ?? [],
      at: merged.evaluate?.at,
      limit: merged.evaluate?.limit,
      batchSize: merged.evaluate?.batchSize ?? CORE_DEFAULTS.batchSize,
      strict: merged.evaluate?.strict ?? false,
      maxErrors: merged.evaluate?.maxErrors ?? 0,
      chance: merged.evaluate?.chance ?? CORE_DEFAULTS.chance,
      prior: merged.evaluate?.prior ?? CORE_DEFAULTS.prior,
      blind: merged.evaluate?.blind ?? true,
      swapped: merged.evaluate?.swapped ?? true,
    },
    ablations: merged.ablations ?? {},
    runsDir: merged.runsDir ?? CORE_DEFAULTS.runsDir,
    cacheDir: merged.cacheDir ?? CORE_DEFAULTS.cacheDir,
  };
}
