/**
 * analysis-hints: `ladder analyze hints`, the hint experiment that motivates
 * the ladder (paper Figure 1, appendix A). Single-image relative-direction
 * questions from held-out scenes, asked three ways: the plain image, the
 * image with location hints (a red box on the first object the question
 * names, a blue one on the second, at their projected 2-D boxes) and with
 * full hints (the boxes plus a yellow arrow from the second object to the
 * first, between the projections of their 3-D centroids). Accuracy per
 * condition and checkpoint beside the chance level, a bar chart and a sheet
 * of hinted samples.
 */
import { existsSync } from 'node:fs';
import sharp from 'sharp';
import { basename, extname, join } from 'node:path';
import {
  createRandom,
  datasetRequest,
  DEFAULT_SOURCE,
  definePlugin,
  LadderError,
  loadScene,
  markdownTable,
  sourceContext,
  writeFileAtomic,
  type Analysis,
  type AnalysisContext,
  type Box2D,
  type Sample,
  type Scene,
  type Vec3,
} from '../../core/index.ts';
import { askRecorded, diagnosticSet, failures, mean, pickSamples, pointHeader, promptStyleOf } from '../../lib/analysis/index.ts';
import { barChartSvg, writePng } from '../../lib/charts/index.ts';
import { project, scaleIntrinsics } from '../../lib/geometry/index.ts';
import { drawOverlay, imageGrid, type Overlay } from '../../lib/media/index.ts';
import { samplePrompt } from '../../lib/prompts/index.ts';
import { chanceScore, scoreAnswer } from '../../lib/scoring/index.ts';

const PLUGIN_NAME = 'analysis-hints';
export const ANALYSIS_ID = 'hints';
const TASK = 'relative-direction';

export const CONDITIONS = ['none', 'boxes', 'full'] as const;
export type Condition = (typeof CONDITIONS)[number];
const CONDITION_NAMES: Record<Condition, string> = { none: 'no hint', boxes: 'location hints (boxes)', full: 'full hints (boxes + arrow)' };
export const HINT_COLOURS = { first: '#ff0000', second: '#0000ff', arrow: '#ffd700' } as const;

/** What a hinted image shows, in the pixels of the image the question uses. */
export interface HintGeometry {
  /** The first and second object the question names: category and 2-D box. */
  objects: [{ category: string; box: Box2D }, { category: string; box: Box2D }];
  /** Projections of the two objects' 3-D centroids (the arrow runs from the second to the first). */
  centres: [[number, number], [number, number]];
}

/** The overlay of a condition: nothing, the two boxes, or the boxes and the arrow. */
export function hintOverlay(geometry: HintGeometry, condition: Condition): Overlay | undefined {
  if (condition === 'none') return undefined;
  const [first, second] = geometry.objects;
  return {
    boxes: [
      { box: first.box, colour: HINT_COLOURS.first },
      { box: second.box, colour: HINT_COLOURS.second },
    ],
    arrows: condition === 'full' ? [{ from: geometry.centres[1], to: geometry.centres[0], colour: HINT_COLOURS.arrow }] : [],
  };
}

/** A sentence naming what the hints mark (with `--describe`). */
export function describeHints(geometry: HintGeometry, condition: Condition): string {
  if (condition === 'none') return '';
  const [first, second] = geometry.objects.map((o) => o.category);
  const boxes = `In the image the ${first} is outlined in red and the ${second} in blue.`;
  return condition === 'full' ? `${boxes} The yellow arrow points from the ${second} to the ${first}.` : boxes;
}

/**
 * The hint geometry of a relative-direction sample: boxes from its
 * localization twin (the objects' projected 2-D boxes in the resized image),
 * centres from the camera-frame centroids projected with the view's
 * intrinsics scaled to that image.
 */
export function hintGeometry(sample: Sample, twin: Sample, scene: Scene, image: { width: number; height: number }): HintGeometry {
  const objects = (sample.facts?.objects ?? []) as { id: number; category: string; centroidCamera: Vec3 }[];
  const boxes = (twin.facts?.objects ?? []) as { id: number; bbox_2d: Box2D }[];
  if (objects.length !== 2) throw new Error(`${sample.id}: expected two objects in facts.objects`);
  const frame = Number(basename(sample.media.images[0]!, extname(sample.media.images[0]!)));
  const view = scene.views.find((v) => v.frame === frame);
  if (!view) throw new Error(`${sample.id}: no view of scene ${scene.id} has frame ${frame} (from ${sample.media.images[0]})`);
  const k = scaleIntrinsics(view.intrinsics, image.width, image.height);
  const pick = (i: 0 | 1) => {
    const box = boxes.find((b) => b.id === objects[i]!.id)?.bbox_2d;
    if (!box) throw new Error(`${twin.id}: no box of object ${objects[i]!.id} (${objects[i]!.category})`);
    const centre = project(k, objects[i]!.centroidCamera) ?? [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2];
    return { object: { category: objects[i]!.category, box }, centre: centre as [number, number] };
  };
  const [a, b] = [pick(0), pick(1)];
  return { objects: [a.object, b.object], centres: [a.centre, b.centre] };
}

interface Question {
  sample: Sample;
  geometry: HintGeometry;
  /** Image per condition (absolute paths). */
  images: Record<Condition, string>;
}

async function prepareQuestions(ctx: AnalysisContext, from: string, limit: number): Promise<{ questions: Question[]; pool: number; root: string }> {
  const main = await ctx.dataset();
  const set = from === 'held-out' ? main : await diagnosticSet(ctx.ladder, main);
  const byId = new Map(set.samples.map((s) => [s.id, s]));
  const eligible = (s: Sample) =>
    s.split === 'held-out' && s.task === TASK && s.modality === 'single-image' && !!s.pairedWith && byId.get(s.pairedWith)?.task === 'localization';
  const pool = set.samples.filter(eligible).length;
  const picked = pickSamples(set.samples, eligible, limit || undefined, createRandom(ctx.seed, ANALYSIS_ID));
  if (!picked.length) throw new LadderError(`${ANALYSIS_ID}: no held-out single-image relative-direction question with a localization twin in ${set.dir}`);
  const source = ctx.ladder.get('sources', String(ctx.ladder.config.data.source ?? DEFAULT_SOURCE));
  const sourceCtx = sourceContext(datasetRequest(ctx.ladder));
  const scenes = new Map<string, Scene>();
  const questions: Question[] = [];
  for (const sample of picked) {
    if (!scenes.has(sample.scene)) scenes.set(sample.scene, (await loadScene(source, sample.scene, sourceCtx, { onBadScene: 'stop' }))!);
    const plain = join(set.dir, sample.media.images[0]!);
    const meta = await sharp(plain).metadata();
    const geometry = hintGeometry(sample, byId.get(sample.pairedWith!)!, scenes.get(sample.scene)!, { width: meta.width!, height: meta.height! });
    const images = { none: plain } as Record<Condition, string>;
    for (const condition of ['boxes', 'full'] as const) {
      const file = join(ctx.dir, 'images', `${sample.id.replace(/[^\w.-]/g, '_')}-${condition}.png`);
      if (!existsSync(file)) await writeFileAtomic(file, await drawOverlay(plain, hintOverlay(geometry, condition)!));
      images[condition] = file;
    }
    questions.push({ sample, geometry, images });
  }
  return { questions, pool, root: set.dir };
}

export interface PointHints {
  label: string;
  checkpoint?: string;
  fingerprint: string | null;
  prompt: string;
  /** Accuracy per condition (0..1) over the questions answered. */
  accuracy: Record<Condition, number>;
  answered: Record<Condition, number>;
  /** Predictions per condition, by question id. */
  predictions: Record<Condition, Record<string, string>>;
  /** Questions whose extracted answer under each hint differs from the one without (does the policy look at the hints at all?). */
  changed: Record<'boxes' | 'full', number>;
}

async function analyse(ctx: AnalysisContext) {
  const { questions: limit, from, describe, maxTokens, batch, show } = ctx.options as {
    questions: number;
    from: string;
    describe: boolean;
    maxTokens?: number;
    batch: number;
    show: number;
  };
  if (from !== 'scenes' && from !== 'held-out') throw new LadderError(`--from ${from}: expected "scenes" or "held-out"`);
  const { questions, pool, root } = await prepareQuestions(ctx, from, limit);
  if (limit && questions.length < limit)
    ctx.log(`${ANALYSIS_ID}: ${questions.length} questions (${limit} asked for): the held-out scenes give ${pool} after the dataset's filters; more held-out scenes give more`);
  const chance = mean(questions.map((q) => chanceScore(q.sample)));
  const points: PointHints[] = [];
  const problems: string[] = [];
  for (const point of ctx.points) {
    const opened = await point.open();
    try {
      const style = promptStyleOf(point);
      const progress = ctx.progress(`${ANALYSIS_ID} ${point.label}`, questions.length * CONDITIONS.length);
      const row: PointHints = { ...pointHeader(point, opened, style), accuracy: {} as PointHints['accuracy'], answered: {} as PointHints['answered'], predictions: {} as PointHints['predictions'], changed: { boxes: 0, full: 0 } };
      for (const condition of CONDITIONS) {
        const items = questions.map((q) => {
          const input = samplePrompt(q.sample, root, style);
          const note = describe ? describeHints(q.geometry, condition) : '';
          return { id: q.sample.id, input: { ...input, prompt: note ? `${note}\n${input.prompt}` : input.prompt, images: [q.images[condition]] } };
        });
        const answers = await askRecorded(ctx.records, opened, items, {
          label: `${condition}/${style}`,
          batch,
          seed: ctx.seed,
          progress,
          sampling: { maxTokens: maxTokens ?? (style === 'think' ? 128 : 16), temperature: 0, topP: 1, n: 1 },
        });
        const problem = failures(answers);
        if (problem) problems.push(`${point.label}, ${condition}: ${problem}`);
        const scored = questions.flatMap((q, i) => (Array.isArray(answers[i]) ? [{ id: q.sample.id, text: answers[i][0]!, score: scoreAnswer(answers[i][0]!, q.sample).score }] : []));
        row.accuracy[condition] = mean(scored.map((s) => s.score));
        row.answered[condition] = scored.length;
        row.predictions[condition] = Object.fromEntries(scored.map((s) => [s.id, s.text]));
      }
      progress.done();
      const extracted = (c: Condition, q: Question) => {
        const said = row.predictions[c][q.sample.id];
        return said === undefined ? undefined : String(scoreAnswer(said, q.sample).extracted);
      };
      const changed = (c: 'boxes' | 'full') => questions.filter((q) => extracted(c, q) !== undefined && extracted('none', q) !== undefined && extracted(c, q) !== extracted('none', q)).length;
      row.changed = { boxes: changed('boxes'), full: changed('full') };
      points.push(row);
    } finally {
      await opened.policy.dispose?.();
    }
    await ctx.publish(await report(ctx, points, questions, chance, pool, show));
  }
  const final = await report(ctx, points, questions, chance, pool, show);
  if (problems.length) {
    await ctx.publish(final);
    throw new LadderError(`${ANALYSIS_ID}: ${problems.join('; ')}. The other results are in ${ctx.dir}; run the command again to ask only those`);
  }
  return final;
}

const letterLabel = (sample: Sample, letter: string) => sample.options?.find((o) => o.startsWith(`${letter}.`))?.slice(3) ?? letter;

async function report(ctx: AnalysisContext, points: PointHints[], questions: Question[], chance: number, pool: number, show: number) {
  await writePng(
    join(ctx.dir, 'hints.png'),
    barChartSvg({
      title: `Hint experiment: relative direction, ${questions.length} held-out questions`,
      yLabel: 'accuracy %',
      groups: points.map((p) => p.label),
      series: CONDITIONS.map((c) => ({ name: CONDITION_NAMES[c], values: points.map((p) => 100 * p.accuracy[c]) })),
      reference: [{ value: 100 * chance, label: `chance ${(100 * chance).toFixed(1)}` }],
    }),
  );
  const last = points.at(-1);
  const shown = questions.slice(0, show);
  if (shown.length && last) {
    const rows = shown.map((q) =>
      CONDITIONS.map((c) => {
        const said = last.predictions[c]?.[q.sample.id];
        const letter = said === undefined ? null : (scoreAnswer(said, q.sample).extracted as string | null);
        const answer = said === undefined ? '-' : letter ? letterLabel(q.sample, letter) : JSON.stringify(said.slice(0, 16));
        return { image: q.images[c], caption: `${q.geometry.objects[0].category} vs ${q.geometry.objects[1].category}: truth ${letterLabel(q.sample, q.sample.answer)}; ${last.label} said ${answer}` };
      }),
    );
    await writeFileAtomic(join(ctx.dir, 'samples.png'), await imageGrid(rows, { headings: CONDITIONS.map((c) => CONDITION_NAMES[c]), title: 'Hinted samples (red: first object, blue: second, arrow: second -> first)' }));
  }
  const table = markdownTable(
    ['checkpoint', 'prompt', ...CONDITIONS.map((c) => `${CONDITION_NAMES[c]} %`), 'full - none', 'chance %', 'answers changed (boxes / full)'],
    points.map((p) => [p.label, p.prompt, ...CONDITIONS.map((c) => 100 * p.accuracy[c]), (100 * (p.accuracy.full - p.accuracy.none)).toFixed(1), 100 * chance, `${p.changed.boxes} / ${p.changed.full} of ${questions.length}`]),
  );
  return {
    markdown: [
      `Relative-direction accuracy with and without hints (${questions.length} held-out questions of ${pool}; chance = mean of 1 / options):`,
      table,
      '![hint experiment](hints.png)',
      shown.length ? '![hinted samples](samples.png)' : '',
    ].filter(Boolean).join('\n\n'),
    result: { questions: questions.length, pool, chance, points },
  };
}

export const hintsAnalysis: Analysis = {
  id: ANALYSIS_ID,
  description: 'relative-direction accuracy with no hint, boxes, and boxes + arrows (paper Figure 1)',
  target: 'policies',
  options: {
    questions: { type: 'int', default: 200, description: 'questions, a seeded subset of those the held-out scenes give (0: all)' },
    from: { type: 'string', default: 'scenes', description: '"scenes": questions generated from the held-out scenes (a cached diagnostic set); "held-out": the dataset\'s own held-out questions' },
    describe: { type: 'flag', description: 'say in the prompt what the boxes and the arrow mark (default: the image alone differs)' },
    maxTokens: { type: 'int', description: 'completion budget (default 16 for direct prompts, 128 for think prompts)' },
    batch: { type: 'int', default: 8, description: 'questions per policy call' },
    show: { type: 'int', default: 4, description: 'questions in samples.png', presentation: true },
  },
  help: [
    'Questions: single-image relative direction ("is the A to the B\'s left-front, ...") from the held-out scenes,',
    'made by the dataset\'s own generators and filters (--from scenes builds them into a cached diagnostic set).',
    'Hints are drawn on the image the model sees: red box = first object, blue = second (their projected 2-D',
    'boxes), yellow arrow = from the second object\'s projected centroid to the first\'s. Greedy answers; each',
    'checkpoint is asked the way it was trained. Writes hints.png, samples.png, images/, report.md, result.json.',
  ].join('\n'),
  run: analyse,
};

export default definePlugin({
  name: PLUGIN_NAME,
  apply(ladder) {
    ladder.hooks.analyses.for(ANALYSIS_ID).tap(PLUGIN_NAME, () => hintsAnalysis);
  },
});
