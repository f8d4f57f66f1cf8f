/**
 * The dataset builder's settings (config key `data`), validated with errors
 * that name the key, and the content hash that names the cached dataset:
 * source id and options, generator and filter plugins with their options,
 * the settings that change content, and the seed.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { ConfigError, datasetSeed, DEFAULT_SOURCE, MODALITIES, stableJson, z, type Ladder, type Modality } from '../../core/index.ts';
import { PAPER_BUDGET } from '../../lib/media/index.ts';
import { DEFAULT_MODALITY_SETTINGS } from '../../lib/tasks/index.ts';

/** Bump when the builder's output changes for the same inputs. */
export const DATASET_FORMAT = 4;

const modality = z.enum(MODALITIES as [Modality, ...Modality[]]);

const split = z.union([
  z.strictObject({
    /** Fraction of scenes held out (seeded): the `held-out` benchmark. */
    heldOut: z.number().min(0).max(1),
    /** Fraction of scenes for validation (seeded, drawn after the held-out ones): the `validation` benchmark, for tuning. */
    validation: z.number().min(0).max(1).optional(),
  }),
  z.strictObject({
    /** Scene ids held out; every other scene trains (or only `train` when given). */
    heldOut: z.array(z.string().min(1)),
    /** Scene ids for validation, or a fraction of all scenes drawn (seeded) from those neither held out nor listed to train. */
    validation: z.union([z.array(z.string().min(1)), z.number().min(0).max(1)]).optional(),
    train: z.array(z.string().min(1)).optional(),
  }),
]);

const settingsShape = {
  /** Scene source id (a key of the `sources` hook). */
  source: z.string().min(1).default(DEFAULT_SOURCE),
  /** Use only the first N scenes of the source's list. */
  scenes: z.number().int().positive().optional(),
  /** Seed of the dataset (default: the config's `seed`), so training seeds can vary over one dataset. */
  seed: z.number().int().nonnegative().optional(),
  /** Task ids to generate (default: every registered task). */
  tasks: z.array(z.string().min(1)).min(1).optional(),
  modalities: z.array(modality).min(1).default([...MODALITIES]),
  /** Per-task options passed to generators (`TaskContext.options`). */
  taskOptions: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
  /** Candidates drawn per (scene, task, modality) before the filters. */
  candidates: z.number().int().positive().default(60),
  /** Views per multi-view question. */
  views: z.number().int().positive().default(DEFAULT_MODALITY_SETTINGS.views),
  /** Multi-view view sets per scene. */
  viewSets: z.number().int().positive().default(DEFAULT_MODALITY_SETTINGS.viewSets),
  /** Frames per video question. */
  frames: z.number().int().min(2).default(DEFAULT_MODALITY_SETTINGS.frames),
  /** Pixel budget of the images the model sees (Qwen2.5-VL smart resize). */
  pixels: z
    .strictObject({
      min: z.number().int().positive().default(PAPER_BUDGET.minPixels),
      max: z.number().int().positive().default(PAPER_BUDGET.maxPixels),
      factor: z.number().int().positive().default(PAPER_BUDGET.factor),
    })
    .refine((p) => p.min <= p.max, { message: 'min must not exceed max', path: ['min'] })
    .default({ min: PAPER_BUDGET.minPixels, max: PAPER_BUDGET.maxPixels, factor: PAPER_BUDGET.factor }),
  jpegQuality: z.number().int().min(1).max(100).default(90),
  split: split.default({ heldOut: 0.2 }),
  /** Worker threads generating scenes in parallel; 0 or 1 generates in this thread. Default: CPU cores, at most 4. */
  workers: z.number().int().nonnegative().optional(),
  /** Also write the released SpatialLadder-26k JSONL files. */
  export: z.boolean().default(true),
};

export type DataSettings = z.output<z.ZodObject<typeof settingsShape>> & {
  tasks: string[];
  seed: number;
  /** The chosen source's own settings (`data.<source id>`), hashed with the rest. */
  sourceData?: Record<string, unknown>;
};

/**
 * Validate `config.data`. Keys named after a registered source (e.g.
 * `data.scannet`) belong to that source and are passed through.
 */
export function resolveSettings(ladder: Ladder, data: Record<string, unknown>, seed: number): DataSettings {
  const sources = Object.fromEntries(ladder.ids('sources').map((id) => [id, z.record(z.string(), z.unknown()).optional()]));
  const parsed = ladder.validate(z.strictObject({ ...settingsShape, ...sources }), data, 'data') as Record<string, unknown> &
    z.output<z.ZodObject<typeof settingsShape>>;
  if (!ladder.has('sources', parsed.source))
    throw new ConfigError(
      `${ladder.where}: data.source: no scene source "${parsed.source}" is registered; known: ${ladder.ids('sources').join(', ') || '(none: add a source plugin)'}`,
    );
  const tasks = parsed.tasks ?? ladder.ids('tasks');
  const unknown = tasks.filter((id) => !ladder.has('tasks', id));
  if (unknown.length)
    throw new ConfigError(`${ladder.where}: data.tasks: unknown task ${unknown.join(', ')}; registered: ${ladder.ids('tasks').join(', ') || '(none)'}`);
  if (!tasks.length) throw new ConfigError(`${ladder.where}: data.tasks: no task generator is registered (add task plugins)`);
  const { [parsed.source]: sourceData, ...rest } = parsed;
  for (const id of ladder.ids('sources')) delete rest[id];
  return {
    ...(rest as z.output<z.ZodObject<typeof settingsShape>>),
    tasks,
    seed: datasetSeed({ seed, config: parsed }),
    ...(sourceData ? { sourceData: sourceData as Record<string, unknown> } : {}),
  };
}

const pluginOptions = (ladder: Ladder, name: string | undefined) => ladder.plugins.find((p) => p.name === name)?.options ?? null;

/** A registered id with the plugin that provides it and that plugin's options. */
function provided(ladder: Ladder, kind: 'sources' | 'tasks', id: string) {
  const plugin = ladder.owner(kind, id);
  return { id, plugin, options: pluginOptions(ladder, plugin) };
}

/** Everything that decides the dataset's content. */
function datasetInputs(ladder: Ladder, settings: DataSettings) {
  const { workers: _w, ...content } = settings;
  const { version } = ladder.get('sources', settings.source);
  return {
    format: DATASET_FORMAT,
    source: { ...provided(ladder, 'sources', settings.source), ...(version === undefined ? {} : { version }) },
    settings: content,
    tasks: settings.tasks.map((id) => provided(ladder, 'tasks', id)),
    filters: ladder.hooks.filters.taps.map((tap) => ({ name: tap.name, options: pluginOptions(ladder, tap.name) })),
  };
}

export interface DatasetPlan {
  settings: DataSettings;
  inputs: ReturnType<typeof datasetInputs>;
  /** 16 hex digits of the SHA-256 of the inputs. */
  hash: string;
  dir: string;
}

export function datasetPlan(ladder: Ladder, data: Record<string, unknown>, seed: number, cacheDir: string): DatasetPlan {
  const settings = resolveSettings(ladder, data, seed);
  const inputs = datasetInputs(ladder, settings);
  const hash = createHash('sha256').update(stableJson(inputs)).digest('hex').slice(0, 16);
  return { settings, inputs, hash, dir: resolve(cacheDir, 'datasets', hash) };
}
