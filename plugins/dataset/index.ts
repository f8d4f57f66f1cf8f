/**
 * dataset: builds the dataset the curriculum trains on (the `dataset` hook)
 * from a scene source, the task generators and the quality filters, cached
 * by content (build.ts), and adds `ladder data build | stats | check | export`.
 * Settings live under the config key `data` (settings.ts, README.md).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { datasetRequest, definePlugin, outputFolder, UsageError, z, type Dataset, type Ladder } from '../../core/index.ts';
import { buildCachedDataset, loadDataset, type BuildOptions, type BuiltDataset } from './build.ts';
import { checkDataset, enabledCells } from './check.ts';
import { computeStats, formatStats, writeStats } from './stats.ts';
import { EXPORT_FORMATS, exportDataset, type ExportFormat } from '../../lib/formats/index.ts';

const PLUGIN_NAME = 'dataset';

export { buildCachedDataset, loadDataset } from './build.ts';
export { checkDataset, coverageProblems, enabledCells, sampleProblems } from './check.ts';
export { computeStats, formatStats, writeStats, type DatasetStats } from './stats.ts';
export { datasetPlan, resolveSettings, type DataSettings } from './settings.ts';
export { splitScenes } from './split.ts';

function args<T extends Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>>(action: string, argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(`ladder data ${action}: ${(error as Error).message}`);
  }
}

/** A dataset named on the command line: a folder that holds none is a usage error naming the option. */
function named(option: string, dir: string): Dataset {
  if (!existsSync(join(dir, 'manifest.json'))) throw new UsageError(`${option} ${dir}: not a dataset directory (no manifest.json)`);
  return loadDataset(dir);
}

/** The dataset at `--dir`, or the current config's (built if needed; a no-op when cached). */
async function target(ladder: Ladder, dir: string | undefined, options: BuildOptions = {}): Promise<Dataset | BuiltDataset> {
  return dir ? named('--dir', dir) : buildCachedDataset(ladder, datasetRequest(ladder), options);
}

export default definePlugin({
  name: PLUGIN_NAME,
  options: z.strictObject({}),
  apply(ladder) {
    ladder.hooks.dataset.tapPromise(PLUGIN_NAME, (req) => buildCachedDataset(ladder, req));

    ladder.hooks.commands.for('data build').tap(PLUGIN_NAME, () => ({
      description: 'build the dataset of this config (cached by content: a second build with the same inputs does nothing)',
      usage: '[--force] [--workers N]',
      json: true,
      async run(argv, ctx) {
        const opts = args('build', argv, { force: { type: 'boolean' }, workers: { type: 'string' } });
        const workers = opts.workers === undefined ? undefined : Number(opts.workers);
        if (workers !== undefined && !(Number.isInteger(workers) && workers >= 0)) throw new UsageError(`--workers ${opts.workers}: expected a non-negative integer`);
        const dataset = await buildCachedDataset(ladder, datasetRequest(ladder), { force: !!opts.force, workers });
        const stats = computeStats(dataset.samples, dataset.manifest);
        if (ctx.json) ctx.print(JSON.stringify({ dir: dataset.dir, hash: dataset.hash, cached: dataset.cached, samples: stats.samples, split: stats.split, skipped: stats.skipped }));
        else ctx.print(`${dataset.cached ? 'up to date (cached)' : 'built'}: ${dataset.dir}\n\n${formatStats(stats)}`);
      },
    }));

    ladder.hooks.commands.for('data stats').tap(PLUGIN_NAME, () => ({
      description: 'print the dataset statistics (paper Table 6 layout, filter drops, answer letters, numeric answers) and write them as JSON and PNG',
      usage: '[--dir DATASET] [--out DIR]',
      json: true,
      async run(argv, ctx) {
        const opts = args('stats', argv, { dir: { type: 'string' }, out: { type: 'string' } });
        if (opts.out) outputFolder('ladder data stats --out', opts.out);
        const dataset = await target(ladder, opts.dir);
        const stats = computeStats(dataset.samples, dataset.manifest);
        const out = opts.out ?? dataset.dir;
        const files = await writeStats(out, stats);
        if (ctx.json) ctx.print(JSON.stringify(stats));
        else ctx.print(`${formatStats(stats)}\n\nwrote ${files.join(', ')} to ${out}`);
      },
    }));

    ladder.hooks.commands.for('data export').tap(PLUGIN_NAME, () => ({
      description: 'write the dataset as another trainer reads it (trl, vlm-r1, spatialladder), with its images and a Hugging Face dataset card',
      usage: `--format ${EXPORT_FORMATS.join('|')} --out DIR [--dir DATASET] [--force]`,
      json: true,
      help: [
        '  trl            conversational prompt/completion rows with images, as TRL\'s SFTTrainer and GRPOTrainer read them:',
        '                 configs perception (localization), understanding (direct answers), reasoning (think prompt, for GRPO)',
        "  vlm-r1         VLM-R1's JSON Lines (image, conversations with <image> tokens): configs grounding, spatial",
        '  spatialladder  the released SpatialLadder-26k files (spld_grounding_data.jsonl, spld_spatial_data.jsonl)',
        'Every format names the resized images the model sees (copied or hard-linked into DIR/media), localization',
        'boxes in their pixels, splits train, held_out and validation (by scene; validation when the dataset has one),',
        'and README.md with the dataset card.',
      ].join('\n'),
      async run(argv, ctx) {
        const opts = args('export', argv, { format: { type: 'string' }, out: { type: 'string' }, dir: { type: 'string' }, force: { type: 'boolean' } });
        if (!opts.format || !(EXPORT_FORMATS as readonly string[]).includes(opts.format)) throw new UsageError(`ladder data export: --format ${opts.format ?? '(missing)'}: expected one of ${EXPORT_FORMATS.join(', ')}`);
        if (!opts.out) throw new UsageError('ladder data export: --out DIR is required');
        const out = outputFolder('ladder data export --out', resolve(opts.out));
        if (existsSync(out) && readdirSync(out).length && !opts.force) throw new UsageError(`ladder data export: ${out} is not empty (pass --force to write into it)`);
        const dataset = await target(ladder, opts.dir);
        let ticker: ReturnType<Ladder['progress']> | undefined;
        const written = await exportDataset(dataset, opts.format as ExportFormat, out, (done, total) => {
          ticker ??= ladder.progress('export media', total);
          ticker.tick(1);
          if (done === total) ticker.done();
        });
        if (ctx.json) ctx.print(JSON.stringify({ out, format: opts.format, ...written }));
        else ctx.print(`exported ${dataset.dir} as ${opts.format} -> ${out}\n${Object.entries(written.rows).map(([config, splits]) => `  ${config}: ${Object.entries(splits).map(([s, n]) => `${n} ${s}`).join(', ')}`).join('\n')}`);
      },
    }));

    ladder.hooks.commands.for('data check').tap(PLUGIN_NAME, () => ({
      description: 'prove that no scene is in two of the train, held-out and validation splits (also against other datasets), and check samples, media and coverage',
      usage: '[--dir DATASET] [--against DATASET ...]',
      json: true,
      async run(argv, ctx) {
        const opts = args('check', argv, { dir: { type: 'string' }, against: { type: 'string', multiple: true } });
        const dataset = await target(ladder, opts.dir);
        const others = (opts.against ?? []).map((dir) => named('--against', dir));
        const report = checkDataset(dataset, others, enabledCells(dataset.manifest));
        if (ctx.json) ctx.print(JSON.stringify({ dir: dataset.dir, ...report }));
        else {
          ctx.print(`dataset ${dataset.dir}`);
          ctx.print(`  train scenes (${report.scenes.train.length}): ${report.scenes.train.join(', ')}`);
          ctx.print(`  held-out scenes (${report.scenes.heldOut.length}): ${report.scenes.heldOut.join(', ')}`);
          if (report.scenes.validation.length) ctx.print(`  validation scenes (${report.scenes.validation.length}): ${report.scenes.validation.join(', ')}`);
          for (const other of others) ctx.print(`  checked against ${other.dir}`);
          ctx.print(report.ok ? `ok: no scene is in two splits; ${dataset.samples.length} samples valid; every cell covered` : `${report.problems.length} problem(s):\n${report.problems.map((p) => `  - ${p}`).join('\n')}`);
        }
        return report.ok ? 0 : 1;
      },
    }));
  },
});
