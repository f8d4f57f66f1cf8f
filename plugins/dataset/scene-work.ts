/**
 * One scene's share of a build, the same in the main thread and in a worker:
 * load the scene (core's loader: the bad-scene policy), draw candidates
 * from every task generator, run the `filters` waterfall (which counts what
 * each filter drops), write the media, add the twins of generators with a
 * `pair` method (localization's grounding twins), and save the scene's samples to
 * `<partial>/scenes/<scene>.json` (the marker a resumed build skips).
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import sharp from 'sharp';
import {
  createRandom,
  LadderError,
  loadScene,
  runFilters,
  writeFileAtomic,
  writeJsonAtomic,
  type Candidate,
  type Grounding,
  type Ladder,
  type ResizedImage,
  type Sample,
  type Scene,
  type SourceContext,
} from '../../core/index.ts';
import { smartResize } from '../../lib/media/index.ts';
import type { DataSettings } from './settings.ts';

/** What a scene contributes, as saved in `scenes/<scene>.json`. */
export interface SceneResult {
  scene: string;
  samples: Sample[];
  /** Candidates drawn per "task/modality". */
  generated: Record<string, number>;
  /** Candidates each filter (tap name) dropped. */
  drops: Record<string, number>;
  /** Why the scene was skipped as bad (the source's `onBadScene: 'skip'`); it then has no samples. */
  skipped?: string;
}

/** Scene ids become folder names: keep letters, digits, ".", "_", "-". */
export const safeName = (id: string): string => id.replace(/[^\w.-]/g, '_');

export const sceneResultPath = (partial: string, sceneId: string) => join(partial, 'scenes', `${safeName(sceneId)}.json`);

/** Draw up to `limit` candidates from every enabled (task, modality). */
function drawCandidates(ladder: Ladder, settings: DataSettings, scene: Scene, generated: Record<string, number>): Candidate[] {
  const out: Candidate[] = [];
  for (const taskId of settings.tasks) {
    const task = ladder.get('tasks', taskId);
    for (const modality of task.modalities) {
      if (!settings.modalities.includes(modality)) continue;
      const ctx = {
        seed: settings.seed,
        random: createRandom(settings.seed, `task/${scene.id}/${taskId}/${modality}`),
        options: { views: settings.views, viewSets: settings.viewSets, frames: settings.frames, ...settings.taskOptions[taskId] },
      };
      let n = 0;
      for (const candidate of task.generate(scene, modality, ctx)) {
        out.push(candidate);
        if (++n >= settings.candidates) break;
      }
      generated[`${taskId}/${modality}`] = n;
    }
  }
  return out;
}

/** Resize a colour image to the pixel budget and write it as JPEG; returns its sizes. */
async function writeImage(from: string, to: string, settings: DataSettings): Promise<ResizedImage> {
  const meta = await sharp(from).metadata();
  if (!meta.width || !meta.height) throw new LadderError(`${from}: cannot read the image size`);
  const resized = smartResize(meta.width, meta.height, { factor: settings.pixels.factor, minPixels: settings.pixels.min, maxPixels: settings.pixels.max });
  const jpeg = await sharp(from).resize(resized.width, resized.height, { fit: 'fill' }).jpeg({ quality: settings.jpegQuality }).toBuffer();
  await writeFileAtomic(to, jpeg);
  return { width: meta.width, height: meta.height, resized };
}

export interface SceneJob {
  ladder: Ladder;
  settings: DataSettings;
  /** The build's partial directory. */
  partial: string;
  sourceContext: SourceContext;
}

export async function processScene(job: SceneJob, sceneId: string): Promise<SceneResult> {
  const { ladder, settings, partial } = job;
  let skipped: string | undefined;
  const scene = await loadScene(ladder.get('sources', settings.source), sceneId, job.sourceContext, { onSkip: (s) => (skipped = s.error) });
  if (!scene) {
    const result: SceneResult = { scene: sceneId, samples: [], generated: {}, drops: {}, skipped };
    await writeJsonAtomic(sceneResultPath(partial, sceneId), result);
    return result;
  }
  const generated: Record<string, number> = {};
  const { kept, drops } = await runFilters(ladder, drawCandidates(ladder, settings, scene, generated), { scene, seed: settings.seed });

  // media: every frame a kept sample shows, once
  const folder = join('media', safeName(scene.id));
  const frames = [...new Set(kept.flatMap((c) => c.frames))].sort((a, b) => a - b);
  const missing = frames.filter((f) => !scene.views.some((v) => v.frame === f));
  if (missing.length) throw new LadderError(`scene ${scene.id}: candidates use frames ${missing.join(', ')}, which the scene does not have`);
  const sizes = new Map<number, ResizedImage>();
  const paths = new Map<number, string>();
  for (const frame of frames) {
    const path = join(folder, `${frame}.jpg`);
    const source = kept.find((c) => c.frames.includes(frame))!;
    sizes.set(frame, await writeImage(source.media.images[source.frames.indexOf(frame)]!, join(partial, path), settings));
    paths.set(frame, path);
  }
  let video: string | undefined;
  const videoSource = kept.find((c) => c.media.video)?.media.video;
  if (videoSource) {
    video = join(folder, `video${extname(videoSource) || '.mp4'}`);
    await mkdir(join(partial, folder), { recursive: true });
    await copyFile(videoSource, join(partial, video));
  }

  const pairing = settings.tasks.map((id) => ladder.get('tasks', id)).filter((task) => typeof task.pair === 'function');
  const samples: Sample[] = [];
  const asSample = ({ refs, frames: used, ...rest }: Candidate): Sample => {
    const grounding = groundingOf(scene, refs, used);
    return {
      ...rest,
      media: { images: used.map((f) => paths.get(f)!), ...(rest.media.video && video ? { video } : {}) },
      ...(grounding.length && { grounding }),
    };
  };
  for (const candidate of kept) {
    const images = candidate.frames.map((frame) => sizes.get(frame)!);
    const twins = pairing.flatMap((task) => task.pair!(candidate, scene, images) ?? []);
    samples.push(twins.length ? { ...asSample(candidate), pairedWith: twins[0]!.id } : asSample(candidate), ...twins.map(asSample));
  }
  const result: SceneResult = { scene: scene.id, samples, generated, drops };
  await writeJsonAtomic(sceneResultPath(partial, scene.id), result);
  return result;
}

/**
 * Where the objects a question refers to show in its frames: per category
 * (the phrase the question writes), each referred object's 2D box in every
 * frame that lists it, in fractions of the colour image (3 decimals). A
 * category shown in none of the frames gives no phrase.
 */
function groundingOf(scene: Scene, refs: Candidate['refs'], frames: number[]): Grounding[] {
  const round = (x: number) => Math.round(x * 1000) / 1000;
  const views = frames.map((frame) => scene.views.find((v) => v.frame === frame));
  const phrases = new Map<string, Grounding['regions']>();
  for (const { objectId, category } of refs) {
    const regions = phrases.get(category) ?? [];
    views.forEach((view, image) => {
      const seen = view?.objects.find((o) => o.objectId === objectId);
      if (!view || !seen) return;
      const { width, height } = view.intrinsics;
      const [x1, y1, x2, y2] = seen.box2d;
      regions.push({ image, box: [round(x1 / width), round(y1 / height), round(x2 / width), round(y2 / height)] });
    });
    phrases.set(category, regions);
  }
  return [...phrases].flatMap(([phrase, regions]) => (regions.length ? [{ phrase, regions }] : []));
}

export const sceneDone = (partial: string, sceneId: string) => existsSync(sceneResultPath(partial, sceneId));
