/**
 * analysis-attention: `ladder analyze attention` (paper Figure 7, appendix
 * C.7). Where a policy looks when it answers: per checkpoint, held-out
 * single-image questions whose objects have boxes (their localization
 * twins), the policy's greedy answer, then its attention from the positions
 * that produced the answer to the image's visual tokens (`Policy.attention`,
 * averaged over layers and heads). Per task type: accuracy, attention IoU
 * (the share of min-max normalised attention inside the objects' boxes) and
 * attention entropy, each beside its chance level; heat maps of a few
 * questions. A policy that does not expose attention is refused by name.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import {
  ConfigError,
  createRandom,
  definePlugin,
  LadderError,
  markdownTable,
  writeFileAtomic,
  type Analysis,
  type AnalysisContext,
  type AttentionMap,
  type Box2D,
  type OpenedPolicy,
  type PolicyInput,
  type Sample,
} from '../../core/index.ts';
import { askRecorded, attentionEntropy, byTask, pointHeader, diagnosticSet, attentionIoU, boxCoverage, failures, mean, meanAttention, pickSamples, promptStyleOf, uniformIoU, type ImageBox } from '../../lib/analysis/index.ts';
import { barChartSvg, writePng } from '../../lib/charts/index.ts';
import { drawOverlay, imageGrid } from '../../lib/media/index.ts';
import { samplePrompt } from '../../lib/prompts/index.ts';
import { chanceScore, scoreAnswer } from '../../lib/scoring/index.ts';

const PLUGIN_NAME = 'analysis-attention';
export const ANALYSIS_ID = 'attention';

interface Question {
  sample: Sample;
  /** The objects' boxes on the question's image, and its size. */
  boxes: ImageBox[];
  image: string;
}

/** One question's measures (what records.jsonl keeps per question). */
export interface QuestionAttention {
  id: string;
  task: string;
  answer: string;
  score: number;
  iou: number;
  entropy: number;
  /** IoU of attention spread evenly over the visual tokens (the chance level). */
  uniformIoU: number;
  /** Share of the attention that went to visual tokens at all (mean over layers and heads). */
  visualShare: number;
  grids: AttentionMap['grids'];
  /** Mean attention per visual token. */
  weights: number[];
}

export interface TaskAttention {
  questions: number;
  accuracy: number;
  chanceAccuracy: number;
  iou: number;
  uniformIoU: number;
  entropy: number;
  /** Mean share of the attention on visual tokens at all (the rest went to text). */
  visualShare: number;
}

export interface PointAttention {
  label: string;
  checkpoint?: string;
  fingerprint: string | null;
  prompt: string;
  byTask: Record<string, TaskAttention>;
  all: TaskAttention;
  perQuestion: QuestionAttention[];
}

/** The policy's attention per question, with the measures computed from it. */
export function measure(question: Question, answer: string, map: AttentionMap): QuestionAttention {
  const weights = meanAttention(map);
  const coverage = boxCoverage(map.grids, question.boxes);
  return {
    id: question.sample.id,
    task: question.sample.task,
    answer,
    score: scoreAnswer(answer, question.sample).score,
    iou: attentionIoU(weights, coverage),
    entropy: attentionEntropy(weights),
    uniformIoU: uniformIoU(coverage),
    visualShare: weights.reduce((s, w) => s + w, 0),
    grids: map.grids,
    weights: [...weights],
  };
}

function summarize(rows: QuestionAttention[], samples: Map<string, Sample>): TaskAttention {
  return {
    questions: rows.length,
    accuracy: mean(rows.map((r) => r.score)),
    chanceAccuracy: mean(rows.map((r) => chanceScore(samples.get(r.id)!))),
    iou: mean(rows.map((r) => r.iou)),
    uniformIoU: mean(rows.map((r) => r.uniformIoU)),
    entropy: mean(rows.map((r) => r.entropy)),
    visualShare: mean(rows.map((r) => r.visualShare)),
  };
}

async function questionsOf(ctx: AnalysisContext, from: string, limit: number): Promise<{ questions: Question[]; root: string }> {
  if (from !== 'scenes' && from !== 'held-out') throw new LadderError(`--from ${from}: expected "scenes" or "held-out"`);
  const main = await ctx.dataset();
  const dataset = from === 'held-out' ? main : await diagnosticSet(ctx.ladder, main);
  const byId = new Map(dataset.samples.map((s) => [s.id, s]));
  const twin = (s: Sample) => (s.pairedWith ? byId.get(s.pairedWith) : undefined);
  const eligible = (s: Sample) => s.split === 'held-out' && s.modality === 'single-image' && s.answerKind !== 'boxes' && twin(s)?.task === 'localization';
  const picked = pickSamples(dataset.samples, eligible, limit || undefined, createRandom(ctx.seed, ANALYSIS_ID));
  if (!picked.length) throw new LadderError(`${ANALYSIS_ID}: the dataset in ${dataset.dir} has no held-out single-image question with object boxes (a localization twin)`);
  const questions: Question[] = [];
  for (const sample of picked) {
    const image = join(dataset.dir, sample.media.images[0]!);
    const { width, height } = await sharp(image).metadata();
    const boxes = ((twin(sample)!.facts?.objects ?? []) as { bbox_2d: Box2D }[]).map((o) => ({ image: 0, box: o.bbox_2d, width: width!, height: height! }));
    questions.push({ sample, boxes, image });
  }
  return { questions, root: dataset.dir };
}

/** Attention maps of one batch of answered questions. */
async function attend(opened: OpenedPolicy, inputs: PolicyInput[], answers: string[]): Promise<AttentionMap[]> {
  const maps = await opened.policy.attention!(inputs, answers);
  if (maps.length !== inputs.length) throw new Error(`policy "${opened.policy.id}" returned ${maps.length} attention maps for ${inputs.length} inputs`);
  return maps;
}

async function analyse(ctx: AnalysisContext) {
  const { questions: limit, from, maxTokens, batch, show } = ctx.options as { questions: number; from: string; maxTokens?: number; batch: number; show: number };
  const { questions, root } = await questionsOf(ctx, from, limit);
  const samples = new Map(questions.map((q) => [q.sample.id, q.sample]));
  const points: PointAttention[] = [];
  for (const point of ctx.points) {
    const opened = await point.open();
    try {
      if (typeof opened.policy.attention !== 'function')
        throw new ConfigError(
          `${ANALYSIS_ID}: policy "${opened.policy.id}" (${point.label}) does not expose its attention (Policy.attention); ` +
            'the attention analysis needs a backend that does, such as tiny-vlm. Nothing was measured',
        );
      const style = promptStyleOf(point);
      const progress = ctx.progress(`${ANALYSIS_ID} ${point.label}`, 2 * questions.length);
      const items = questions.map((q) => ({ id: q.sample.id, input: samplePrompt(q.sample, root, style) }));
      const answers = await askRecorded(ctx.records, opened, items, {
        label: `answers/${style}`,
        batch,
        seed: ctx.seed,
        progress,
        sampling: { maxTokens: maxTokens ?? (style === 'think' ? 128 : 16), temperature: 0, topP: 1, n: 1 },
      });
      const problem = failures(answers);
      if (problem) throw new LadderError(`${ANALYSIS_ID}: ${point.label}: ${problem}; run the command again to ask only those`);
      const perQuestion: QuestionAttention[] = [];
      for (let b = 0; b * batch < questions.length; b++) {
        const key = `${opened.key}/maps/${style}/batch-${b}`;
        const part = questions.slice(b * batch, (b + 1) * batch);
        let rows = ctx.records.get<QuestionAttention[]>(key);
        if (!rows || rows.map((r) => r.id).join('\n') !== part.map((q) => q.sample.id).join('\n')) {
          const texts = part.map((_, i) => (answers[b * batch + i] as string[])[0]!);
          const maps = await attend(opened, items.slice(b * batch, (b + 1) * batch).map((i) => i.input), texts);
          const single = maps.flatMap((m) => m.grids).find((g) => g.rows * g.cols < 2);
          if (single)
            throw new LadderError(
              `${ANALYSIS_ID}: ${point.label}: the policy turns each image into ${single.rows * single.cols} visual token (${single.rows} x ${single.cols}): ` +
                'attention IoU and entropy need at least 2 tokens per image to say where attention went; use a model with larger images (tiny-vlm: imageWidth, imageHeight). Nothing was measured',
            );
          rows = part.map((q, i) => measure(q, texts[i]!, maps[i]!));
          ctx.records.put(key, rows);
        }
        perQuestion.push(...rows);
        progress.tick(part.length);
      }
      progress.done();
      points.push({
        ...pointHeader(point, opened, style),
        byTask: byTask(perQuestion, (rows) => summarize(rows, samples)),
        all: summarize(perQuestion, samples),
        perQuestion,
      });
    } finally {
      await opened.policy.dispose?.();
    }
    await ctx.publish(await report(ctx, points, questions, show));
  }
  return report(ctx, points, questions, show);
}

async function report(ctx: AnalysisContext, points: PointAttention[], questions: Question[], show: number) {
  const tasks = [...new Set(points.flatMap((p) => Object.keys(p.byTask)))];
  const groups = [...tasks, 'all'];
  const of = (p: PointAttention, g: string) => (g === 'all' ? p.all : p.byTask[g]);
  const chanceOf = (g: string, key: 'uniformIoU' | 'chanceAccuracy') => points.map((p) => of(p, g)?.[key]).find((v) => v !== undefined) ?? NaN;
  const bars = (title: string, yLabel: string, value: (t: TaskAttention) => number, chance: ((g: string) => number) | undefined, file: string) =>
    writePng(
      join(ctx.dir, file),
      barChartSvg({
        title,
        yLabel,
        groups,
        series: [
          ...points.map((p) => ({ name: p.label, values: groups.map((g) => (of(p, g) ? value(of(p, g)!) : NaN)) })),
          ...(chance ? [{ name: 'chance', values: groups.map(chance) }] : []),
        ],
        ...(chance ? {} : { reference: [{ value: 1, label: 'chance (even attention) 1.0' }] }),
      }),
    );
  await bars('Visual attention IoU by task (chance: attention spread evenly)', 'attention IoU %', (t) => 100 * t.iou, (g) => 100 * chanceOf(g, 'uniformIoU'), 'attention-iou.png');
  await bars('Visual attention entropy by task (normalised: 1 = even)', 'attention entropy', (t) => t.entropy, undefined, 'attention-entropy.png');
  await bars('Accuracy by task', 'accuracy %', (t) => 100 * t.accuracy, (g) => 100 * chanceOf(g, 'chanceAccuracy'), 'accuracy.png');

  const shown = questions.slice(0, show);
  if (shown.length && points.length) {
    const rows = await Promise.all(
      shown.map((q) =>
        Promise.all(
          points.map(async (p) => {
            const row = p.perQuestion.find((r) => r.id === q.sample.id);
            if (!row) return { image: q.image, caption: `${p.label}: -` };
            const grid = row.grids[0]; // single-image questions: the one image's tokens come first
            const values = row.weights.slice(0, grid ? grid.rows * grid.cols : 0);
            const [lo, hi] = [Math.min(...values), Math.max(...values)];
            const heat = grid ? { rows: grid.rows, cols: grid.cols, values: values.map((v) => (hi > lo ? (v - lo) / (hi - lo) : 0)) } : undefined;
            const image = await drawOverlay(q.image, { heat, boxes: q.boxes.map((b) => ({ box: b.box, colour: '#00ff66' })) });
            return { image, caption: `${p.label}: IoU ${(100 * row.iou).toFixed(0)}% (even ${(100 * row.uniformIoU).toFixed(0)}%), entropy ${row.entropy.toFixed(2)}; ${row.score >= 1 ? 'right' : 'wrong'}` };
          }),
        ),
      ),
    );
    await writeFileAtomic(
      join(ctx.dir, 'heatmaps.png'),
      await imageGrid(rows, { headings: points.map((p) => p.label), title: 'Attention on the image (hot = more), objects boxed in green' }),
    );
  }
  const table = markdownTable(
    ['checkpoint', 'task', 'n', 'accuracy %', 'chance %', 'attention IoU %', 'even %', 'entropy', 'chance', 'on image %'],
    points.flatMap((p) =>
      groups.filter((g) => of(p, g)).map((g) => {
        const t = of(p, g)!;
        return [p.label, g, String(t.questions), 100 * t.accuracy, 100 * t.chanceAccuracy, 100 * t.iou, 100 * t.uniformIoU, t.entropy.toFixed(3), '1.000', 100 * t.visualShare];
      }),
    ),
  );
  return {
    markdown: [
      `Visual attention on ${questions.length} held-out single-image questions (attention from the answer's positions to the image tokens, mean over layers and heads; IoU: share of min-max normalised attention inside the objects' boxes, chance = attention spread evenly; entropy normalised to [0, 1], chance = 1; on image: the share of all attention that went to image tokens):`,
      table,
      '![attention IoU](attention-iou.png)\n![attention entropy](attention-entropy.png)\n![accuracy](accuracy.png)',
      shown.length ? '![heat maps](heatmaps.png)' : '',
    ].filter(Boolean).join('\n\n'),
    result: { questions: questions.length, points },
  };
}

export const attentionAnalysis: Analysis = {
  id: ANALYSIS_ID,
  description: 'visual attention IoU and entropy per task for policies that expose attention (paper Figure 7)',
  target: 'policies',
  options: {
    questions: { type: 'int', default: 200, description: 'single-image questions with object boxes, a seeded subset (0: all)' },
    from: { type: 'string', default: 'scenes', description: '"scenes": questions made from the held-out scenes (the cached diagnostic set the hints analysis uses too); "held-out": the dataset\'s own held-out questions' },
    maxTokens: { type: 'int', description: 'completion budget (default 16 for direct prompts, 128 for think prompts)' },
    batch: { type: 'int', default: 8, description: 'questions per policy call' },
    show: { type: 'int', default: 4, description: 'questions in heatmaps.png', presentation: true },
  },
  help: [
    'Needs Policy.attention (tiny-vlm has it; a policy without it is refused, nothing is made up). Boxes: the',
    "objects of each question from its localization twin. Writes attention-iou.png, attention-entropy.png,",
    'accuracy.png, heatmaps.png, report.md, result.json (per question: answer, IoU, entropy, attention map).',
  ].join('\n'),
  run: analyse,
};

export default definePlugin({
  name: PLUGIN_NAME,
  apply(ladder) {
    ladder.hooks.analyses.for(ANALYSIS_ID).tap(PLUGIN_NAME, () => attentionAnalysis);
  },
});
