/** A StageContext for running a stage directly (no runner), recording what it emits. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset, Policy, Reward, Sample, StageContext } from '../../core/index.ts';

export interface TestStage {
  ctx: StageContext;
  /** Everything the stage emitted, in order. */
  emitted: Record<string, unknown>[];
  logs: string[];
}

export function stageContext(opts: {
  policy: Policy;
  dataset: Dataset;
  samples?: Sample[];
  dir: string;
  kind: string;
  name?: string;
  options?: Record<string, unknown>;
  rewards?: Record<string, { reward: Reward; weight: number }>;
  seed?: number;
  resume?: boolean;
}): TestStage {
  const emitted: Record<string, unknown>[] = [];
  const logs: string[] = [];
  const name = opts.name ?? opts.kind;
  const dir = join(opts.dir, name);
  mkdirSync(dir, { recursive: true });
  const ctx: StageContext = {
    entry: { name, kind: opts.kind, data: [{}], options: opts.options ?? {}, evaluate: false },
    policy: opts.policy,
    samples: opts.samples ?? opts.dataset.samples,
    dataset: opts.dataset,
    rewards: opts.rewards ?? {},
    seed: opts.seed ?? 7,
    dir,
    resume: opts.resume ?? false,
    emit: (m) => void emitted.push(m),
    progress: () => ({ tick: () => {}, done: () => {} }),
    log: (m) => void logs.push(m),
  };
  return { ctx, emitted, logs };
}
