/**
 * Building a dataset directory, cached by content:
 *
 *   <cacheDir>/datasets/<hash>/
 *     manifest.json       source, settings, generator and filter plugins, seed, scene split, counts, hash
 *     samples.jsonl       one Sample per line (core/types.ts), scene by scene
 *     media/<scene>/      resized colour images (<frame>.jpg) and the scene video
 *     export/<split>/     the released SpatialLadder-26k files (lib/formats)
 *     stats.json, *.png   statistics (stats.ts)
 *
 * The hash covers everything that decides the content (settings.ts), so a
 * second build with the same inputs finds the directory and does nothing.
 * The directory is used only when complete: the manifest, written last,
 * lists every file with its size (and the SHA-256 of samples.jsonl), checked
 * on every load; an incomplete one is built again. A build holds the lock
 * `<hash>.lock` (a second build of the same dataset waits, then finds it
 * built), writes into `<hash>.partial/` and renames it at the end; each
 * finished scene leaves `scenes/<scene>.json` there, so a crashed build
 * resumes where it stopped (after sweeping the crashed build's temporary
 * files). The same seed gives the same bytes whatever the number of worker
 * threads.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import {
  createRandom,
  describeHolder,
  fileSizes,
  LadderError,
  readJsonLines,
  sweepLeftovers,
  tempOwner,
  withLock,
  sourceContext,
  writeFileAtomic,
  writeJsonAtomic,
  type Dataset,
  type DatasetRequest,
  type LockHolder,
  type Ladder,
  type Sample,
  type SourceContext,
  MODALITIES,
} from '../../core/index.ts';
import { balanceLetters } from '../../lib/tasks/index.ts';
import { writeSpatialLadderFiles } from '../../lib/formats/index.ts';
import { datasetPlan, type DatasetPlan } from './settings.ts';
import { processScene, safeName, sceneDone, sceneResultPath, type SceneJob, type SceneResult } from './scene-work.ts';
import { splitScenes, type SceneSplit } from './split.ts';
import { computeStats, writeStats } from './stats.ts';
import { isPlainData, runInWorkers, workerObstacle } from './workers.ts';

export interface BuildOptions {
  /** Delete the cached dataset and any partial build first. */
  force?: boolean;
  /** Override `data.workers`. */
  workers?: number;
}

export interface BuiltDataset extends Dataset {
  hash: string;
  /** True when the dataset was already built (nothing was done). */
  cached: boolean;
}

/** What a manifest says about the files of its dataset. */
interface DatasetFiles {
  samples: string;
  export: string[];
  media: string;
  /** Every file but manifest.json (paths relative to the dataset) -> bytes. */
  sizes: Record<string, number>;
  /** SHA-256 (hex) of the files training reads as a whole. */
  sha256: Record<string, string>;
}

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/**
 * Why the dataset in `dir` cannot be used as it is (a file its manifest
 * lists is missing, has another size or another hash), or undefined when it
 * is complete.
 */
export function datasetProblem(dir: string): string | undefined {
  let manifest: { files?: Partial<DatasetFiles> };
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as typeof manifest;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no manifest.json' : `manifest.json is unreadable (${(error as Error).message})`;
  }
  const { sizes, sha256: hashes = {} } = manifest.files ?? {};
  if (!sizes) return 'its manifest lists no files (written by an older version)';
  for (const [file, size] of Object.entries(sizes)) {
    const found = existsSync(join(dir, file)) ? statSync(join(dir, file)).size : undefined;
    if (found === undefined) return `${file} is missing`;
    if (found !== size) return `${file} has ${found} bytes, the manifest says ${size}`;
  }
  for (const [file, hash] of Object.entries(hashes)) if (sha256(readFileSync(join(dir, file))) !== hash) return `${file} differs from the manifest's SHA-256`;
  return undefined;
}

/** The dataset in `dir`, checked complete against its manifest. */
export function loadDataset(dir: string): Dataset {
  const problem = datasetProblem(dir);
  if (problem === 'no manifest.json') throw new LadderError(`${dir}: not a dataset directory (no manifest.json)`);
  if (problem) throw new LadderError(`${dir}: incomplete dataset (${problem}); build it again (ladder data build --force)`);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  return { dir, manifest, samples: readJsonLines<Sample>(join(dir, 'samples.jsonl')) };
}

/** Remove every temporary file under `dir` (call while holding the dataset's lock: they are a crashed build's). */
async function sweepTemporary(dir: string): Promise<void> {
  await sweepLeftovers(dir, (name) => tempOwner(name) !== undefined);
  for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) await sweepTemporary(join(dir, entry.name));
}

/**
 * Balance answer letters over the whole dataset, in the order train,
 * held-out, validation, modality by modality, so each of those runs is
 * balanced too.
 */
function balanced(samples: Sample[], seed: number): Sample[] {
  const rank = (s: Sample) => (s.split === 'held-out' ? 10 : s.split === 'validation' ? 20 : 0) + MODALITIES.indexOf(s.modality);
  const order = samples.map((_, i) => i).sort((a, b) => rank(samples[a]!) - rank(samples[b]!) || a - b);
  const placed = balanceLetters(order.map((i) => samples[i]!), createRandom(seed, 'letters'));
  const out = [...samples];
  order.forEach((i, k) => (out[i] = placed[k]!));
  return out;
}

const countBy = (items: Sample[], key: (s: Sample) => string) => {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
};

const sumInto = (target: Record<string, number>, add: Record<string, number>) => {
  for (const [k, v] of Object.entries(add)) target[k] = (target[k] ?? 0) + v;
};

/**
 * The dataset of `request`, built unless a complete one is cached. Holds the
 * dataset's lock throughout: a concurrent build of the same dataset waits
 * (saying for whom) and then finds it built.
 */
export async function buildCachedDataset(ladder: Ladder, request: DatasetRequest, options: BuildOptions = {}): Promise<BuiltDataset> {
  const plan = datasetPlan(ladder, request.config, request.seed, request.cacheDir);
  const waiting = (holder: LockHolder | undefined) => request.log(`dataset ${plan.hash}: waiting for ${describeHolder(holder)}, which is building it`);
  return withLock(plan.dir, { what: `dataset ${plan.hash} (${plan.dir})`, wait: true, onWait: waiting }, () => build(ladder, request, plan, options));
}

async function build(ladder: Ladder, request: DatasetRequest, plan: DatasetPlan, options: BuildOptions): Promise<BuiltDataset> {
  const partial = `${plan.dir}.partial`;
  if (options.force) await Promise.all([rm(plan.dir, { recursive: true, force: true }), rm(partial, { recursive: true, force: true })]);
  else if (existsSync(plan.dir)) {
    const problem = datasetProblem(plan.dir);
    if (!problem) {
      request.log(`dataset ${plan.hash} is up to date in ${plan.dir} (cached: nothing to build)`);
      return { ...loadDataset(plan.dir), hash: plan.hash, cached: true };
    }
    request.log(`dataset ${plan.hash} in ${plan.dir} is incomplete (${problem}): building it again`);
    await rm(plan.dir, { recursive: true, force: true });
  }
  if (existsSync(partial)) await sweepTemporary(partial);
  const started = Date.now();
  const { settings } = plan;
  const context = sourceContext(request);
  let ids = await ladder.get('sources', settings.source).list(context);
  if (settings.scenes) ids = ids.slice(0, settings.scenes);
  if (!ids.length) throw new LadderError(`scene source "${settings.source}" lists no scenes`);
  const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (twice.length) throw new LadderError(`scene source "${settings.source}" lists scene ${twice.join(', ')} more than once`);
  const folders = new Map<string, string>();
  for (const id of ids) {
    const other = folders.get(safeName(id));
    if (other !== undefined) throw new LadderError(`scenes "${other}" and "${id}" would share the media folder ${safeName(id)}`);
    folders.set(safeName(id), id);
  }
  const split = splitScenes(ids, settings.split, settings.seed, ladder.where);
  const used = ids.filter((id) => split.train.includes(id) || split.heldOut.includes(id) || split.validation.includes(id));

  await mkdir(join(partial, 'scenes'), { recursive: true });
  const todo = used.filter((id) => !sceneDone(partial, id));
  if (todo.length < used.length) request.log(`dataset ${plan.hash}: resuming, ${used.length - todo.length} of ${used.length} scenes already generated`);
  const progress = request.progress(`dataset ${plan.hash.slice(0, 8)}`, used.length);
  progress.tick(used.length - todo.length);
  await generateScenes(ladder, request, plan, partial, context, todo, options.workers ?? settings.workers, (scene) => progress.tick(1, scene));
  progress.done();

  const results = used.map((id) => JSON.parse(readFileSync(sceneResultPath(partial, id), 'utf8')) as SceneResult);
  const splitOf = (scene: string): NonNullable<Sample['split']> =>
    split.heldOut.includes(scene) ? 'held-out' : split.validation.includes(scene) ? 'validation' : 'train';
  const samples = balanced(
    results.flatMap((r) => r.samples.map((s): Sample => ({ ...s, split: splitOf(r.scene) }))),
    settings.seed,
  );
  const skipped = results.filter((r) => r.skipped !== undefined).map((r) => ({ id: r.scene, error: r.skipped! }));
  const empty = emptySplits(split, samples, skipped);
  if (empty.length) throw new LadderError(`dataset ${plan.hash}: ${empty.join('; ')}`);
  const kept = (ids: string[]) => ids.filter((id) => !skipped.some((s) => s.id === id));
  const generated: Record<string, number> = {};
  const drops: Record<string, number> = {};
  for (const r of results) {
    sumInto(generated, r.generated);
    sumInto(drops, r.drops);
  }
  const lines = samples.map((s) => `${JSON.stringify(s)}\n`).join('');
  await writeFileAtomic(join(partial, 'samples.jsonl'), lines);
  const exported = settings.export ? await writeSpatialLadderFiles(partial, samples) : [];
  const manifest = {
    format: plan.inputs.format,
    hash: plan.hash,
    seed: settings.seed,
    source: plan.inputs.source,
    settings: plan.inputs.settings,
    tasks: plan.inputs.tasks.map((t) => ({ ...t, modalities: ladder.get('tasks', t.id).modalities.filter((m) => settings.modalities.includes(m)) })),
    filters: plan.inputs.filters,
    scenes: { train: kept(split.train), heldOut: kept(split.heldOut), ...(split.validation.length && { validation: kept(split.validation) }), skipped },
    counts: {
      samples: samples.length,
      train: samples.filter((s) => s.split === 'train').length,
      heldOut: samples.filter((s) => s.split === 'held-out').length,
      ...(split.validation.length && { validation: samples.filter((s) => s.split === 'validation').length }),
      byCell: countBy(samples, (s) => `${s.task}/${s.modality}`),
    },
    candidates: { generated: Object.values(generated).reduce((a, b) => a + b, 0), byCell: generated, drops },
  };
  await writeStats(partial, computeStats(samples, manifest));
  // listed last, so the list holds every file (the per-scene markers in scenes/ are removed below)
  const files: DatasetFiles = {
    samples: 'samples.jsonl',
    export: exported,
    media: 'media',
    sizes: await fileSizes(partial, (path) => path === 'scenes' || path === 'manifest.json'),
    sha256: { 'samples.jsonl': sha256(lines) },
  };
  await writeJsonAtomic(join(partial, 'manifest.json'), { ...manifest, files });
  await rm(join(partial, 'scenes'), { recursive: true, force: true });
  await rm(plan.dir, { recursive: true, force: true });
  await rename(partial, plan.dir);
  request.log(
    `dataset ${plan.hash}: ${samples.length} samples (${manifest.counts.train} train, ${manifest.counts.heldOut} held-out${split.validation.length ? `, ${manifest.counts.validation} validation` : ''}) from ${used.length - skipped.length} scenes${skipped.length ? ` (${skipped.length} bad scene(s) skipped)` : ''} in ${((Date.now() - started) / 1000).toFixed(1)}s -> ${plan.dir}`,
  );
  return { dir: plan.dir, manifest: { ...manifest, files }, samples, hash: plan.hash, cached: false };
}

/**
 * Splits that were given scenes but got no samples (their scenes were all
 * skipped as bad, or the filters left nothing): training or evaluating on
 * nothing is an error, not an empty number.
 */
function emptySplits(split: SceneSplit, samples: Sample[], skipped: { id: string }[]): string[] {
  const out: string[] = [];
  for (const [name, ids] of [['train', split.train], ['held-out', split.heldOut], ['validation', split.validation]] as const) {
    if (!ids.length || samples.some((s) => s.split === name)) continue;
    const bad = ids.filter((id) => skipped.some((s) => s.id === id));
    const list = (some: string[]) => `${some.slice(0, 5).join(', ')}${some.length > 5 ? ', ...' : ''}`;
    out.push(
      bad.length === ids.length
        ? `the ${name} split is empty: all its ${ids.length} scene(s) were skipped as bad (${list(bad)})`
        : `the ${name} split has no samples: its ${ids.length} scene(s) (${list(ids)}) gave none after the filters${bad.length ? `, ${bad.length} were skipped as bad` : ''}`,
    );
  }
  return out;
}

/** Process scenes in worker threads when there is more than one scene and worker, else here. */
async function generateScenes(
  ladder: Ladder,
  request: DatasetRequest,
  plan: DatasetPlan,
  partial: string,
  sourceContext: SourceContext,
  scenes: string[],
  workers: number | undefined,
  onDone: (scene: string) => void,
): Promise<void> {
  const count = Math.min(workers ?? Math.min(availableParallelism(), 4), scenes.length);
  const obstacle = count > 1 ? workerObstacle(ladder) : undefined;
  if (count > 1 && !obstacle) {
    const origin = ladder.origin!;
    await runInWorkers(
      {
        origin: { baseDir: origin.baseDir, where: origin.where, defaults: origin.defaults, overrides: origin.overrides, file: origin.file, ...(isPlainData(origin.config) ? { config: origin.config } : {}) },
        data: request.config,
        seed: request.seed,
        cacheDir: request.cacheDir,
        hash: plan.hash,
        partial,
      },
      scenes,
      count,
      { onDone, log: request.log },
    );
    return;
  }
  if (obstacle) request.log(`dataset ${plan.hash}: generating in this thread (${obstacle})`);
  const job: SceneJob = { ladder, settings: plan.settings, partial, sourceContext };
  for (const scene of scenes) {
    await processScene(job, scene);
    onDone(scene);
  }
}
