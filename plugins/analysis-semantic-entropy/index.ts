/**
 * analysis-semantic-entropy: `ladder analyze semantic-entropy` (paper
 * Figure 6, appendix C.6). Per checkpoint of a run (or one `--model`):
 * held-out spatial questions, `samples` answers each at `temperature`,
 * clustered by accuracy reward (answers with the same reward are one
 * cluster), semantic entropy per question and its mean, the answers'
 * accuracy, and beside both the chance level (uniform guessing: its exact
 * expected entropy and score). A line plot across the checkpoints.
 */
import { join } from 'node:path';
import { createRandom, definePlugin, LadderError, markdownTable, type Analysis, type AnalysisContext, type Sample } from '../../core/index.ts';
import { askRecorded, byTask, expectedEntropy, failures, mean, pickSamples, pointHeader, promptStyleOf, semanticEntropy } from '../../lib/analysis/index.ts';
import { lineChartSvg, writePng } from '../../lib/charts/index.ts';
import { samplePrompt } from '../../lib/prompts/index.ts';
import { chanceOutcomes, chanceScore, scoreAnswer } from '../../lib/scoring/index.ts';

const PLUGIN_NAME = 'analysis-semantic-entropy';
export const ANALYSIS_ID = 'semantic-entropy';

export interface QuestionEntropy {
  id: string;
  task: string;
  /** Accuracy reward of each sampled answer. */
  rewards: number[];
  entropy: number;
  /** Expected entropy of as many uniform guesses. */
  chance: number;
}

export interface PointEntropy {
  label: string;
  checkpoint?: string;
  fingerprint: string | null;
  prompt: string;
  questions: number;
  /** Mean semantic entropy (nats) and its chance level. */
  entropy: number;
  chanceEntropy: number;
  /** Mean accuracy reward of all sampled answers (0..1) and its chance level. */
  accuracy: number;
  chanceAccuracy: number;
  byTask: Record<string, { questions: number; entropy: number; chanceEntropy: number; accuracy: number; chanceAccuracy: number }>;
  perQuestion: QuestionEntropy[];
}

/** Mean entropy, accuracy and their chance levels over some questions. */
export function summarize(rows: QuestionEntropy[], samples: Map<string, Sample>) {
  return {
    questions: rows.length,
    entropy: mean(rows.map((r) => r.entropy)),
    chanceEntropy: mean(rows.map((r) => r.chance)),
    accuracy: mean(rows.flatMap((r) => r.rewards)),
    chanceAccuracy: mean(rows.map((r) => chanceScore(samples.get(r.id)!))),
  };
}

async function analyse(ctx: AnalysisContext) {
  const { questions: limit, samples: n, temperature, maxTokens, batch } = ctx.options as { questions: number; samples: number; temperature: number; maxTokens?: number; batch: number };
  if (n < 2) throw new LadderError('--samples: semantic entropy needs at least 2 answers per question');
  const dataset = await ctx.dataset();
  // localization's IoU is continuous (every answer its own cluster): spatial questions only
  const questions = pickSamples(dataset.samples, (s) => s.split === 'held-out' && s.answerKind !== 'boxes', limit || undefined, createRandom(ctx.seed, ANALYSIS_ID));
  if (!questions.length) throw new LadderError(`${ANALYSIS_ID}: the dataset in ${dataset.dir} has no held-out spatial questions`);
  const byId = new Map(questions.map((q) => [q.id, q]));
  const points: PointEntropy[] = [];
  const problems: string[] = [];
  for (const point of ctx.points) {
    const opened = await point.open();
    try {
      const style = promptStyleOf(point);
      const progress = ctx.progress(`${ANALYSIS_ID} ${point.label}`, questions.length);
      const answers = await askRecorded(
        ctx.records,
        opened,
        questions.map((q) => ({ id: q.id, input: samplePrompt(q, dataset.dir, style) })),
        { label: `${style}`, batch, seed: ctx.seed, progress, sampling: { maxTokens: maxTokens ?? (style === 'think' ? 128 : 32), temperature, topP: 1, n } },
      );
      progress.done();
      const problem = failures(answers);
      if (problem) problems.push(`${point.label}: ${problem}`);
      const perQuestion = questions.flatMap((q, i): QuestionEntropy[] => {
        const texts = answers[i];
        if (!Array.isArray(texts)) return [];
        const rewards = texts.map((t) => scoreAnswer(t, q, 'spec', `sample ${q.id}`).score);
        return [{ id: q.id, task: q.task, rewards, entropy: semanticEntropy(rewards), chance: expectedEntropy(chanceOutcomes(q), texts.length) }];
      });
      points.push({
        ...pointHeader(point, opened, style),
        ...summarize(perQuestion, byId),
        byTask: byTask(perQuestion, (rows) => summarize(rows, byId)),
        perQuestion,
      });
    } finally {
      await opened.policy.dispose?.();
    }
    await ctx.publish(await report(ctx, points, n, temperature));
  }
  const final = await report(ctx, points, n, temperature);
  if (problems.length) {
    await ctx.publish(final);
    throw new LadderError(`${ANALYSIS_ID}: ${problems.join('; ')}. The other results are in ${ctx.dir}; run the command again to ask only those`);
  }
  return final;
}

async function report(ctx: AnalysisContext, points: PointEntropy[], n: number, temperature: number) {
  const labels = points.map((p) => p.label);
  await writePng(
    join(ctx.dir, 'semantic-entropy.png'),
    lineChartSvg({
      title: `Semantic entropy (${n} answers at temperature ${temperature}, clustered by accuracy reward)`,
      xLabel: 'checkpoint',
      yLabel: 'mean semantic entropy (nats)',
      xLabels: labels,
      series: [
        { name: ctx.name, points: points.map((p, i) => [i, p.entropy]), markers: true },
        { name: 'chance (uniform guessing)', points: points.map((p, i) => [i, p.chanceEntropy]), dashed: true },
      ],
      yRange: [0, Math.max(0.1, ...points.flatMap((p) => [p.entropy, p.chanceEntropy]).filter(Number.isFinite)) * 1.1],
    }),
  );
  const table = markdownTable(
    ['checkpoint', 'prompt', 'questions', 'entropy (nats)', 'chance entropy', 'accuracy %', 'chance %'],
    points.map((p) => [p.label, p.prompt, String(p.questions), p.entropy.toFixed(3), p.chanceEntropy.toFixed(3), 100 * p.accuracy, 100 * p.chanceAccuracy]),
  );
  const tasks = [...new Set(points.flatMap((p) => Object.keys(p.byTask)))];
  const byTask = markdownTable(
    ['task', ...labels, 'chance'],
    tasks.map((task) => [task, ...points.map((p) => p.byTask[task]?.entropy.toFixed(3) ?? '-'), points.find((p) => p.byTask[task])?.byTask[task]!.chanceEntropy.toFixed(3) ?? '-']),
  );
  return {
    markdown: `Semantic entropy per checkpoint (${n} answers per question at temperature ${temperature}; clusters = distinct accuracy rewards):\n\n${table}\n\nMean entropy per task:\n\n${byTask}\n\n![semantic entropy](semantic-entropy.png)`,
    result: { samples: n, temperature, points },
  };
}

export const semanticEntropyAnalysis: Analysis = {
  id: ANALYSIS_ID,
  description: 'semantic entropy of sampled answers per checkpoint (paper Figure 6)',
  target: 'policies',
  options: {
    questions: { type: 'int', default: 100, description: 'held-out spatial questions, a seeded subset (0: all)' },
    samples: { type: 'int', default: 8, description: 'answers sampled per question' },
    temperature: { type: 'number', default: 0.9, description: 'sampling temperature' },
    maxTokens: { type: 'int', description: 'completion budget (default 32 for direct prompts, 128 for think prompts)' },
    batch: { type: 'int', default: 4, description: 'questions per policy call (each batch has its own sampling seed)' },
  },
  help: [
    'Clusters: answers with equal accuracy reward (letter match 0/1; numbers: MRA in tenths). Entropy per question:',
    '-sum p_k ln p_k, p_k = cluster size / answers. Chance: the exact expected entropy and score of uniform guessing',
    '(a uniform letter; for numbers truth x U[0, 2)) with the same number of answers. Each checkpoint is asked',
    'the way it was trained (think prompts after stage 3). Writes semantic-entropy.png, report.md, result.json.',
  ].join('\n'),
  run: analyse,
};

export default definePlugin({
  name: PLUGIN_NAME,
  apply(ladder) {
    ladder.hooks.analyses.for(ANALYSIS_ID).tap(PLUGIN_NAME, () => semanticEntropyAnalysis);
  },
});
