/**
 * `ladder pretrain tiny-vlm`: a base model for the ladder, pretrained as real
 * VLMs are before any spatial curriculum. It trains tiny-vlm with supervised
 * captions ("Describe the image." -> "a bed, a lamp and a window.", task-caption)
 * on procedural rooms other than the ladder's (scene ids from `--first`), so the
 * model learns what the categories look like; captions are none of the ladder's
 * or the benchmarks' question types (no count, box, distance, size, direction or
 * order). The result is a tiny-vlm checkpoint plus `pretrained.json` (the
 * command, settings, caption F1 with and without the images, and the sha256 of
 * every file); `model.options.base` starts a ladder from it.
 */
import { existsSync, readdirSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { createLadder, runCurriculum, UsageError, writeJsonAtomic, type Ladder, type PluginCommand } from '../../core/index.ts';

export interface PretrainSettings {
  /** Procedural rooms captioned. */
  scenes: number;
  /** Index of the first room: ids scene<9000 + first>_00 onwards, none of the default ladder's (0-149). */
  first: number;
  epochs: number;
  lr: number;
  /** Captions say where each category is across the image (task-caption's `positions`). */
  positions: boolean;
  /** Architecture and runtime options of the model (the calling config's `model.options`, without `base`). */
  model: Record<string, unknown>;
  /** A tiny-vlm checkpoint to continue from ("pretrained": the shipped base); absent: random weights. */
  from?: string;
}

export const PRETRAIN_DEFAULTS = { scenes: 699, first: 300, epochs: 4, lr: 1e-3 } as const;

/** The base this plugin ships (`base: "pretrained"`), made by this command; its pretrained.json says how. */
export const PRETRAINED_DIR = fileURLToPath(new URL('./pretrained/', import.meta.url));

/** The config of a pretraining run: captions of procedural rooms, one SFT stage, caption F1 on 5% of the rooms. */
export function pretrainConfig(s: PretrainSettings, dirs: { runsDir: string; cacheDir: string }, seed: number) {
  return {
    name: 'pretrain-tiny-vlm',
    seed,
    runsDir: dirs.runsDir,
    cacheDir: dirs.cacheDir,
    plugins: [
      ['source-procedural', { first: s.first, scenes: s.scenes, video: false, sensEvery: 0 }],
      'scenes',
      ['dataset', {}],
      ['task-caption', { positions: s.positions }],
      'model-tiny-vlm',
      'stage-sft',
      'benchmark-held-out',
    ],
    data: { source: 'procedural', seed, tasks: ['caption'], modalities: ['single-image'], split: { heldOut: 0.05 }, export: false },
    // "pretrained" by its directory: a directory base fixes the architecture (options that differ are an error, not random weights)
    model: { id: 'tiny-vlm', options: s.from ? { ...s.model, base: s.from === 'pretrained' ? PRETRAINED_DIR : s.from } : s.model },
    curriculum: [{ name: 'caption', kind: 'sft', options: { lr: s.lr, epochs: s.epochs } }],
    evaluate: { benchmarks: ['held-out'], at: ['caption'], chance: false, prior: false },
  };
}

/** The model options as the `--set` flags that give them (the command reproduces the base with them). */
const modelFlags = (model: Record<string, unknown>) =>
  Object.entries(model)
    .map(([key, value]) => ` --set model.options.${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join('');

const sha256 = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');

/** Mean caption F1 (x100) of a scored predictions file; undefined when the evaluation was not made (a swapped control of one held-out room). */
async function meanScore(file: string): Promise<number | undefined> {
  if (!existsSync(file)) return undefined;
  const rows = (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { score: number });
  return Math.round((1000 * rows.reduce((a, r) => a + r.score, 0)) / rows.length) / 10;
}

export async function pretrain(s: PretrainSettings, out: string, ladder: Ladder, seed: number, dirs: { runsDir: string; cacheDir: string }): Promise<Record<string, unknown>> {
  const inner = await createLadder(pretrainConfig(s, dirs, seed) as never, { where: 'ladder pretrain tiny-vlm' });
  const summary = await runCurriculum(inner, { force: true });
  const final = summary.state.stages[0]?.result?.checkpoint;
  if (!final) throw new Error(`pretrain tiny-vlm: the caption stage in ${summary.dir} left no checkpoint`);
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const files: Record<string, string> = {};
  // the model only: the optimizer state and the stage's progress stay in the run
  for (const name of (await readdir(final)).filter((f) => !/^(optimizer\.|stage\.json$)/.test(f)).sort()) {
    await copyFile(join(final, name), join(out, name));
    files[name] = await sha256(join(out, name));
  }
  const evals = join(summary.dir, 'eval', 'caption');
  const record = {
    command: `npx ladder pretrain tiny-vlm --scenes ${s.scenes} --first ${s.first} --epochs ${s.epochs} --lr ${s.lr}${s.positions ? ' --positions' : ''}${s.from ? ` --from ${s.from}` : ''} --seed ${seed}${modelFlags(s.model)}`,
    settings: { ...s, seed },
    // with the images, blank frames, and another room's images (absent when the held-out rooms are one)
    captionF1: {
      images: await meanScore(join(evals, 'held-out', 'predictions.jsonl')),
      blind: await meanScore(join(evals, 'held-out-blind', 'predictions.jsonl')),
      swapped: await meanScore(join(evals, 'held-out-swapped', 'predictions.jsonl')),
    },
    metrics: summary.state.stages[0]!.result!.metrics,
    sha256: files,
  };
  await writeJsonAtomic(join(out, 'pretrained.json'), record);
  const { images, blind, swapped } = record.captionF1;
  ladder.log(`pretrained base in ${out}: caption F1 ${images} with the images, ${blind} blind${swapped === undefined ? '' : `, ${swapped} with another room's images`}`);
  return record;
}

const number = (text: string | boolean | undefined, option: string, fallback: number, integer: boolean) => {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (typeof text !== 'string' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value)))
    throw new UsageError(`pretrain tiny-vlm: ${option} ${String(text)}: expected a positive ${integer ? 'integer' : 'number'}`);
  return value;
};

export function pretrainCommand(ladder: Ladder, parse: (argv: string[]) => Record<string, string | boolean | undefined>, defaultOut: string): PluginCommand {
  return {
    description: 'pretrain a tiny-vlm base on captions of procedural rooms the ladder never uses (recognition, none of the ladder\'s question types)',
    json: true,
    usage: `[--out DIR] [--scenes ${PRETRAIN_DEFAULTS.scenes}] [--first ${PRETRAIN_DEFAULTS.first}] [--epochs ${PRETRAIN_DEFAULTS.epochs}] [--lr ${PRETRAIN_DEFAULTS.lr}] [--positions] [--from DIR] [--force]`,
    help: [
      'Captions ("Describe the image." -> the categories a view shows, the most visible first) of',
      'procedural rooms scene<9000+first>_00 onwards, one SFT stage, caption F1 with and without the',
      'images on 5% of the rooms; then the checkpoint and pretrained.json (command, settings, F1,',
      "sha256 of every file) in --out. The architecture is this config's model.options. Start a",
      'ladder from it with model: { id: "tiny-vlm", options: { base: DIR } } ("pretrained": the',
      'base shipped in plugins/model-tiny-vlm/pretrained/, made by --force --set',
      'model.options.positions=rotary: its pretrained.json records the command).',
      '',
      `  --out DIR     where to write (default ${defaultOut}; replaced only with --force)`,
      `  --scenes N    rooms captioned (default ${PRETRAIN_DEFAULTS.scenes})`,
      `  --first N     index of the first room (default ${PRETRAIN_DEFAULTS.first}; the default ladder uses 0-149)`,
      `  --epochs N    epochs over the captions (default ${PRETRAIN_DEFAULTS.epochs})`,
      `  --lr X        learning rate (default ${PRETRAIN_DEFAULTS.lr})`,
      '  --positions   captions also say where each category is: "a bed on the left, a lamp in the middle."',
      '  --from DIR    continue from this tiny-vlm checkpoint ("pretrained": the shipped base) instead of random',
      "                weights: its architecture, its tokenizer grown by the captions' new words",
      "The seed is the config's (--seed).",
    ].join('\n'),
    async run(argv, ctx) {
      const opts = parse(argv);
      const out = resolve(typeof opts.out === 'string' ? opts.out : defaultOut);
      if (existsSync(out) && readdirSync(out).length && !opts.force) throw new UsageError(`pretrain tiny-vlm: ${out} is not empty (pass --force to replace it)`);
      const { base, ...model } = (ladder.config.model.options ?? {}) as Record<string, unknown>;
      const from = typeof opts.from === 'string' ? opts.from : undefined;
      // the preset's base ("pretrained") is for ladders; any other base, unless --from names it, would be dropped unseen
      if (!from && base !== undefined && base !== 'pretrained' && base !== 'none')
        throw new UsageError(`pretrain tiny-vlm: model.options.base ${String(base)} is not used (pretraining starts from random weights); pass --from ${String(base)} to continue from it`);
      if (from !== undefined && from !== 'pretrained' && !existsSync(join(resolve(from), 'policy.json')))
        throw new UsageError(`pretrain tiny-vlm: --from ${from}: not a tiny-vlm checkpoint (no policy.json in ${resolve(from)})`);
      const settings: PretrainSettings = {
        scenes: number(opts.scenes, '--scenes', PRETRAIN_DEFAULTS.scenes, true),
        first: number(opts.first, '--first', PRETRAIN_DEFAULTS.first, true),
        epochs: number(opts.epochs, '--epochs', PRETRAIN_DEFAULTS.epochs, true),
        lr: number(opts.lr, '--lr', PRETRAIN_DEFAULTS.lr, false),
        positions: opts.positions === true,
        model,
        ...(from ? { from } : {}),
      };
      if (settings.first + settings.scenes > 999) throw new UsageError('pretrain tiny-vlm: --first + --scenes must not exceed 999');
      const record = await pretrain(settings, out, ladder, ctx.seed, { runsDir: ctx.runsDir, cacheDir: ctx.cacheDir });
      ctx.print(ctx.json ? JSON.stringify({ out, ...record }) : `wrote ${out}\n${JSON.stringify(record.sha256, null, 2)}`);
    },
  };
}
