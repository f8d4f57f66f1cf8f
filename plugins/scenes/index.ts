/**
 * scenes: the `ladder data scenes` command. Loads every scene of the
 * configured source (`data.source`), which writes the unified metadata (one
 * JSON per scene, cached), and prints a summary table with a progress bar.
 *
 *   ladder data scenes                      the default (procedural) scenes
 *   ladder data scenes -c scannet.config.ts --limit 20 --json
 */
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  datasetRequest,
  DEFAULT_SOURCE,
  definePlugin,
  loadScenes,
  markdownTable,
  sourceContext,
  UsageError,
  z,
  type CommandContext,
  type Ladder,
  type SkippedScene,
} from '../../core/index.ts';
import { metadataPath } from '../../lib/scannet-format/index.ts';
import { summarize, type SceneSummary } from './summary.ts';

const PLUGIN_NAME = 'scenes';

/** The part of `data` this command reads (the dataset builder owns the rest). */
export const dataOptions = z.looseObject({
  /** Scene source id (registry `sources`). */
  source: z.string().min(1).default(DEFAULT_SOURCE),
  /** The dataset's seed, which seeds the source too (procedural scenes). */
  seed: z.number().int().nonnegative().optional(),
});

const USAGE = '[--scenes id,id,...] [--limit n] [--force] [--on-bad-scene stop|skip] [--json]';

interface Args {
  scenes?: string[];
  limit?: number;
  force: boolean;
  onBadScene?: 'stop' | 'skip';
}

function parseArgs(args: string[]): Args {
  const out: Args = { force: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = () => {
      const next = args[++i];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`ladder data scenes ${arg}: expects a value`);
      return next;
    };
    if (arg === '--scenes') out.scenes = value().split(',').filter(Boolean);
    else if (arg === '--limit') {
      const text = value();
      if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`ladder data scenes --limit ${text}: expected a positive integer`);
      out.limit = Number(text);
    } else if (arg === '--force') out.force = true;
    else if (arg === '--on-bad-scene') {
      const text = value();
      if (text !== 'stop' && text !== 'skip') throw new UsageError(`ladder data scenes --on-bad-scene ${text}: expected stop or skip`);
      out.onBadScene = text;
    } else throw new UsageError(`ladder data scenes: unknown option ${arg}; usage: ladder data scenes ${USAGE}`);
  }
  return out;
}

async function scenesCommand(ladder: Ladder, argv: string[], { json, print }: CommandContext): Promise<number> {
  const args = parseArgs(argv);
  const data = ladder.validate(dataOptions, ladder.config.data, 'data');
  const source = ladder.get('sources', data.source);
  const ctx = sourceContext(datasetRequest(ladder));
  let ids = await source.list(ctx);
  if (args.scenes) {
    const unknown = args.scenes.filter((id) => !ids.includes(id));
    if (unknown.length) throw new UsageError(`ladder data scenes --scenes: ${unknown.join(', ')} not in source "${data.source}" (it has ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', ...' : ''})`);
    ids = args.scenes;
  }
  if (args.limit !== undefined) ids = ids.slice(0, args.limit);
  const rows: SceneSummary[] = [];
  const skipped: SkippedScene[] = [];
  const bar = ladder.progress(`scenes (${data.source})`, ids.length);
  const path = (id: string) => metadataPath(ctx.cacheDir, data.source, id);
  try {
    for await (const scene of loadScenes(source, ids, ctx, {
      onBadScene: args.onBadScene,
      before: args.force ? (id) => rm(path(id), { force: true }) : undefined,
      onSkip: (s) => {
        skipped.push(s);
        bar.tick(1, `${s.id} skipped`);
      },
    })) {
      rows.push(summarize(scene, path(scene.id)));
      bar.tick(1, scene.id);
    }
  } finally {
    bar.done();
  }
  const metadata = dirname(path('x'));
  if (json) {
    print(JSON.stringify({ source: data.source, metadata, scenes: rows, skipped }, null, 2));
    return 0;
  }
  const table = markdownTable(
    ['scene', 'objects', 'categories', 'views', 'mean visibility', 'floor area (m2)', 'notes'],
    rows.map((r) => [r.id, String(r.objects), String(r.categories), String(r.views), r.meanVisibility.toFixed(3), r.floorArea.toFixed(1), r.notes.join('; ') || '-']),
  );
  const lines = [table, '', `${rows.length} scene(s) from "${data.source}"; metadata (one JSON per scene): ${metadata}`];
  for (const s of skipped) lines.push(`skipped ${s.id}: ${s.error}`);
  print(lines.join('\n'));
  return 0;
}

export default definePlugin({
  name: PLUGIN_NAME,
  options: z.strictObject({}),
  apply(ladder) {
    ladder.hooks.commands.for('data scenes').tap(PLUGIN_NAME, () => ({
      description: 'load the scenes of data.source, write their metadata (one JSON per scene) and print a summary',
      usage: USAGE,
      json: true,
      run: (args, ctx) => scenesCommand(ladder, args, ctx),
    }));
  },
});

export { summarize, type SceneSummary } from './summary.ts';
