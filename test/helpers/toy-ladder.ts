/**
 * A small but real set of plugins for exercising the core: a dataset of
 * arithmetic facts, a policy that memorises answers (saved to and loaded from
 * disk), a stage that teaches it, and an exact-match benchmark.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { contentHash, stableJson, type Benchmark, type Plugin, type Policy, type Sample, type Stage } from '../../core/index.ts';

export class MemoPolicy implements Policy {
  readonly id = 'memo';
  constructor(readonly memory = new Map<string, string>()) {}
  /** What it answers is what it remembers. */
  fingerprint() {
    return contentHash(stableJson([...this.memory].sort()));
  }
  async generate(inputs: { prompt: string }[]) {
    return inputs.map((input) => [{ text: this.memory.get(input.prompt) ?? '?' }]);
  }
  async save(dir: string) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'policy.json'), JSON.stringify({ backend: 'memo' }));
    writeFileSync(join(dir, 'memory.json'), JSON.stringify([...this.memory]));
  }
}

export const samples: Sample[] = Array.from({ length: 6 }, (_, i) => ({
  id: `s${i}`,
  task: i % 2 ? 'addition' : 'localization',
  modality: 'single-image',
  scene: `scene${i % 3}`,
  question: `what is ${i} + ${i}?`,
  answer: String(2 * i),
  answerKind: 'number',
  media: { images: [] },
}));

export interface ToyCounters {
  stageRuns: string[];
  evaluations: string[];
  /** Stage names that throw once (then succeed). */
  failOnce: Set<string>;
  /** The prompt style each evaluation was asked to use (BenchmarkContext.promptStyle). */
  promptStyles?: (string | undefined)[];
}

export function toyPlugins(counters: ToyCounters): Plugin[] {
  const stage: Stage = {
    kind: 'memorize',
    async run(ctx) {
      counters.stageRuns.push(ctx.entry.name);
      if (counters.failOnce.delete(ctx.entry.name)) throw new Error(`simulated crash in ${ctx.entry.name}`);
      const policy = ctx.policy as MemoPolicy;
      ctx.samples.forEach((sample, step) => {
        policy.memory.set(sample.question, sample.answer);
        ctx.emit({ step: step + 1, loss: ctx.samples.length - step - 1 });
      });
      await policy.save(ctx.dir);
      const style = ctx.entry.options.style as string | undefined;
      return { checkpoint: ctx.dir, ...(style && { promptStyle: style }), metrics: { learned: ctx.samples.length } };
    },
  };
  const benchmark: Benchmark = {
    id: 'exact',
    usesDataset: true,
    async evaluate(policy, ctx) {
      counters.evaluations.push(ctx.dir);
      counters.promptStyles?.push(ctx.promptStyle);
      const rows = ctx.dataset!.samples;
      const outputs = await policy.generate(rows.map((s) => ({ prompt: s.question, images: [] })), { maxTokens: 8, temperature: 0, topP: 1, seed: ctx.seed });
      const score = (100 * outputs.filter((o, i) => o[0]!.text === rows[i]!.answer).length) / rows.length;
      return { benchmark: 'exact', scores: [{ type: 'all', kind: 'NQ', count: rows.length, score }], nq: score, mcq: 0, avg: score };
    },
  };
  return [
    {
      name: 'toy',
      apply(ladder) {
        ladder.hooks.dataset.tapPromise('toy', async () => ({ dir: '/nowhere', manifest: {}, samples }));
        ladder.hooks.stages.for('memorize').tap('toy', () => stage);
        ladder.hooks.benchmarks.for('exact').tap('toy', () => benchmark);
        ladder.hooks.models.for('memo').tap('toy', () => ({
          id: 'memo',
          create: async () => new MemoPolicy(),
          load: async (dir) => {
            if (!existsSync(join(dir, 'memory.json'))) throw new Error(`${dir}: no memory.json`);
            return new MemoPolicy(new Map(JSON.parse(readFileSync(join(dir, 'memory.json'), 'utf8')) as [string, string][]));
          },
        }));
      },
    },
  ];
}

export const toyConfig = (runsDir: string) => ({
  name: 'toy',
  model: 'memo',
  runsDir,
  curriculum: [
    { name: 'first', kind: 'memorize', data: { tasks: ['localization'] } },
    { name: 'second', kind: 'memorize', data: { tasks: ['addition'] } },
  ],
  evaluate: { benchmarks: ['exact'] },
});
